"""Print how insert and update cost grow with the number of stored documents: ours vs plain TinyDB.

    .venv/bin/python bench/storage.py [--sizes 100,1000,10000,50000] [--tinydb-max N] [--dir D]

Documents are enrollment-sized (~1 KB of JSON). One store per size is filled
to that many documents, then SAMPLES single inserts are timed in each, round
robin (each insert durable: written and fsynced before it returns). Plain
TinyDB (JSONStorage, no fsync at all) is measured up to --tinydb-max documents
(default 10,000), for contrast: it rewrites the whole file on every insert.
The goal is p50(50,000)/p50(100) <= 2.

Update by query (``table.update(fields, where("email") == …)``, TinyDB's own
API) is then timed at 100 and 10,000 documents through ``open_tinydb`` and
through plain TinyDB side by side, in the same run, changing one document and
then ten: the bytes appended must grow with the documents changed, not with
the table, and the time at 10,000 must be at most plain TinyDB's (ratio <= 1).
The exit status is 1 when a goal is missed.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

# Scripts in bench/ (e.g. bench/http.py) must not shadow the standard library.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

from tinydb import TinyDB, where  # noqa: E402

from forms_service.storage import Store, open_tinydb  # noqa: E402

SAMPLES = 200
TINYDB_SAMPLES = {100: 100, 1000: 50, 10000: 15, 50000: 5}
UPDATE_SIZES = (100, 10000)
UPDATE_SAMPLES = {100: 60, 10000: 15}  # plain TinyDB rewrites ~10 MB per update at 10,000
UPDATE_CHANGED = (1, 10)

FIRST = ["Camille", "Nadia", "Julien", "Sofiane", "Élodie", "Thomas", "Aïcha", "Marc"]
LAST = ["Martin", "Bernard", "Diallo", "Lefèvre", "Nguyen", "Moreau", "Garcia", "Roux"]
DEPARTMENTS = ["Ressources humaines", "Finance", "Informatique", "Juridique", "Logistique"]
SITES = ["Lyon", "Paris", "Nantes", "Lille", "Télétravail"]
SKILLS = ["écoute active", "prise de parole", "gestion de projet", "outils numériques",
          "négociation", "management", "analyse de données", "bien-être au travail"]


def enrollment(rng: random.Random, n: int) -> dict:
    """Return a realistic enrollment of about 1 KB of JSON."""
    first, last = rng.choice(FIRST), rng.choice(LAST)
    return {
        "v": 2,
        "kind": "enrollment",
        "role": rng.choice(["mentor", "mentoré", "mentor inversé"]),
        "first_name": first,
        "last_name": last,
        "email": f"{first.lower()}.{last.lower()}.{n}@exemple.fr",
        "department": rng.choice(DEPARTMENTS),
        "site": rng.choice(SITES),
        "job_title": "Chargée de mission transformation des organisations",
        "seniority_years": rng.randint(0, 35),
        "skills_offered": rng.sample(SKILLS, 3),
        "skills_sought": rng.sample(SKILLS, 2),
        "languages": ["français", "anglais"],
        "format": rng.choice(["présentiel", "à distance", "hybride"]),
        "availability": "Deux créneaux par mois, plutôt le mardi ou le jeudi après-midi.",
        "capacity": rng.randint(1, 3),
        "goals": "Gagner en assurance lors des réunions, structurer mes priorités et "
                 "mieux comprendre les outils collaboratifs utilisés par les équipes.",
        "consent": {"notice_version": "2025-03", "given_at": "2025-05-02T10:14:03+02:00"},
        "status": "en attente",
        "line_manager_informed": True,
        "how_heard": "Présentation du programme lors de la réunion de service de septembre.",
        "created_at": "2025-05-02T10:14:03+02:00",
    }


def p50_ms(timings: list[float]) -> float:
    return statistics.median(timings) * 1000


def p90_ms(timings: list[float]) -> float:
    return statistics.quantiles(timings, n=10)[-1] * 1000


def time_inserts(insert, rng: random.Random, count: int, start: int) -> list[float]:
    timings = []
    for n in range(start, start + count):
        doc = enrollment(rng, n)
        began = time.perf_counter()
        insert(doc)
        timings.append(time.perf_counter() - began)
    return timings


def bench_store(sizes: list[int], workdir: Path) -> dict[int, list[float]]:
    """Fill one Store per size, then time inserts round-robin across them.

    Interleaving spreads any background disk noise (fsync latency varies with
    what else the machine does) evenly over the sizes instead of onto one.
    """
    rng = random.Random(1)
    stores = {size: Store(workdir / f"store-{size}") for size in sizes}
    try:
        tables = {size: store.table("enrollments") for size, store in stores.items()}
        for size, table in tables.items():
            for n in range(size):
                table.insert(enrollment(rng, n))
        results: dict[int, list[float]] = {size: [] for size in sizes}
        for round_ in range(SAMPLES):
            for size, table in tables.items():
                results[size] += time_inserts(table.insert, rng, 1, size + round_)
    finally:
        for store in stores.values():
            store.close()
    largest = workdir / f"store-{sizes[-1]}"
    began = time.perf_counter()
    with Store(largest) as store:
        opened = time.perf_counter() - began
        count = len(store.table("enrollments"))
    print(f"  (opening a store of {count} documents took {opened:.2f} s)")
    return results


def bench_tinydb(sizes: list[int], workdir: Path) -> dict[int, list[float]]:
    """Plain TinyDB: a fresh file filled in one write, then single inserts timed."""
    rng = random.Random(1)
    results = {}
    for size in sizes:
        path = workdir / f"tinydb-{size}.json"
        db = TinyDB(path)
        try:
            table = db.table("enrollments")
            table.insert_multiple(enrollment(rng, n) for n in range(size))
            samples = TINYDB_SAMPLES.get(size, 10)
            results[size] = time_inserts(table.insert, rng, samples, size)
        finally:
            db.close()
        path.unlink()
    return results


def time_updates(table, emails: list[str], changed: int, samples: int, path: Path,
                 rng: random.Random) -> tuple[list[float], list[int]]:
    """Time update-by-query calls that each change `changed` documents; return (times, bytes)."""
    timings, written = [], []
    for n in range(samples):
        wanted = rng.sample(emails, changed)
        query = where("email") == wanted[0] if changed == 1 else where("email").one_of(wanted)
        size_before = path.stat().st_size
        began = time.perf_counter()
        updated = table.update({"status": f"relance {n}"}, query)
        timings.append(time.perf_counter() - began)
        assert len(updated) == changed, updated
        # A journal grows by what was appended; TinyDB's file is written whole each time.
        after = path.stat().st_size
        written.append(after - size_before if path.suffix == ".jsonl" else after)
    return timings, written


def bench_update_by_query(workdir: Path) -> dict[tuple[int, int], dict[str, tuple]]:
    """Fill open_tinydb and plain TinyDB with the same documents, then update by query in each."""
    results: dict[tuple[int, int], dict[str, tuple]] = {}
    for size in UPDATE_SIZES:
        docs = [enrollment(random.Random(size + n), n) for n in range(size)]
        emails = [doc["email"] for doc in docs]
        samples = UPDATE_SAMPLES[size]
        with open_tinydb(workdir / f"update-{size}") as ours:
            ours.table("enrollments").insert_multiple(docs)
            path = workdir / f"update-{size}" / "enrollments.jsonl"
            for changed in UPDATE_CHANGED:
                results[(size, changed)] = {"ours": time_updates(
                    ours.table("enrollments"), emails, changed, samples, path, random.Random(3))}
        plain_path = workdir / f"update-tinydb-{size}.json"
        plain = TinyDB(plain_path)
        try:
            plain.table("enrollments").insert_multiple(docs)
            for changed in UPDATE_CHANGED:
                results[(size, changed)]["tinydb"] = time_updates(
                    plain.table("enrollments"), emails, changed, samples, plain_path,
                    random.Random(3))
        finally:
            plain.close()
        plain_path.unlink()
    return results


def print_updates(results: dict[tuple[int, int], dict[str, tuple]]) -> bool:
    """Print the update-by-query table; return whether both goals are met."""
    print()
    print("update by query (table.update(fields, where(...)), TinyDB's API), same run:")
    print(f"{'documents':>10} {'changed':>7} | {'open_tinydb p50':>15} {'appended':>10} | "
          f"{'TinyDB p50':>10} {'written':>10} | {'ratio':>5}")
    ok = True
    for (size, changed), sides in sorted(results.items()):
        ours_t, ours_b = sides["ours"]
        tiny_t, tiny_b = sides["tinydb"]
        ratio = p50_ms(ours_t) / p50_ms(tiny_t)
        ours_bytes, tiny_bytes = statistics.median(ours_b), statistics.median(tiny_b)
        print(f"{size:>10} {changed:>7} | {p50_ms(ours_t):13.3f}ms {ours_bytes:>8.0f} B"
              f" | {p50_ms(tiny_t):8.3f}ms {tiny_bytes:>8.0f} B | {ratio:5.2f}")
        if size == max(UPDATE_SIZES):
            ok &= ratio <= 1
    for changed in UPDATE_CHANGED:
        small = statistics.median(results[(min(UPDATE_SIZES), changed)]["ours"][1])
        large = statistics.median(results[(max(UPDATE_SIZES), changed)]["ours"][1])
        print(f"bytes appended for {changed} changed: {small:.0f} B at {min(UPDATE_SIZES)} "
              f"documents, {large:.0f} B at {max(UPDATE_SIZES)}")
        ok &= large <= 1.1 * small
    print(f"ratio open_tinydb/TinyDB at {max(UPDATE_SIZES)} documents (goal <= 1)")
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,10000,50000")
    parser.add_argument("--tinydb-max", type=int, default=10000)
    parser.add_argument("--dir", default=None, help="where to write (default: system temp)")
    args = parser.parse_args(argv)
    sizes = [int(size) for size in args.sizes.split(",")]
    size_bytes = len(json.dumps(enrollment(random.Random(1), 1), ensure_ascii=False).encode())

    with tempfile.TemporaryDirectory(prefix="bench-storage-", dir=args.dir) as tmp:
        workdir = Path(tmp)
        print(f"documents of ~{size_bytes} bytes; {SAMPLES} timed inserts per size")
        store = bench_store(sizes, workdir)
        tiny = bench_tinydb([s for s in sizes if s <= args.tinydb_max], workdir)
        updates = bench_update_by_query(workdir)

    print(f"{'documents':>10} | {'Store p50':>10} {'p90':>8} | {'TinyDB p50':>11} {'p90':>8}")
    for size in sizes:
        ours = f"{p50_ms(store[size]):8.3f}ms {p90_ms(store[size]):6.3f}ms"
        if size in tiny:
            theirs = f"{p50_ms(tiny[size]):9.3f}ms {p90_ms(tiny[size]):6.3f}ms"
        else:
            theirs = f"{'(skipped)':>11} {'':>8}"
        print(f"{size:>10} | {ours} | {theirs}")
    first, last = sizes[0], sizes[-1]
    ratio = p50_ms(store[last]) / p50_ms(store[first])
    print(f"Store ratio p50({last})/p50({first}) = {ratio:.2f} (goal <= 2)")
    if len(tiny) > 1:
        tiny_first, tiny_last = min(tiny), max(tiny)
        tiny_ratio = p50_ms(tiny[tiny_last]) / p50_ms(tiny[tiny_first])
        print(f"TinyDB ratio p50({tiny_last})/p50({tiny_first}) = {tiny_ratio:.1f}")
    updates_ok = print_updates(updates)
    return 0 if ratio <= 2 and updates_ok else 1


if __name__ == "__main__":
    sys.exit(main())
