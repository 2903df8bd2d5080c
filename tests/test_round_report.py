"""The round's report: each indicator computed by hand on a small round, k ≥ 3 everywhere.

The fixture round « R2 » (and « R1 » before it) is written straight into a
data directory; ``mentorat report --format json`` must give the figures
worked out below by hand, hidden cells included.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from click.testing import CliRunner

from forms_service.cli import main
from forms_service.records.repository import Repository

TODAY = date.today()


def ago(days: int) -> str:
    return (TODAY - timedelta(days=days)).isoformat() + "T09:00:00+00:00"


def checkpoints(start_days_ago: int) -> list[dict]:
    start = TODAY - timedelta(days=start_days_ago)
    return [{"month": m, "due": (start + timedelta(days=30 * m)).isoformat()} for m in (1, 3)]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    """Round R1 (three mentees, enrolled and matched) then R2, the round worked out below."""
    path = tmp_path_factory.mktemp("bilan")
    repo = Repository(path)
    repo.open_cohort("R1", by=None)
    for n in range(3):
        repo.insert_record("enrollments", {"name": f"Ancien {n}", "role": "mentore",
                                           "track": "classique", "cohort": "R1",
                                           "status": "clos", "created_at": ago(400)})
    repo.open_cohort("R2", by=None)
    people = {}

    def person(key, role, site, **extra):
        people[key] = repo.insert_record("enrollments", {
            "name": key, "role": role, "track": "classique", "site": site, "cohort": "R2",
            "status": "actif", "created_at": ago(200), "rhythm": "mensuel", **extra})["id"]

    for n in range(1, 7):  # mentors T1–T6: three in Lyon, three in Nantes
        person(f"T{n}", "mentor", "Lyon" if n <= 3 else "Nantes", skill_ratings=[
            {"skill": "listening", "value": 2, "moment": "inscription", "at": ago(200)}])
    for n in range(1, 8):  # mentees M1–M7: five in Lyon, two in Paris
        person(f"M{n}", "mentore", "Lyon" if n <= 5 else "Paris", goal_ratings=[
            {"goal": 1, "value": 2, "moment": "inscription", "at": ago(200)},
            {"goal": 1, "value": 2 + (n <= 3), "moment": "fin", "at": ago(10)}])
    person("W", "mentore", "Lyon", status="retire")  # withdrawn: counted nowhere

    def pair(mentor, mentee, status, *, confirmed=190, **extra):
        return repo.pairs.insert({
            "mentor_id": people[mentor], "mentee_id": people[mentee], "track": "classique",
            "status": status, "confirmed_at": ago(confirmed), "checkpoints": checkpoints(confirmed),
            "closed_at": None, "close_reason": None, **extra})

    p1 = pair("T1", "M1", "closed", closed_at=ago(20), close_reason="fin", end_category="terme")
    pair("T2", "M2", "closed", closed_at=ago(20), close_reason="fin", end_category="terme")
    p3 = pair("T3", "M3", "active")  # its last checkpoint is past: it went the whole way
    pair("T4", "M4", "closed", closed_at=ago(150), close_reason="x", end_category="relation")
    pair("T5", "M5", "closed", closed_at=ago(150), close_reason="x",
         end_category="disponibilite")
    pair("T6", "M6", "closed", closed_at=ago(150), close_reason="ancien")  # before the field
    pair("T1", "M7", "non_demarre", closed_at=ago(180), close_reason="refus")
    # Meetings: P1 met 12 times in 170 days (about 2.1 a month), P3 met 3 times in 190 days.
    for n in range(12):
        repo.meetings.table.insert({"pair_id": p1, "date": ago(190 - 14 * n)[:10]})
    for n in range(3):
        repo.meetings.table.insert({"pair_id": p3, "date": ago(100 - n)[:10]})
    # Closing questionnaires: three mentees recommend 10, 9 and 6; two mentors 8 and 7.
    for mentee, score in (("M1", 10), ("M2", 9), ("M3", 6)):
        repo.closing.table.insert({"pair_id": 0, "person_id": people[mentee], "role": "mentore",
                                   "recommend": score})
    for mentor, score in (("T1", 8), ("T2", 7)):
        repo.closing.table.insert({"pair_id": 0, "person_id": people[mentor], "role": "mentor",
                                   "recommend": score, "skill_listening": 4})
    repo.close()
    return path, people


@pytest.fixture(scope="module")
def reported(data_dir):
    path, people = data_dir
    # The closing answers belong to the pairs of their people (ids known only now).
    repo = Repository(path)
    pairs = {p["mentee_id"]: p["id"] for p in repo.all_pairs()}
    by_person = {people[k]: k for k in people}
    for answer in repo.closing.all():
        key = by_person[answer["person_id"]]
        mentee = key if key.startswith("M") else {"T1": "M1", "T2": "M2"}[key]
        repo.closing.table.update(answer["id"], {"pair_id": pairs[people[mentee]]})
    repo.close()
    result = CliRunner().invoke(main, ["report", "--format", "json"],
                                env={"MENTORAT_DATA_DIR": str(path)})
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def rows(report: dict, key: str) -> dict:
    [indicator] = [i for i in report["indicators"] if i["key"] == key]
    return {row["label"]: row["values"] for row in indicator["rows"]}


def test_the_report_is_of_the_latest_round_compared_with_the_one_before(reported):
    assert reported["cohort"] == "R2" and reported["previous"]["cohort"] == "R1"
    assert rows(reported["previous"], "par_role")["Mentoré·e"]["enrolled"] == 3


def test_reach_by_role_counts_the_withdrawn_nowhere_and_hides_small_cells(reported):
    by_role = rows(reported, "par_role")
    # Mentors: 6 enrolled, 6 matched; gone the whole way: T1 (P1), T2 (P2), T3 (P3).
    assert by_role["Mentor"] == {"enrolled": 6, "matched": 6, "completed": 3, "share": 100.0}
    # Mentees: W withdrew; M7's declined pair still matched her; M1, M2, M3 went all the way.
    assert by_role["Mentoré·e"] == {"enrolled": 7, "matched": 7, "completed": 3,
                                    "share": 100.0}
    assert by_role["Ensemble"] == {"enrolled": 13, "matched": 13, "completed": 6,
                                   "share": 100.0}
    assert "Les deux" not in by_role  # no one: no row


def test_reach_by_site_hides_groups_under_three_and_one_more_beside_the_total(reported):
    by_site = rows(reported, "par_site")
    # Lyon: T1–T3 and M1–M5 (8); Nantes: T4–T6 (3); Paris: M6, M7 (2, hidden). Beside the
    # total of 13, Paris would be 13 − 8 − 3: Nantes, the smallest shown, is hidden with it.
    assert by_site["Lyon"] == {"enrolled": 8, "matched": 8, "completed": 6, "share": 100.0}
    assert by_site["Paris"] == {"enrolled": None, "matched": None, "completed": 0,
                                "share": None}
    assert by_site["Nantes"] == {"enrolled": None, "matched": None, "completed": 0,
                                 "share": None}
    assert by_site["Ensemble"] == {"enrolled": 13, "matched": 13, "completed": 6,
                                   "share": 100.0}


def test_pairs_ended_early_are_counted_apart_with_their_reason(reported):
    outcome = rows(reported, "issue")
    # P1, P2 closed « terme », P3 past its last checkpoint; P4–P6 ended early; P7 declined.
    # One declined pair is hidden; beside the total it would be 7 − 3 − 3: the first of
    # the smallest other non-zero cells is hidden with it.
    assert outcome["Déclinés avant de commencer"] == {"pairs": None, "share": None}
    assert outcome["Allés à leur terme"] == {"pairs": None, "share": None}
    assert outcome["Arrêtés avant le terme"] == {"pairs": 3, "share": 42.9}
    assert outcome["En cours"]["pairs"] == 0 and outcome["Ensemble"]["pairs"] == 7
    early = rows(reported, "arrets")
    # One each: relation, disponibilité, non renseigné (closed before the field): all hidden,
    # the total of 3 shown.
    assert early["La relation ne fonctionnait pas"]["pairs"] is None
    assert early["Non renseigné"]["pairs"] is None
    assert early["Ensemble"]["pairs"] == 3


def test_goal_progress_recommendation_and_rhythm_by_hand(reported):
    goals = rows(reported, "objectifs")["Début → fin"]
    # The six started pairs' mentees M1–M6 rated goal 1 at 2, then M1–M3 at 3, M4–M6 at 2.
    assert goals == {"people": 6, "goals": 6, "before": 2.0, "after": 2.5, "moved": 50.0}
    recommend = rows(reported, "recommandation")
    # Two mentors: hidden, and the three mentees with them (beside the total, 5 − 3 = 2);
    # the whole still shows: (10 + 9 + 6 + 8 + 7) / 5 = 8.0, two of five gave 9 or 10.
    assert recommend["Mentors"] == {"answers": None, "mean": None, "promoters": None}
    assert recommend["Mentorés"] == {"answers": None, "mean": None, "promoters": None}
    assert recommend["Ensemble"] == {"answers": 5, "mean": 8.0, "promoters": 40.0}
    skills = rows(reported, "auto_evaluation")["L’écoute active"]
    assert skills == {"mentors": None, "before": None, "after": None}  # two mentors only
    monthly = rows(reported, "rythme")["Une fois par mois"]
    # Six started pairs chose « une fois par mois »; P1 met 12 times in 170 days (2.1 a month),
    # P3 3 times in 190 days (0.5), the four others never: mean 0.4, 1 of 6 at its rhythm
    # (hidden: one pair), the rate of the group shown.
    assert monthly["pairs"] == 6 and monthly["expected"] == 1.0
    assert monthly["per_month"] == round((12 / (170 / 30.44) + 3 / (190 / 30.44)) / 6, 1)
    assert monthly["on_rhythm"] is None


def test_waiting_time_is_the_median_of_the_matched(reported):
    waited = rows(reported, "delai")
    # Every mentee enrolled 200 days ago; pairs confirmed 190 days ago: 10 days.
    assert waited["Mentorés"] == {"people": 7, "median": 10.0}


def test_the_pairs_export_says_how_each_closed_pair_ended(data_dir, reported):
    path, _people = data_dir
    result = CliRunner().invoke(main, ["export", "pairs", "--format", "csv"],
                                env={"MENTORAT_DATA_DIR": str(path)})
    assert result.exit_code == 0, result.output
    rows = [line.split(";") for line in result.stdout.lstrip("\ufeff").splitlines()]
    column = rows[0].index("Fin du binôme")
    ends = sorted(row[column] for row in rows[1:] if row[column])
    assert ends == sorted(["Arrivé à son terme", "Arrivé à son terme",
                           "La relation ne fonctionnait pas",
                           "Manque de temps ou de disponibilité", "Non renseigné"])


def test_purging_old_records_never_changes_a_past_report(data_dir, reported):
    path, _people = data_dir
    env = {"MENTORAT_DATA_DIR": str(path), "MENTORAT_SECRET_KEY": "x" * 32}
    before = CliRunner().invoke(main, ["report", "--cohort", "R2", "--format", "json"], env=env)
    # Three years on, every closed record of R2 is past its period and erased.
    later = (TODAY + timedelta(days=3 * 365)).isoformat()
    purged = CliRunner().invoke(main, ["purge", "--date", later], env=env)
    assert purged.exit_code == 0, purged.output
    repo = Repository(path)
    assert not [p for p in repo.all_pairs() if p["status"] == "closed"]
    repo.close()
    after = CliRunner().invoke(main, ["report", "--cohort", "R2", "--format", "json"], env=env)
    assert json.loads(after.stdout)["indicators"] == json.loads(before.stdout)["indicators"]
    assert json.loads(after.stdout)["frozen_at"] is not None


def test_the_pdf_is_a4_holds_the_figures_and_an_unknown_round_is_refused(data_dir, tmp_path):
    path, _people = data_dir
    target = tmp_path / "bilan.pdf"
    env = {"MENTORAT_DATA_DIR": str(path)}
    result = CliRunner().invoke(main, ["report", "--cohort", "R1", "--format", "pdf",
                                       "-o", str(target)], env=env)
    assert result.exit_code == 0, result.output
    assert target.read_bytes()[:5] == b"%PDF-"
    refused = CliRunner().invoke(main, ["report", "--cohort", "R9"], env=env)
    assert refused.exit_code == 1 and "Session inconnue" in refused.output


def test_without_weasyprint_the_pdf_is_refused_in_french(data_dir, monkeypatch, tmp_path):
    import sys

    path, _people = data_dir
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # as if it could not load
    result = CliRunner().invoke(main, ["report", "--format", "pdf", "-o",
                                       str(tmp_path / "b.pdf")],
                                env={"MENTORAT_DATA_DIR": str(path)})
    said = " ".join(result.output.replace("\u00a0", " ").split())
    assert result.exit_code == 1 and "Erreur : Le PDF ne peut pas être produit" in said
    assert "libpango" in result.output and not (tmp_path / "b.pdf").exists()
    json_report = CliRunner().invoke(main, ["report", "--format", "json"],
                                     env={"MENTORAT_DATA_DIR": str(path)})
    assert json_report.exit_code == 0  # the other formats never load it

