"""The programme's data for a spreadsheet (CSV, XLSX) or a script (JSON, JSON Lines).

- ``tables``: what can be exported and one export in one format, for the
  area's exports page and ``mentorat export``;
- ``spreadsheet``: French headers, labels, one typed value a cell (``cells``);
- ``formats``: CSV for a French spreadsheet (no formula), JSON, JSON Lines;
- ``workbook``: XLSX with typed cells and a bold, frozen, filtered header row.

May import the shared top-level modules, ``records`` and ``mail.mailqueue`` (what
a record still carries for the queue is left out). No Flask.
"""
