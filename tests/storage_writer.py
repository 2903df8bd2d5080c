"""Write to a data directory from a separate process, for tests/test_storage_processes.py.

Prints one line per acknowledged operation, flushed as soon as the call has
returned, so the parent knows exactly what the store promised before a kill:

    ready                  the Store is open
    ack <id>               insert(<id>) returned
    removing <id>          remove(<id>) was called (it may or may not be done)
    removed <id>           remove(<id>) returned

``python tests/storage_writer.py DATA_DIR --count 250 --tag w3 [--mixed] [--named-temp]``
"""

from __future__ import annotations

import argparse
import random
import sys

from forms_service import storage


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("data_dir")
    parser.add_argument("--count", type=int, default=250, help="inserts; 0 means until killed")
    parser.add_argument("--tag", default="w")
    parser.add_argument("--table", default="enrollments")
    parser.add_argument("--mixed", action="store_true", help="also update and remove")
    parser.add_argument("--named-temp", action="store_true", help="no O_TMPFILE")
    args = parser.parse_args(argv)
    if args.named_temp:
        storage._ANONYMOUS_TEMP = False  # crash leftovers are then visible files

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


if __name__ == "__main__":
    sys.exit(main())
