"""Time the round's report on a round of about 2,000 people.

Run ``python bench/report.py`` (``--runs N`` to repeat, ``--participants N``).
It fills a temporary data directory with ``mentorat demo`` (seeded, so every
run sees the same programme; its latest round holds most of the people),
then times, side by side in the same run, what ``mentorat report`` does for
that round: reading the round's records alone (the floor), the report as JSON
and as HTML, and once the PDF. The goal is under 2 seconds for HTML and JSON
on a 2-core machine; the ratios to that goal are printed.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

# bench/http.py would shadow the standard library's `http`: drop this folder from the path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from forms_service.cli.demo import fill
from forms_service.evaluation import report as bilan
from forms_service.evaluation.rounds import round_data
from forms_service.programme import load_programme
from forms_service.records.repository import Repository

ROOT = Path(__file__).resolve().parent.parent
GOAL = 2.0


def best(runs: int, action) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--participants", type=int, default=2500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data_dir:
        repo = Repository(data_dir)
        fill(repo, load_programme(ROOT / "programme.yml"), participants=args.participants,
             seed=20261207)
        name = bilan.rounds_of(repo)[-1]
        people = len(round_data(repo, name).enrollments)
        floor = best(args.runs, lambda: round_data(repo, name))
        as_json = best(args.runs, lambda: json.dumps(bilan.to_json_data(bilan.build(repo, name))))
        as_html = best(args.runs, lambda: bilan.to_html(bilan.build(repo, name)))
        start = time.perf_counter()
        pdf = bilan.to_pdf(bilan.build(repo, name))
        as_pdf = time.perf_counter() - start
        repo.close()
    print(f"Session « {name} » : {people} personnes inscrites")
    print(f"lecture des données seule : {floor:.3f} s")
    for label, seconds in (("JSON", as_json), ("HTML", as_html)):
        print(f"bilan {label} : {seconds:.3f} s = {seconds / floor:.1f} × la lecture, "
              f"{seconds / GOAL:.2f} × l’objectif de {GOAL:.0f} s")
    print(f"bilan PDF (une fois, {len(pdf) // 1024} Kio) : {as_pdf:.2f} s")


if __name__ == "__main__":
    main()
