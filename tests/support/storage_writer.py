"""Write to a data directory from a separate process, for tests/test_storage_processes.py.

Prints one line per acknowledged operation, flushed as soon as the call has
returned, so the parent knows exactly what the store promised before a kill:

    ready                  the Store is open
    ack <id>               insert(<id>) returned
    removing <id>          remove(<id>) was called (it may or may not be done)
    removed <id>           remove(<id>) returned

``python tests/support/storage_writer.py DATA_DIR --count 250 --tag w3 [--mixed] [--named-temp]``

``--scenario full-disk|read-only`` instead mounts a tiny tmpfs or a read-only
bind mount on DATA_DIR (run it under ``unshare -m`` as root, so the mount
stays private to it), exercises the store and prints one JSON report.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys

from forms_service import storage
from forms_service.storage import files as storage_files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("data_dir")
    parser.add_argument("--count", type=int, default=250, help="inserts; 0 means until killed")
    parser.add_argument("--tag", default="w")
    parser.add_argument("--table", default="enrollments")
    parser.add_argument("--mixed", action="store_true", help="also update and remove")
    parser.add_argument("--named-temp", action="store_true", help="no O_TMPFILE")
    parser.add_argument("--scenario", choices=sorted(SCENARIOS))
    parser.add_argument("--die-mid-write", type=int, default=0, metavar="N",
                        help="die after writing half of the N-th write, as a kill can")
    args = parser.parse_args(argv)
    if args.scenario:
        print(json.dumps(SCENARIOS[args.scenario](args.data_dir)))
        return 0
    if args.named_temp:
        storage_files.ANONYMOUS_TEMP = False  # crash leftovers are then visible files
    if args.die_mid_write:
        storage_files.write_all = dying_write(storage_files.write_all, args.die_mid_write)

    def say(line: str) -> None:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()

    with storage.Store(args.data_dir) as store:
        table = store.table(args.table)
        say("ready")
        mine: list[int] = []
        n = 0
        while args.count == 0 or n < args.count:
            n += 1
            doc_id = table.insert({"tag": args.tag, "n": n, "email": f"{args.tag}-{n}@exemple.fr"})
            mine.append(doc_id)
            say(f"ack {doc_id}")
            if args.mixed and n % 7 == 0:
                table.update(random.choice(mine), {"seen": n})
            if args.mixed and n % 25 == 0:
                victim = mine.pop(random.randrange(len(mine)))
                say(f"removing {victim}")
                table.remove(victim)
                say(f"removed {victim}")
    return 0


def dying_write(real, fatal_call: int):
    """Return a _write_all whose fatal_call-th call writes half its data, then exits."""
    calls = 0

    def write(fd: int, data: bytes) -> None:
        nonlocal calls
        calls += 1
        if calls < fatal_call:
            return real(fd, data)
        os.write(fd, bytes(data[: len(data) // 2]))
        os._exit(9)  # no cleanup, no truncation: what SIGKILL inside write() leaves
    return write


def mount(*args: str) -> None:
    subprocess.run(["mount", *args], check=True, capture_output=True)


def files(data_dir: str) -> dict[str, bytes]:
    found = {}
    for root, _, names in os.walk(data_dir):
        for name in names:
            with open(os.path.join(root, name), "rb") as handle:
                found[os.path.relpath(os.path.join(root, name), data_dir)] = handle.read()
    return found


def full_disk(data_dir: str) -> dict:
    """Fill a 256 KiB tmpfs through the store, then try to erase on the full disk."""
    os.makedirs(data_dir, exist_ok=True)
    mount("-t", "tmpfs", "-o", "size=256k", "tmpfs", data_dir)
    acked, error = [], ""
    with storage.Store(data_dir) as store:
        table = store.table("enrollments")
        try:
            while True:
                acked.append(table.insert({"filler": "x" * 3000, "n": len(acked)}))
        except storage.StorageUnavailable as exc:
            error = str(exc)
        before = files(data_dir)
        try:
            table.remove(acked[0])  # needs room for the rewritten copy
            remove_error = ""
        except storage.StorageUnavailable as exc:
            remove_error = str(exc)
        unchanged = files(data_dir) == before
    with storage.Store(data_dir) as store:
        stored = [doc["id"] for doc in store.table("enrollments").all()]
    return {"acked": acked, "stored": stored, "error": error, "remove_error": remove_error,
            "unchanged": unchanged, "check_ok": storage.check(data_dir).ok,
            "leftovers": [name for name in os.listdir(data_dir) if ".tmp-" in name]}


def read_only(data_dir: str) -> dict:
    """Write, remount the data directory read-only, then try to write and to read."""
    with storage.Store(data_dir) as store:
        table = store.table("enrollments")
        first = table.insert({"email": "a@exemple.fr"})
        before = files(data_dir)
        mount("--bind", data_dir, data_dir)
        mount("-o", "remount,bind,ro", data_dir)
        errors = []
        for attempt in (lambda: table.insert({"email": "b@exemple.fr"}),
                        lambda: table.update(first, {"email": "c@exemple.fr"}),
                        lambda: table.remove(first)):
            try:
                attempt()
                errors.append("")
            except storage.StorageUnavailable as exc:
                errors.append(str(exc))
        read_back = table.get(first)
    try:
        storage.Store(data_dir).close()
        reopen_error = ""
    except storage.StorageUnavailable as exc:
        reopen_error = str(exc)
    return {"errors": errors, "read_back": read_back, "reopen_error": reopen_error,
            "unchanged": files(data_dir) == before}


SCENARIOS = {"full-disk": full_disk, "read-only": read_only}


if __name__ == "__main__":
    sys.exit(main())
