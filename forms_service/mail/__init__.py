"""E-mail: the queue a request writes to, and the sender that delivers it.

- ``mailqueue``: one job per message, in the store beside the records that
  cause it (DESIGN decision 10), with its retries;
- ``messages``: a job turned into the message to send, rendered from the
  records as they are when it leaves; ``sender``: SMTP, outside requests;
- ``links``: the personal signed links messages carry; ``ics``: the calendar
  files; ``legacy_outbox``: the ``.eml`` outbox of earlier versions.

``mailqueue`` and ``links`` import only ``storage`` and the shared top-level
modules (``records`` builds on them); ``messages`` and ``sender`` may also
import ``records``. No Flask.
"""
