"""Specification of the matching: hard constraints, soft criteria, global optimum, reasons."""

from __future__ import annotations

import itertools
import json
import random

import pytest

from forms_service.matching.suggest import (
    EXPERIENCE_BANDS,
    RHYTHMS,
    SLOTS,
    InvalidEnrollment,
    MatchResult,
    Suggestion,
    Unmatched,
    score_pair,
    suggest,
)

WEIGHTS = {"competences": 5, "disponibilites": 2, "rythme": 1, "departement": 2, "experience": 1}
NBSP = "\u00a0"


def person(number: int, **fields) -> dict:
    """Return a waiting classic mentee; keyword arguments override any field."""
    record = {
        "id": number,
        "name": f"Personne {number}",
        "email": f"personne.{number}@exemple.fr",
        "department": "Ventes",
        "site": "Lyon",
        "job_title": "Chargée de clientèle",
        "experience": "2_5",
        "languages": ["français"],
        "manager_email": "",
        "role": "mentore",
        "track": "classique",
        "capacity": None,
        "skills_offered": [],
        "skills_sought": ["Négociation"],
        "format": "hybride",
        "rhythm": "bimensuel",
        "availability": ["lundi_matin", "jeudi_apres_midi"],
        "department_preference": "indifferent",
        "status": "nouveau",
    }
    record.update(fields)
    return record


def mentor(number: int, **fields) -> dict:
    """Return a waiting classic mentor with one place who offers what mentees seek."""
    defaults = {
        "role": "mentor",
        "capacity": 1,
        "experience": "10_20",
        "skills_offered": ["Négociation"],
        "skills_sought": [],
        "department": "Achats",
    }
    return person(number, **{**defaults, **fields})


def only(criterion: str) -> dict:
    return {name: (1 if name == criterion else 0) for name in WEIGHTS}


def pairs_of(result: MatchResult) -> set[tuple[int, int]]:
    return {(s.mentor["id"], s.mentee["id"]) for s in result.suggestions}


def unmatched_of(result: MatchResult, role: str = "mentore") -> dict[int, list[str]]:
    return {u.person["id"]: u.reasons for u in result.unmatched if u.role == role}


# --------------------------------------------------------------------------
# Hard constraints


@pytest.mark.parametrize(
    ("mentor_fields", "mentee_fields", "possible"),
    [
        pytest.param(
            {"languages": ["anglais"]}, {"languages": ["espagnol"]}, False, id="no-common-language"
        ),
        pytest.param(
            {"languages": ["anglais", "Français"]},
            {"languages": ["français"]},
            True,
            id="common-language-any-case",
        ),
        pytest.param({"track": "inverse"}, {"track": "classique"}, False, id="inverse-mentor"),
        pytest.param({"track": "classique"}, {"track": "inverse"}, False, id="inverse-mentee"),
        pytest.param({"track": "inverse"}, {"track": "inverse"}, True, id="both-inverse"),
        pytest.param({"id": 7}, {"id": 7}, False, id="same-id"),
        pytest.param(
            {"email": "Alex.Martin@exemple.fr"},
            {"email": "alex.martin@EXEMPLE.fr"},
            False,
            id="same-email",
        ),
        pytest.param(
            {"email": "chef@exemple.fr"},
            {"manager_email": "Chef@Exemple.fr"},
            False,
            id="mentor-is-manager",
        ),
        pytest.param(
            {"manager_email": "personne.2@exemple.fr"}, {}, False, id="mentee-is-mentors-manager"
        ),
        pytest.param(
            {"manager_email": "autre.chef@exemple.fr"},
            {"manager_email": "chef.du.mentore@exemple.fr"},
            True,
            id="unrelated-managers",
        ),
        pytest.param({"role": "mentore"}, {}, False, id="mentor-side-not-a-mentor"),
        pytest.param({}, {"role": "mentor"}, False, id="mentee-side-not-a-mentee"),
        pytest.param({"role": "les_deux"}, {"role": "les_deux"}, True, id="both-roles"),
    ],
)
def test_hard_constraint(mentor_fields, mentee_fields, possible):
    result = score_pair(mentor(1, **mentor_fields), person(2, **mentee_fields), WEIGHTS)
    assert (result is not None) == possible


@pytest.mark.parametrize(
    ("mentor_format", "mentor_site", "mentee_format", "mentee_site", "possible"),
    [
        ("presentiel", "Lyon", "presentiel", "Lyon", True),
        ("presentiel", "Lyon", "presentiel", "Paris", False),
        ("presentiel", "Lyon", "hybride", "Lyon", True),
        ("hybride", "Paris", "presentiel", "Lyon", False),
        ("presentiel", "Lyon", "distance", "Lyon", False),
        ("distance", "Lyon", "presentiel", "Lyon", False),
        ("distance", "Lyon", "hybride", "Paris", True),
        ("hybride", "Nantes", "distance", "Lyon", True),
        ("hybride", "Lyon", "hybride", "Paris", True),
        ("distance", "Paris", "distance", "Toulouse", True),
    ],
)
def test_formats_that_can_meet(mentor_format, mentor_site, mentee_format, mentee_site, possible):
    pair = score_pair(
        mentor(1, format=mentor_format, site=mentor_site),
        person(2, format=mentee_format, site=mentee_site),
        WEIGHTS,
    )
    assert (pair is not None) == possible


# --------------------------------------------------------------------------
# Soft criteria, each alone: the score is the criterion's value × 100


@pytest.mark.parametrize(
    ("sought", "offered", "expected"),
    [
        (["Négociation"], ["Négociation", "Gestion de projet"], 100),
        (["Négociation", "Gestion de projet"], ["Négociation"], 50),
        (
            [
                "Négociation",
                "Gestion de projet",
                "Prise de parole en public",
                "Évolution de carrière",
            ],
            ["Gestion de projet"],
            25,
        ),
        (["Négociation"], ["Gestion de projet"], 0),
        (["négociation"], ["Négociation"], 100),
        (["Négociation", "autre"], ["Négociation"], 100),  # "autre" cannot be compared
        (["autre"], ["autre"], 50),  # nothing comparable: neutral
        ([], ["Négociation"], 50),
    ],
)
def test_skills_share_of_sought_skills_offered(sought, offered, expected):
    score, _reasons = score_pair(
        mentor(1, skills_offered=offered), person(2, skills_sought=sought), only("competences")
    )
    assert score == expected


@pytest.mark.parametrize(
    ("mentor_slots", "mentee_slots", "expected"),
    [
        (["lundi_matin"], ["mardi_matin"], 0),
        (["lundi_matin", "mardi_matin"], ["lundi_apres_midi", "mardi_matin"], 50),
        (["lundi_matin", "jeudi_apres_midi"], ["lundi_matin", "jeudi_apres_midi"], 100),
        (SLOTS, ["lundi_matin", "mardi_matin", "vendredi_apres_midi"], 100),
        ([], SLOTS, 0),
    ],
)
def test_availability_two_common_half_days_is_full(mentor_slots, mentee_slots, expected):
    score, _reasons = score_pair(
        mentor(1, availability=mentor_slots),
        person(2, availability=mentee_slots),
        only("disponibilites"),
    )
    assert score == expected


@pytest.mark.parametrize(
    ("mentor_rhythm", "mentee_rhythm", "expected"),
    [
        ("bimensuel", "bimensuel", 100),
        ("hebdomadaire", "bimensuel", 50),
        ("mensuel", "trois_semaines", 50),
        ("hebdomadaire", "trois_semaines", 0),
        ("mensuel", "hebdomadaire", 0),
    ],
)
def test_rhythm_same_or_adjacent(mentor_rhythm, mentee_rhythm, expected):
    score, _reasons = score_pair(
        mentor(1, rhythm=mentor_rhythm), person(2, rhythm=mentee_rhythm), only("rythme")
    )
    assert score == expected


@pytest.mark.parametrize(
    ("wish", "mentor_department", "expected"),
    [
        ("autre", "Achats", 100),
        ("autre", "Ventes", 0),
        ("meme", "Ventes", 100),
        ("meme", "Achats", 0),
        ("indifferent", "Ventes", 50),
        ("indifferent", "Achats", 50),
    ],
)
def test_department_follows_the_mentees_wish(wish, mentor_department, expected):
    score, _reasons = score_pair(
        mentor(1, department=mentor_department),
        person(2, department="Ventes", department_preference=wish),
        only("departement"),
    )
    assert score == expected


@pytest.mark.parametrize(
    ("track", "mentor_band", "mentee_band", "expected"),
    [
        ("classique", "10_20", "2_5", 100),
        ("classique", "plus_20", "moins_2", 100),  # the gap counts up to two bands
        ("classique", "5_10", "2_5", 50),
        ("classique", "5_10", "5_10", 0),
        ("classique", "2_5", "10_20", 0),
        # Reverse mentoring: the younger colleague teaches.
        ("inverse", "2_5", "10_20", 100),
        ("inverse", "moins_2", "plus_20", 100),
        ("inverse", "moins_2", "2_5", 50),
        ("inverse", "5_10", "5_10", 0),
        ("inverse", "10_20", "2_5", 0),
    ],
)
def test_experience_gap_reversed_for_reverse_mentoring(track, mentor_band, mentee_band, expected):
    score, _reasons = score_pair(
        mentor(1, track=track, experience=mentor_band),
        person(2, track=track, experience=mentee_band),
        only("experience"),
    )
    assert score == expected


def test_total_is_the_weighted_mean_on_100():
    perfect = score_pair(
        mentor(1, department="Achats", experience="10_20"),
        person(2, department="Ventes", department_preference="autre", experience="2_5"),
        WEIGHTS,
    )
    assert perfect[0] == 100
    # Skills only (5 of 11 weight points); nothing else fits.
    skills_only = score_pair(
        mentor(
            1,
            department="Ventes",
            experience="2_5",
            rhythm="mensuel",
            availability=["vendredi_matin"],
        ),
        person(
            2,
            department="Ventes",
            department_preference="autre",
            experience="2_5",
            rhythm="hebdomadaire",
        ),
        WEIGHTS,
    )
    assert skills_only[0] == pytest.approx(round(100 * 5 / 11, 1))


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        ({**WEIGHTS, "humeur": 1}, "critère de poids inconnu"),
        ({**WEIGHTS, "rythme": -1}, "poids invalide pour rythme"),
        ({**WEIGHTS, "rythme": "beaucoup"}, "poids invalide pour rythme"),
    ],
)
def test_bad_weights_are_refused(weights, message):
    with pytest.raises(ValueError, match=message):
        score_pair(mentor(1), person(2), weights)


def test_missing_or_zero_weights_ignore_the_criterion():
    pair = score_pair(
        mentor(1, rhythm="mensuel"), person(2, rhythm="hebdomadaire"), {"competences": 1}
    )
    assert pair[0] == 100
    assert not any("rythme" in reason for reason in pair[1])
    assert score_pair(mentor(1), person(2), {name: 0 for name in WEIGHTS})[0] == 0


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"format": "visio"}, "format"),
        ({"experience": "30_ans"}, "experience"),
        ({"availability": ["samedi_matin"]}, "demi-journée inconnue"),
        ({"department_preference": "peu importe"}, "department_preference"),
    ],
)
def test_unknown_values_are_reported_with_the_enrollment(fields, message):
    with pytest.raises(InvalidEnrollment, match=message) as raised:
        suggest([mentor(1), person(42, **fields)], WEIGHTS)
    assert "inscription 42" in str(raised.value)


# --------------------------------------------------------------------------
# Reasons


@pytest.mark.parametrize(
    ("mentor_fields", "mentee_fields", "reason"),
    [
        (
            {"skills_offered": ["Négociation"]},
            {"skills_sought": ["Négociation"]},
            f"compétences recherchées{NBSP}: Négociation ↔ proposées{NBSP}: Négociation",
        ),
        (
            {"skills_offered": ["Gestion de projet"]},
            {"skills_sought": ["Négociation", "Gestion de projet"]},
            f"compétences recherchées{NBSP}: Négociation, Gestion de projet ↔ proposées{NBSP}: "
            "Gestion de projet",
        ),
        (
            {"skills_offered": ["Gestion de projet"]},
            {"skills_sought": ["Négociation"]},
            f"aucune compétence recherchée n’est proposée{NBSP}: Négociation",
        ),
        (
            {},
            {"skills_sought": ["Négociation", "autre"]},
            f"compétence «{NBSP}autre{NBSP}» à préciser avec la coordination",
        ),
        (
            {"languages": ["français", "anglais"]},
            {"languages": ["anglais"]},
            f"langue commune{NBSP}: anglais",
        ),
        (
            {"languages": ["anglais", "français"]},
            {"languages": ["français", "anglais"]},
            f"langues communes{NBSP}: français, anglais",
        ),
        (
            {"department": "Achats"},
            {"department_preference": "autre"},
            "départements différents, comme souhaité",
        ),
        (
            {"department": "Ventes"},
            {"department_preference": "meme"},
            "même département, comme souhaité",
        ),
        (
            {"department": "Ventes"},
            {"department_preference": "autre"},
            "même département alors qu’un autre était souhaité",
        ),
        ({}, {"department_preference": "indifferent"}, "pas de préférence de département"),
        (
            {"availability": ["lundi_matin", "jeudi_apres_midi", "vendredi_matin"]},
            {"availability": ["jeudi_apres_midi", "lundi_matin"]},
            f"2 demi-journées communes{NBSP}: lundi matin, jeudi après-midi",
        ),
        (
            {"availability": ["mardi_apres_midi"]},
            {"availability": ["mardi_apres_midi"]},
            f"1 demi-journée commune{NBSP}: mardi après-midi",
        ),
        (
            {"availability": ["mardi_matin"]},
            {"availability": ["lundi_matin"]},
            "aucune demi-journée commune",
        ),
        (
            {"rhythm": "bimensuel"},
            {"rhythm": "bimensuel"},
            f"même rythme{NBSP}: toutes les deux semaines",
        ),
        (
            {"rhythm": "hebdomadaire"},
            {"rhythm": "bimensuel"},
            f"rythmes proches{NBSP}: chaque semaine et toutes les deux semaines",
        ),
        (
            {"rhythm": "hebdomadaire"},
            {"rhythm": "mensuel"},
            f"rythmes éloignés{NBSP}: chaque semaine et chaque mois",
        ),
        (
            {"format": "hybride"},
            {"format": "distance"},
            f"format compatible{NBSP}: hybride et à distance",
        ),
        (
            {"format": "presentiel", "site": "Lyon"},
            {"format": "presentiel", "site": "Lyon"},
            f"même format{NBSP}: présentiel, site de Lyon",
        ),
        (
            {"experience": "10_20"},
            {"experience": "2_5"},
            "mentor plus expérimenté (mentor 10 à 20 ans, mentoré 2 à 5 ans)",
        ),
        ({"experience": "5_10"}, {"experience": "5_10"}, "même tranche d’expérience (5 à 10 ans)"),
        (
            {"track": "inverse", "experience": "2_5"},
            {"track": "inverse", "experience": "plus_20"},
            "écart d’expérience adapté au mentorat inversé "
            "(mentor 2 à 5 ans, mentoré plus de 20 ans)",
        ),
        (
            {"track": "inverse", "experience": "10_20"},
            {"track": "inverse", "experience": "2_5"},
            "en mentorat inversé, mentor plus expérimenté que le mentoré "
            "(mentor 10 à 20 ans, mentoré 2 à 5 ans)",
        ),
    ],
)
def test_pair_reasons_in_french(mentor_fields, mentee_fields, reason):
    _score, reasons = score_pair(mentor(1, **mentor_fields), person(2, **mentee_fields), WEIGHTS)
    assert reason in reasons


def _all_reasons(result: MatchResult) -> list[str]:
    return [r for s in result.suggestions for r in s.reasons] + [
        r for u in result.unmatched for r in u.reasons
    ]


def test_reasons_use_a_non_breaking_space_before_colons():
    result = suggest(_random_pool(random.Random(3), mentors=15, mentees=40), WEIGHTS)
    reasons = _all_reasons(result)
    assert any(":" in reason for reason in reasons)
    for reason in reasons:
        assert " :" not in reason and not reason.startswith(":")
        assert all(reason[i - 1] == NBSP for i, char in enumerate(reason) if char == ":")


# --------------------------------------------------------------------------
# Global optimisation


def _greedy(pool: list[dict], weights: dict) -> tuple[set[tuple[int, int]], float]:
    """Each mentee, in enrollment order, takes their best mentor with a place left."""
    mentors = [p for p in pool if p["role"] in ("mentor", "les_deux")]
    free = {m["id"]: m["capacity"] for m in mentors}
    pairs, total = set(), 0.0
    for mentee in (p for p in pool if p["role"] in ("mentore", "les_deux")):
        options = [
            (scored[0], m["id"])
            for m in mentors
            if free[m["id"]] > 0
            for scored in [score_pair(m, mentee, weights)]
            if scored
        ]
        if options:
            score, mentor_id = max(options)
            free[mentor_id] -= 1
            pairs.add((mentor_id, mentee["id"]))
            total += score
    return pairs, total


def test_optimum_beats_first_come_greedy():
    # Mentee 3 could live with mentor 2, mentee 4 needs mentor 1: greedy gives
    # mentor 1 to mentee 3 (first in line) and leaves mentee 4 with a poor match.
    pool = [
        mentor(1, skills_offered=["Négociation", "Gestion de projet"]),
        mentor(2, skills_offered=["Gestion de projet"]),
        person(3, skills_sought=["Négociation", "Gestion de projet"]),
        person(4, skills_sought=["Négociation"]),
    ]
    greedy_pairs, greedy_total = _greedy(pool, WEIGHTS)
    assert greedy_pairs == {(1, 3), (2, 4)}

    result = suggest(pool, WEIGHTS)
    assert pairs_of(result) == {(2, 3), (1, 4)}
    assert sum(s.score for s in result.suggestions) > greedy_total


def test_more_pairs_come_before_a_higher_total():
    # Mentee 3 scores best with mentor 1, but mentee 4 can only meet mentor 1
    # in person in Paris: both get a mentor rather than one getting the best.
    pool = [
        mentor(1, skills_offered=["Négociation"], format="presentiel", site="Paris"),
        mentor(2, skills_offered=[], format="distance"),
        person(3, format="hybride", site="Paris"),
        person(4, format="presentiel", site="Paris", skills_sought=["Gestion de projet"]),
    ]
    assert score_pair(pool[0], pool[2], WEIGHTS)[0] > score_pair(pool[1], pool[2], WEIGHTS)[0]
    assert score_pair(pool[1], pool[3], WEIGHTS) is None
    assert pairs_of(suggest(pool, WEIGHTS)) == {(2, 3), (1, 4)}


def _random_pool(rng: random.Random, mentors: int, mentees: int) -> list[dict]:
    """Return a pool where some pairs are impossible and mentees compete for mentors."""
    skills = [
        "Négociation",
        "Gestion de projet",
        "Prise de parole en public",
        "Évolution de carrière",
    ]

    def random_fields() -> dict:
        return {
            "department": rng.choice(["Achats", "Ventes", "Informatique"]),
            "site": rng.choice(["Lyon", "Paris"]),
            "experience": rng.choice(EXPERIENCE_BANDS),
            "languages": rng.choice(
                [["français"], ["français"], ["français", "anglais"], ["anglais"], ["espagnol"]]
            ),
            "track": rng.choice(["classique", "classique", "classique", "inverse"]),
            "skills_offered": rng.sample(skills, k=rng.randint(0, 3)),
            "skills_sought": rng.sample(skills + ["autre"], k=rng.randint(0, 3)),
            "format": rng.choice(["presentiel", "distance", "hybride", "hybride"]),
            "rhythm": rng.choice(RHYTHMS),
            "availability": rng.sample(SLOTS, k=rng.randint(0, 4)),
            "department_preference": rng.choice(["autre", "meme", "indifferent"]),
        }

    pool = [
        mentor(
            number,
            capacity=rng.randint(1, 2),
            role=rng.choice(["mentor", "mentor", "les_deux"]),
            **random_fields(),
        )
        for number in range(1, mentors + 1)
    ]
    pool += [
        person(number, **random_fields()) for number in range(mentors + 1, mentors + mentees + 1)
    ]
    return pool


def _brute_force(pool: list[dict], weights: dict) -> tuple[int, float]:
    """Return the most pairs possible and, for that many, the best total score."""
    mentors = [p for p in pool if p["role"] in ("mentor", "les_deux")]
    mentees = [p for p in pool if p["role"] in ("mentore", "les_deux")]
    options = [
        [None]
        + [(m, scored[0]) for m in mentors for scored in [score_pair(m, mentee, weights)] if scored]
        for mentee in mentees
    ]
    best = (0, 0.0)
    for choice in itertools.product(*options):
        taken = [pick[0]["id"] for pick in choice if pick]
        if any(taken.count(m["id"]) > m["capacity"] for m in mentors):
            continue
        best = max(best, (len(taken), sum(pick[1] for pick in choice if pick)))
    return best


@pytest.mark.parametrize("seed", range(20))
def test_suggest_finds_the_brute_force_optimum(seed):
    pool = _random_pool(random.Random(seed), mentors=3, mentees=6)
    count, total = _brute_force(pool, WEIGHTS)
    result = suggest(pool, WEIGHTS)
    assert len(result.suggestions) == count
    # Scores are shown rounded to 0.1; the optimiser works on exact values.
    assert sum(s.score for s in result.suggestions) == pytest.approx(total, abs=0.05 * count)


def test_suggested_scores_and_reasons_match_score_pair():
    pool = _random_pool(random.Random(11), mentors=20, mentees=60)
    result = suggest(pool, WEIGHTS)
    assert result.suggestions
    for suggestion in result.suggestions:
        assert score_pair(suggestion.mentor, suggestion.mentee, WEIGHTS) == (
            suggestion.score,
            [r for r in suggestion.reasons if not r.startswith("mentorat croisé")],
        )


def test_suggestions_are_sorted_best_first():
    result = suggest(_random_pool(random.Random(5), mentors=20, mentees=60), WEIGHTS)
    scores = [s.score for s in result.suggestions]
    assert scores == sorted(scores, reverse=True)


# --------------------------------------------------------------------------
# Capacity, people in both roles, rejected pairs, waiting status


@pytest.mark.parametrize(
    ("capacity", "existing", "expected_pairs"),
    [(1, 0, 1), (2, 0, 2), (3, 0, 3), (3, 1, 2), (2, 2, 0), (2, 5, 0)],
)
def test_capacity_minus_existing_load_is_respected(capacity, existing, expected_pairs):
    pool = [mentor(1, capacity=capacity)] + [person(number) for number in range(2, 7)]
    result = suggest(pool, WEIGHTS, existing_load={1: existing})
    assert len(result.suggestions) == expected_pairs
    left = unmatched_of(result)
    assert len(left) == 5 - expected_pairs
    assert all(
        reasons == ["capacité des mentors compatibles atteinte"] for reasons in left.values()
    )
    # A mentor who already has mentees is not "without mentee".
    assert unmatched_of(result, "mentor") == {}


def test_capacity_holds_across_a_larger_pool():
    pool = _random_pool(random.Random(7), mentors=40, mentees=150)
    load = {m["id"]: 1 for m in pool[:40:3]}
    result = suggest(pool, WEIGHTS, existing_load=load)
    taken: dict[int, int] = {}
    for suggestion in result.suggestions:
        taken[suggestion.mentor["id"]] = taken.get(suggestion.mentor["id"], 0) + 1
    for record in pool[:40]:
        assert taken.get(record["id"], 0) <= max(record["capacity"] - load.get(record["id"], 0), 0)
    mentees = [s.mentee["id"] for s in result.suggestions]
    assert len(mentees) == len(set(mentees))


def test_a_person_in_both_roles_is_never_their_own_mentor():
    both = mentor(1, role="les_deux", capacity=2, skills_sought=["Négociation"])
    result = suggest([both], WEIGHTS)
    assert result.suggestions == []
    assert unmatched_of(result) == {1: ["aucun mentor en attente dans le vivier"]}
    assert unmatched_of(result, "mentor") == {
        1: [f"aucun mentoré compatible{NBSP}: aucun mentoré en attente dans le vivier"]
    }


def test_a_person_in_both_roles_can_mentor_and_be_mentored():
    pool = [
        mentor(1, role="les_deux", skills_sought=["Gestion de projet"]),
        mentor(2, skills_offered=["Gestion de projet"]),
        person(3),
    ]
    result = suggest(pool, WEIGHTS)
    assert pairs_of(result) == {(1, 3), (2, 1)}


def test_mentors_of_each_other_are_avoided_when_nobody_loses_a_proposal():
    # 1 and 2 suit each other best, but 3 can take one of them without anyone
    # being left out, so the optimum "1 mentors 2 and 2 mentors 1" is undone.
    pool = [
        mentor(1, role="les_deux", skills_offered=["Négociation"], skills_sought=["Négociation"]),
        mentor(2, role="les_deux", skills_offered=["Négociation"], skills_sought=["Négociation"]),
        mentor(3, skills_offered=["Négociation"]),
        person(4, skills_sought=["Gestion de projet"]),
    ]
    result = suggest(pool, WEIGHTS)
    pairs = pairs_of(result)
    assert len(pairs) == 3
    assert not {(1, 2), (2, 1)} <= pairs


def test_mentors_of_each_other_are_kept_and_flagged_when_there_is_no_other_way():
    pool = [
        mentor(1, role="les_deux", skills_sought=["Négociation"]),
        mentor(2, role="les_deux", skills_sought=["Négociation"]),
    ]
    result = suggest(pool, WEIGHTS)
    assert pairs_of(result) == {(1, 2), (2, 1)}
    assert all(
        f"mentorat croisé{NBSP}: chacun accompagne aussi l’autre" in s.reasons
        for s in result.suggestions
    )


@pytest.mark.parametrize("as_lists", [False, True], ids=["tuples", "json-lists"])
def test_rejected_pairs_are_never_suggested(as_lists):
    pool = [mentor(1, skills_offered=["Négociation"]), mentor(2, skills_offered=[]), person(3)]
    assert pairs_of(suggest(pool, WEIGHTS)) == {(1, 3)}
    rejected = [[1, 3]] if as_lists else {(1, 3)}
    assert pairs_of(suggest(pool, WEIGHTS, rejected=rejected)) == {(2, 3)}
    result = suggest(pool, WEIGHTS, rejected={(1, 3), (2, 3)})
    assert result.suggestions == []
    assert unmatched_of(result) == {3: ["mentors compatibles écartés par la coordination"]}


@pytest.mark.parametrize(
    ("status", "in_pool"),
    [("nouveau", True), ("en_attente", True), ("apparie", False), ("retire", False), (None, False)],
)
def test_only_waiting_enrollments_take_part(status, in_pool):
    result = suggest([mentor(1), person(2, status=status)], WEIGHTS)
    assert bool(result.suggestions) == in_pool
    assert 2 not in unmatched_of(result)


# --------------------------------------------------------------------------
# Why someone is left without a proposal


@pytest.mark.parametrize(
    ("pool", "reasons"),
    [
        pytest.param([person(2)], ["aucun mentor en attente dans le vivier"], id="no-mentor"),
        pytest.param(
            [mentor(1), person(2, track="inverse")],
            ["aucun mentor du parcours inversé disponible"],
            id="track",
        ),
        pytest.param(
            [mentor(1, languages=["français", "anglais"]), person(2, languages=["espagnol"])],
            ["aucun mentor avec une langue commune (espagnol)"],
            id="language",
        ),
        pytest.param(
            [
                mentor(1, track="inverse", languages=["anglais"]),
                person(2, track="inverse", languages=["espagnol"]),
            ],
            [
                "aucun mentor avec une langue commune (espagnol)",
                f"mentorat inversé{NBSP}: seuls les mentors du même parcours sont envisagés",
            ],
            id="language-in-reverse-track",
        ),
        pytest.param(
            [
                mentor(1, format="presentiel", site="Paris"),
                mentor(3, format="distance"),
                person(2, format="presentiel", site="Lyon"),
            ],
            ["aucun mentor compatible pour le format présentiel sur le site de Lyon"],
            id="format-site",
        ),
        pytest.param(
            [mentor(1, format="presentiel"), person(2, format="distance")],
            ["aucun mentor compatible pour le format à distance"],
            id="format-remote",
        ),
        pytest.param(
            [mentor(1), person(2, manager_email="personne.1@exemple.fr")],
            ["les seuls mentors compatibles sont dans sa ligne hiérarchique directe"],
            id="manager",
        ),
        pytest.param(
            [mentor(1), person(3), person(2)],
            ["capacité des mentors compatibles atteinte"],
            id="capacity",
        ),
    ],
)
def test_unmatched_mentee_reasons(pool, reasons):
    assert unmatched_of(suggest(pool, WEIGHTS))[2] == reasons


@pytest.mark.parametrize(
    ("pool", "reasons"),
    [
        pytest.param(
            [mentor(1)],
            [f"aucun mentoré compatible{NBSP}: aucun mentoré en attente dans le vivier"],
            id="no-mentee",
        ),
        pytest.param(
            [mentor(1, track="inverse"), person(2)],
            [f"aucun mentoré compatible{NBSP}: aucun mentoré du parcours inversé en attente"],
            id="track",
        ),
        pytest.param(
            [mentor(1, languages=["arabe"]), person(2)],
            [f"aucun mentoré compatible{NBSP}: aucune langue commune (arabe)"],
            id="language",
        ),
        pytest.param(
            [mentor(1, format="presentiel", site="Nantes"), person(2)],
            ["aucun mentoré compatible pour le format présentiel sur le site de Nantes"],
            id="format",
        ),
        pytest.param(
            [mentor(1, capacity=0), person(2)],
            ["aucune place de mentorat libre (capacité 0)"],
            id="no-place",
        ),
        pytest.param(
            [mentor(1, skills_offered=[]), mentor(3), person(2)],
            ["mentorés compatibles tous proposés à d’autres mentors, au meilleur score d’ensemble"],
            id="taken",
        ),
    ],
)
def test_unmatched_mentor_reasons(pool, reasons):
    assert unmatched_of(suggest(pool, WEIGHTS), "mentor")[1] == reasons


def test_mentors_with_an_existing_mentee_are_not_reported():
    result = suggest([mentor(1, capacity=2)], WEIGHTS, existing_load={1: 1})
    assert unmatched_of(result, "mentor") == {}


# --------------------------------------------------------------------------
# Output


def test_to_json_shape():
    pool = [mentor(1), person(2), person(3, languages=["arabe"])]
    data = suggest(pool, WEIGHTS).to_json()
    assert json.loads(json.dumps(data)) == data
    assert set(data) == {"pairs", "unmatched", "report"}
    (pair,) = data["pairs"]
    assert set(pair) == {"mentor", "mentee", "score", "reasons", "warnings", "locked", "history",
                         "agreed"}
    assert pair["mentor"] == {"id": 1, "name": "Personne 1", "email": "personne.1@exemple.fr"}
    assert pair["mentee"] == {"id": 2, "name": "Personne 2", "email": "personne.2@exemple.fr"}
    assert isinstance(pair["score"], float) and 0 <= pair["score"] <= 100
    assert pair["reasons"] and all(isinstance(reason, str) for reason in pair["reasons"])
    assert data["unmatched"] == [
        {
            "id": 3,
            "name": "Personne 3",
            "email": "personne.3@exemple.fr",
            "role": "mentore",
            "reasons": ["aucun mentor avec une langue commune (arabe)"],
        }
    ]


def test_result_types_and_progress_messages():
    messages: list[str] = []
    result = suggest([mentor(1), person(2), person(3)], WEIGHTS, progress=messages.append)
    assert isinstance(result.suggestions[0], Suggestion)
    assert isinstance(result.unmatched[0], Unmatched)
    assert messages[0] == (
        f"Vivier{NBSP}: mentorés en attente 2, mentors en attente 1, places libres 1"
    )
    assert messages[-1] == f"Binômes proposés{NBSP}: 1, mentorés sans proposition{NBSP}: 1"


def test_empty_pool():
    assert suggest([], WEIGHTS) == MatchResult([], [])
