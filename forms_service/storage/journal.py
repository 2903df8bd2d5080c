"""Encode and decode journal lines: ``<crc32 of the JSON, 8 hex digits> <JSON>\\n``.

Line 1 of a journal is a header ``{"op": "header", "format": 1, "table": …,
"next_id": 42}``, with ``"dropped": true`` once TinyDB's ``drop_table`` dropped
the table (the file stays, so its ids are never handed out again); every other
line is ``{"op": "put", "id": 7, "doc": {...}}``: a new document or the new
full version of one.
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Iterator
from typing import Any

from .layout import FORMAT

__all__ = [
    "copy_json",
    "decode",
    "encode",
    "header_line",
    "is_id",
    "journal_lines",
    "parse_lines",
    "put_line",
    "salvage_id",
    "same_json",
    "unique_value",
]


def encode(record: dict) -> bytes:
    """Return one journal line; ValueError/TypeError if record is not plain JSON."""
    payload = json.dumps(
        record, ensure_ascii=False, separators=(",", ":"), allow_nan=False
    ).encode("utf-8")
    return b"%08x %s\n" % (zlib.crc32(payload), payload)


def decode(line: bytes) -> dict:
    """Return the record of one journal line (without its newline); ValueError if damaged."""
    if len(line) < 10 or line[8:9] != b" ":
        raise ValueError("ligne mal formée")
    payload = line[9:]
    try:
        expected = int(line[:8], 16)
    except ValueError:
        raise ValueError("somme de contrôle illisible") from None
    if zlib.crc32(payload) != expected:
        raise ValueError("somme de contrôle incorrecte")
    try:
        record = json.loads(payload)
    except ValueError:
        raise ValueError("JSON invalide") from None
    _validate_record(record)
    return record


def _validate_record(record: Any) -> None:
    op = record.get("op") if isinstance(record, dict) else None
    if op == "header":
        if record.get("format") != FORMAT:
            raise ValueError(f"format de journal inconnu : {record.get('format')!r}")
        if not is_id(record.get("next_id")) or not isinstance(record.get("table"), str):
            raise ValueError("en-tête invalide")
        if not isinstance(record.get("dropped", False), bool):
            raise ValueError("en-tête invalide")
    elif op == "put":
        if not is_id(record.get("id")) or not isinstance(record.get("doc"), dict):
            raise ValueError("enregistrement invalide")
    else:
        raise ValueError("opération inconnue")


def is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def header_line(name: str, next_id: int, dropped: bool = False) -> bytes:
    record = {"op": "header", "format": FORMAT, "table": name, "next_id": next_id}
    if dropped:  # absent otherwise: headers stay byte for byte what older code wrote
        record["dropped"] = True
    return encode(record)


def put_line(doc_id: int, doc: dict) -> bytes:
    return encode({"op": "put", "id": doc_id, "doc": doc})


def journal_lines(
    name: str, next_id: int, docs: dict[str, dict], dropped: bool = False
) -> Iterator[bytes]:
    """Yield a whole compacted journal: header, then each live document in id order."""
    yield header_line(name, next_id, dropped)
    batch = []
    for key in sorted(docs, key=int):
        batch.append(put_line(int(key), docs[key]))
        if len(batch) >= 512:  # fewer syscalls than one write per line
            yield b"".join(batch)
            batch = []
    yield b"".join(batch)


def parse_lines(
    data: bytes, first_lineno: int
) -> Iterator[tuple[int, bytes, dict | None, str | None]]:
    """Yield (line number, line, record or None, problem or None) for journal bytes."""
    lines = data.split(b"\n")
    tail = lines.pop()  # b"" when data ends with a newline, as a sound journal does
    for lineno, line in enumerate(lines, first_lineno):
        try:
            yield lineno, line, decode(line), None
        except ValueError as exc:
            yield lineno, line, None, str(exc)
    if tail:
        problem = "dernière ligne incomplète (écriture interrompue)"
        yield first_lineno + len(lines), tail, None, problem


_DAMAGED_PUT = re.compile(rb'^[0-9a-f]{8} \{"op":"put","id":([0-9]{1,18})[,}]')


def salvage_id(line: bytes) -> int:
    """Return the id a damaged put line was about (0 if unreadable), so it is never reused."""
    match = _DAMAGED_PUT.match(line)
    return int(match.group(1)) if match else 0


def copy_json(value: Any) -> Any:
    """Deep-copy a JSON value (much faster than copy.deepcopy)."""
    if isinstance(value, dict):
        return {key: copy_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [copy_json(item) for item in value]
    return value


def same_json(a: Any, b: Any) -> bool:
    """Tell whether a and b would be stored as the same JSON (1, 1.0 and True differ)."""
    if a != b:  # the common answer, decided in C
        return False
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return all(same_json(value, b[key]) for key, value in a.items())
    if isinstance(a, list | tuple):
        return all(map(same_json, a, b))
    return True


def unique_value(value: Any) -> tuple[str, str]:
    """Return the key insert_unique compares: strings casefolded, other values as JSON."""
    if isinstance(value, str):
        return ("s", value.casefold())
    return ("j", json.dumps(value, sort_keys=True))
