"""Time the global matching on a realistic pool of 2,000 mentees and 600 mentors.

Run ``python bench/matching.py`` (``--runs N`` to repeat). The pool is
random but seeded, so every run sees the same people: capacities 1–3, a
minority in reverse mentoring, mostly French speakers, four sites, some
mentees whose manager is a mentor. Prints the best time (the suggestion and its
report, as ``mentorat match --format json`` computes them), the pairs found
and, for comparison, what a first-come greedy pass scores on the same pool.
The target is under 2 seconds on a 2-core machine.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

# bench/http.py would shadow the standard library's `http`: drop this folder from the path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from forms_service.matching import suggest as matching
from forms_service.matching.report import build_report
from forms_service.matching.suggest import EXPERIENCE_BANDS, RHYTHMS, SLOTS, suggest

WEIGHTS = {"competences": 5, "disponibilites": 2, "rythme": 1, "departement": 2, "experience": 1,
           "preference": 10}
SEED = 20261126
MENTEES = 2000
MENTORS = 600
# Among the mentors, people who also want a mentor (counted in both sides).
BOTH_ROLES = 60

DEPARTMENTS = [
    "Achats",
    "Communication",
    "Direction financière",
    "Informatique",
    "Juridique",
    "Marketing",
    "Production",
    "Ressources humaines",
    "Service client",
    "Ventes",
]
SITES = ["Paris", "Lyon", "Nantes", "Toulouse"]
SKILLS = [
    "Communication orale",
    "Conduite du changement",
    "Gestion de projet",
    "Management d'équipe",
    "Négociation",
    "Outils numériques collaboratifs",
    "Intelligence artificielle au quotidien",
    "Réseaux sociaux professionnels",
    "Prise de parole en public",
    "Organisation et priorités",
    "Connaissance de l'entreprise",
    "Évolution de carrière",
]
DIGITAL_SKILLS = SKILLS[5:8]
OTHER_LANGUAGES = ["anglais", "espagnol", "allemand", "italien", "arabe", "portugais"]


def _languages(rng: random.Random) -> list[str]:
    spoken = ["français"] if rng.random() < 0.97 else []
    spoken += rng.sample(OTHER_LANGUAGES, k=rng.choice([0, 0, 1, 1, 1, 2]))
    return spoken or ["anglais"]


def _experience(rng: random.Random, senior: bool) -> str:
    weights = [1, 2, 4, 5, 3] if senior else [5, 5, 3, 1, 1]
    return rng.choices(EXPERIENCE_BANDS, weights=weights)[0]


def _person(rng: random.Random, number: int, role: str, track: str, senior: bool) -> dict:
    skills = DIGITAL_SKILLS if track == "inverse" else SKILLS
    teaches = role in ("mentor", "les_deux")
    learns = role in ("mentore", "les_deux")
    sought = rng.sample(skills, k=min(len(skills), rng.randint(1, 3))) if learns else []
    if learns and rng.random() < 0.05:
        sought.append("autre")
    return {
        "id": number,
        "name": f"Personne {number}",
        "email": f"personne.{number}@exemple.fr",
        "department": rng.choice(DEPARTMENTS),
        "site": rng.choices(SITES, weights=[5, 2, 2, 1])[0],
        "job_title": "Chargé·e de mission",
        "experience": _experience(rng, senior),
        "languages": _languages(rng),
        "manager_email": "",
        "role": role,
        "track": track,
        "capacity": rng.choice([1, 2, 2, 3]) if teaches else None,
        "skills_offered": rng.sample(skills, k=min(len(skills), rng.randint(2, 5)))
        if teaches
        else [],
        "skills_sought": sought,
        "format": rng.choices(["presentiel", "distance", "hybride"], weights=[2, 3, 5])[0],
        "rhythm": rng.choices(RHYTHMS, weights=[1, 5, 2, 3])[0],
        "availability": sorted(rng.sample(SLOTS, k=rng.randint(2, 6)), key=SLOTS.index),
        "department_preference": rng.choices(["autre", "meme", "indifferent"], weights=[6, 1, 3])[
            0
        ],
        "status": rng.choice(["nouveau", "en_attente"]),
    }


def make_pool(seed: int = SEED) -> list[dict]:
    """Return MENTORS mentors (BOTH_ROLES of them also mentees) and MENTEES mentees."""
    rng = random.Random(seed)
    pool = []
    for number in range(1, MENTORS + 1):
        track = "inverse" if rng.random() < 0.15 else "classique"
        role = "les_deux" if number <= BOTH_ROLES else "mentor"
        pool.append(_person(rng, number, role, track, senior=track == "classique"))
    for number in range(MENTORS + 1, MENTORS + MENTEES - BOTH_ROLES + 1):
        track = "inverse" if rng.random() < 0.15 else "classique"
        pool.append(_person(rng, number, "mentore", track, senior=track == "inverse"))
    # A third of the mentees ranked up to three mentors (issue 15: mentees who choose).
    mentor_ids = [p["id"] for p in pool[:MENTORS]]
    for mentee in pool[MENTORS:]:
        if rng.random() < 1 / 3:
            mentee["preferences"] = rng.sample(mentor_ids, k=rng.randint(1, 3))
    # Some mentees report to a mentor of the pool: those pairs are impossible.
    mentors = pool[:MENTORS]
    for mentee in rng.sample(pool[MENTORS:], k=200):
        mentee["manager_email"] = rng.choice(mentors)["email"]
    return pool


def greedy_total(pool: list[dict], existing: dict[int, int]) -> tuple[int, float]:
    """Score a first-come pass: each mentee in turn takes their best free mentor.

    Uses the module's private score matrices so the comparison is about the
    assignment alone, with exactly the same scores and constraints.
    """
    mentors = [p for p in pool if p["role"] in ("mentor", "les_deux")]
    mentees = [p for p in pool if p["role"] in ("mentore", "les_deux")]
    left, right = matching._encode(mentors, mentees)
    feasible = matching._feasible(matching._constraints(left, right, frozenset()))
    scores = np.round(matching._scores(left, right, matching._checked_weights(WEIGHTS)), 1)
    free = np.array([m["capacity"] - existing.get(m["id"], 0) for m in mentors])
    pairs, total = 0, 0.0
    for column in range(len(mentees)):
        open_ = feasible[:, column] & (free > 0)
        if open_.any():
            row = int(np.argmax(np.where(open_, scores[:, column], -1.0)))
            free[row] -= 1
            pairs, total = pairs + 1, total + float(scores[row, column])
    return pairs, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="repetitions, best time kept")
    parser.add_argument(
        "--no-greedy",
        dest="greedy",
        action="store_false",
        help="skip the comparison with a first-come greedy pass",
    )
    args = parser.parse_args()

    pool = make_pool()
    existing = {m["id"]: 1 for m in pool[:MENTORS:10] if m["capacity"] > 1}
    # Earlier pairs of the same people, held back unless repeats are asked for.
    history = {(m, MENTORS + m): [{"kind": "clos"}] for m in range(1, MENTORS, 7)}
    timings = []
    for _run in range(args.runs):
        started = time.perf_counter()
        result = suggest(pool, WEIGHTS, existing_load=existing, history=history)
        report = build_report(result)
        timings.append(time.perf_counter() - started)

    mentees = sum(p["role"] in ("mentore", "les_deux") for p in pool)
    mentors = sum(p["role"] in ("mentor", "les_deux") for p in pool)
    places = sum(p["capacity"] for p in pool if p["capacity"]) - sum(existing.values())
    total = sum(s.score for s in result.suggestions)
    left = [u for u in result.unmatched if u.role == "mentore"]
    print(f"pool: {mentees} mentees x {mentors} mentors ({places} free places)")
    print(
        f"suggest: best {min(timings):.3f} s, worst {max(timings):.3f} s "
        f"over {args.runs} runs (target < 2 s)"
    )
    print(
        f"pairs found: {len(result.suggestions)}, unmatched mentees: {len(left)}, "
        f"mentors without mentee: {len(result.unmatched) - len(left)}"
    )
    print(f"total score: {total:.1f}, mean score: {total / max(len(result.suggestions), 1):.1f}")
    chosen = sum(any(str(r).startswith("choisi en") for r in s.reasons)
                 for s in result.suggestions)
    print(f"preferences: {sum(bool(p.get('preferences')) for p in pool)} mentees ranked mentors, "
          f"{chosen} pairs follow a ranking")
    print(f"report: {report['scores']['low']} low scores, "
          f"{sum(len(v['mentees']) for v in report['unmatched_by_constraint'].values())} "
          "unmatched mentees by constraint")
    if args.greedy:
        greedy_pairs, greedy_score = greedy_total(pool, existing)
        print(
            f"greedy: {greedy_pairs} pairs, total score {greedy_score:.1f} "
            f"(optimum/greedy = {total / greedy_score:.3f})"
        )


if __name__ == "__main__":
    main()
