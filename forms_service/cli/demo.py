"""Fill an empty data directory with a fictitious programme, to try the product.

``mentorat demo`` enrolls a few hundred invented people (Faker, French
names) across the departments, sites, skills and languages of
``programme.yml``, in both tracks, over the past ten months; matches them
in three rounds with the real matching; keeps a few pairs closed; and
answers each checkpoint that has passed with signed feedback (through the
personal link of a reminder) or anonymous feedback, and most closed pairs'
closing questionnaires (mostly unsigned). The newest enrollments
are left waiting, so the matching page has suggestions to show.

Nothing here is real: every address ends with the programme's first
allowed domain. A directory that already holds data is refused.
"""

from __future__ import annotations

import random
import secrets
import unicodedata
from collections.abc import Callable
from datetime import date, datetime, time, timedelta, timezone

from faker import Faker

from ..i18n import _
from ..matching.suggest import SLOTS, suggest
from ..programme import Programme
from ..records.checkpoints import checkpoint_schedule
from ..records.common import FORMAT_VERSION
from ..records.goals import rating_moment
from ..records.repository import new_reference
from ..vocabulary import (
    MENTEE_ROLES,
    MENTOR_ROLES,
    MENTORING_SKILLS,
    PAIR_END_STATUSES,
    RHYTHM_CHOICES,
    PairState,
    Status,
)

__all__ = ["DataNotEmpty", "fill"]

DAYS_BACK = 300
ROUNDS = (45, 130, 220)  # days after the first enrollment when the coordination matched
GOALS = (
    "Animer seul·e une réunion d'équipe de trente minutes d'ici trois mois",
    "Préparer ma candidature à un poste de responsable avant l'été",
    "Présenter un projet au comité de direction avec un support clair",
    "Mener une négociation fournisseur du début à la fin",
    "Utiliser un outil collaboratif avec toute mon équipe d'ici deux mois",
    "Construire mon réseau dans deux autres départements",
    "Déléguer deux dossiers récurrents et suivre leur avancement",
    "Prendre la parole à une réunion plénière sans notes",
    "Comprendre comment décide la direction financière",
    "Tester un assistant d'intelligence artificielle sur trois tâches réelles",
)
WORKS = (
    "Des rencontres régulières, même courtes.",
    "Un vrai regard extérieur sur mes priorités.",
    "Les mises en situation avant mes réunions importantes.",
    "Nous avons fixé des objectifs précis dès le départ.",
    "L'écoute, sans jugement.",
    "Les échanges à distance sont simples à organiser.",
)
HARD = (
    "Trouver un créneau commun certains mois.",
    "Nos agendas changent souvent, les rencontres sont reportées.",
    "Je ne sais pas toujours quoi préparer avant une séance.",
    "Mes objectifs ont changé depuis le début.",
    "La charge de travail laisse peu de place au mentorat.",
)
CLOSE_REASONS = (
    "Changement de poste du mentoré.",
    "Objectifs atteints plus tôt que prévu.",
    "Le binôme ne trouvait plus de créneau commun.",
    "Départ de l'entreprise.",
)
# How the coordinator files each of those ends (``vocabulary.END_CATEGORIES``).
CLOSE_CATEGORIES = dict(zip(CLOSE_REASONS, ("changement_poste", "objectifs_atteints",
                                            "disponibilite", "changement_poste"), strict=True))
SEASONS = {12: "Hiver", 1: "Hiver", 2: "Hiver", 3: "Printemps", 4: "Printemps", 5: "Printemps",
           6: "Été", 7: "Été", 8: "Été", 9: "Automne", 10: "Automne", 11: "Automne"}
# Days between two meetings, by the rhythm a mentee chose.
RHYTHM_DAYS = {"hebdomadaire": 7, "bimensuel": 14, "trois_semaines": 21, "mensuel": 30}


class DataNotEmpty(Exception):
    """The data directory already holds records; the demo fills only an empty one."""


def fill(repo, programme: Programme, *, participants: int = 300, seed: int | None = None,
         today: date | None = None, progress: Callable[[str], None] | None = None) -> dict:
    """Create the fictitious programme; return ``{"people", "pairs", "feedback"}`` counts.

    Raises ``DataNotEmpty`` (French message) when the directory holds data.
    """
    if repo.holds_participant_data():
        raise DataNotEmpty(_(
            "Le répertoire de données contient déjà des données de participants (inscriptions, "
            "binômes ou retours) : « mentorat demo » ne remplit qu'un répertoire vide de "
            "participants, pour ne rien mélanger. Indiquez-en un autre avec MENTORAT_DATA_DIR."))
    report = progress or (lambda message: None)
    accounts = len(repo.list_coordinators())
    if accounts:
        report(_("%(n)d compte(s) de la coordination déjà présent(s) : gardé(s) tel(s) quel(s).")
               % {"n": accounts})
    rng = random.Random(seed)
    fake = Faker("fr_FR")
    fake.seed_instance(rng.randrange(2**32))
    today = today or date.today()
    start = today - timedelta(days=DAYS_BACK)
    rounds = _open_rounds(repo, start, today)
    report(_("Inscriptions fictives…"))
    people = _enroll(repo, programme, fake, rng, participants, start, today, report, rounds)
    report(_("Appariement en trois vagues…"))
    pairs = _match(repo, programme, rng, people, start, today)
    report(_("Binômes confirmés : %(n)d. Clôtures et retours aux points d'étape…")
           % {"n": len(pairs)})
    pairs = _close_some(repo, rng, pairs, today)
    answers = _feedback(repo, rng, pairs, today, report)
    _closing(repo, rng, pairs)
    # A generator of its own: the rest of the demo stays what it was for a given seed.
    _rate(repo, programme, random.Random(f"{seed}-niveaux"), pairs, today)
    _meet(repo, random.Random(f"{seed}-rencontres"), pairs, today)
    return {"people": len(people), "pairs": len(pairs), "feedback": answers}


def _at(day: date, rng: random.Random | None) -> str:
    """A moment of office hours that day (nine o'clock without ``rng``)."""
    hour, minute = (rng.randint(7, 18), rng.randint(0, 59)) if rng else (9, 0)
    moment = datetime.combine(day, time(hour, minute), timezone.utc)
    return moment.isoformat(timespec="seconds")


def _ascii(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in plain.lower() if c.isalnum() or c in ".-") or "personne"


def _open_rounds(repo, start: date, today: date) -> list[tuple[date, str]]:
    """Two rounds, ``(opening day, name)``: a first short one, then the current one, opened
    early enough that many of its pairs went the whole way (its report shows them)."""
    middle = start + (today - start) / 10
    rounds = [(day, f"{SEASONS[day.month]} {day.year}") for day in (start, middle)]
    for (day, name), (after, _next) in zip(rounds, rounds[1:] + [(None, None)]):
        repo.cohorts.insert({"v": FORMAT_VERSION, "name": name, "opened_at": _at(day, None),
                             "opened_by": None, "next_opening": None, "closed_by": None,
                             "closed_at": None if after is None else _at(after, None)})
    return rounds


def _round_name(rounds: list[tuple[date, str]], day: date) -> str:
    return [name for opened, name in rounds if opened <= day][-1]


def _enroll(repo, programme, fake, rng, count, start, today, report, rounds) -> list[dict]:
    domain = programme.email_domains[0] if programme.email_domains else "exemple.fr"
    main_language, others = programme.languages[0], programme.languages[1:]
    used: set[str] = set()
    people = []
    span = (today - start).days - 1
    for number in range(count):
        first, last = fake.first_name(), fake.last_name()
        local = f"{_ascii(first)}.{_ascii(last)}"
        email, n = f"{local}@{domain}", 1
        while email in used:
            n += 1
            email = f"{local}{n}@{domain}"
        used.add(email)
        role = rng.choices(("mentor", "mentore", "les_deux"), (38, 52, 10))[0]
        track = rng.choices(("classique", "inverse"), (80, 20))[0]
        mentoring = role != "mentore"
        # Reverse mentoring: the mentor is the younger colleague in the trade.
        if (track == "inverse") == mentoring:
            experience = rng.choice(("moins_2", "2_5"))
        else:
            experience = rng.choice(("5_10", "10_20", "plus_20"))
        # Most people enroll in the first weeks of the programme, others later.
        offset = int(rng.triangular(0, span, 0)) if rng.random() < 0.85 else rng.randint(0, span)
        day = start + timedelta(days=offset)
        created = _at(day, rng)
        languages = [main_language] + [lang for lang in others
                                       if rng.random() < (0.5 if lang == others[0] else 0.08)]
        record = {
            "name": f"{first} {last}", "email": email,
            "department": rng.choice(programme.departments), "site": rng.choice(programme.sites),
            "job_title": fake.job()[:120], "experience": experience, "languages": languages,
            "manager_email": rng.choice(people)["email"] if people and rng.random() < 0.15
            else "",
            "role": role, "track": track,
            "capacity": rng.choices((1, 2, 3), (50, 35, 15))[0] if mentoring else None,
            "skills_offered": rng.sample(programme.skills, rng.randint(2, 4)) if mentoring else [],
            "skills_sought": rng.sample(programme.skills, rng.randint(1, 3))
            if role != "mentor" else [],
            "skills_sought_other": "",
            "goals": rng.sample(GOALS, rng.randint(1, 3)) if role != "mentor" else [],
            "format": rng.choices(("presentiel", "distance", "hybride"), (30, 20, 50))[0],
            # The rhythms the form offers today (one draw, as before: the rest is unchanged).
            "rhythm": rng.choices([code for code, _label in RHYTHM_CHOICES], (55, 17, 28))[0],
            "availability": sorted(rng.sample(SLOTS, rng.randint(2, 5)), key=SLOTS.index),
            "department_preference": rng.choice(("autre", "meme", "indifferent")),
            "comment": "", "consent": True, "reference": new_reference("enrollment"),
            "status": Status.NOUVEAU, "status_history": [{"status": Status.NOUVEAU, "at": created}],
            "cohort": _round_name(rounds, day), "notice_version": programme.notice_version,
            "consented_at": created,
            "created_at": created,
        }
        people.append(repo.insert_record("enrollments", record))
        if (number + 1) % 50 == 0 or number + 1 == count:
            report(_("%(done)d/%(total)d inscriptions…") % {"done": number + 1, "total": count})
    return people


def _match(repo, programme, rng, people, start, today) -> list[dict]:
    pairs = []
    for days in ROUNDS:
        when = start + timedelta(days=days)
        if when >= today:
            break
        cutoff = _at(when, rng)
        pool, load = repo.matching_pool(selection=programme.selection)
        pool = [p for p in pool if p["created_at"] <= cutoff]
        result = suggest(pool, programme.weights, existing_load=load,
                         rejected=repo.rejected_pairs())
        for suggestion in result.suggestions:
            mentor_id, mentee_id = suggestion.mentor["id"], suggestion.mentee["id"]
            if rng.random() < 0.06:
                repo.reject_pair(mentor_id, mentee_id, by=None)
                continue
            confirmed = min(when + timedelta(days=rng.randint(0, 10)), today)
            pairs.append(repo.confirm_pair(
                mentor_id, mentee_id, by=None, score=suggestion.score,
                reasons=suggestion.reasons, at=_at(confirmed, rng),
                checkpoints=checkpoint_schedule(confirmed, programme.checkpoints)))
    return pairs


def _close_some(repo, rng, pairs, today) -> list[dict]:
    result = []
    for pair in pairs:
        confirmed = date.fromisoformat(pair["confirmed_at"][:10])
        if rng.random() < 0.07 and (today - confirmed).days > 40:
            closed = confirmed + timedelta(days=rng.randint(30, (today - confirmed).days - 1))
            reason = rng.choice(CLOSE_REASONS)
            pair = repo.close_pair(pair["id"], reason=reason, by=None,
                                   category=CLOSE_CATEGORIES[reason],
                                   mentor_status=rng.choice(PAIR_END_STATUSES),
                                   mentee_status=rng.choice(PAIR_END_STATUSES),
                                   at=_at(closed, rng))
        result.append(pair)
    return result


def _meet(repo, rng, pairs, today) -> int:
    """Log most of the meetings each started pair's rhythm means; return how many."""
    count = 0
    with repo.store.transaction():
        for pair in pairs:
            if pair.get("status") == PairState.NON_DEMARRE:
                continue
            mentee = repo.enrollment(pair["mentee_id"]) or {}
            every = RHYTHM_DAYS.get(mentee.get("rhythm"), 30)
            end = date.fromisoformat(str(pair.get("closed_at") or today.isoformat())[:10])
            day = date.fromisoformat(pair["confirmed_at"][:10]) + timedelta(days=every)
            keen = rng.uniform(0.4, 1.0)  # some pairs keep their rhythm, others drift
            while day < end:
                if rng.random() < keen:
                    repo.meetings.log(pair["id"], day, person_id=pair["mentee_id"],
                                      logged_by="mentore", duration_minutes=60)
                    count += 1
                day += timedelta(days=every + rng.randint(-2, 4))
    return count


def _closing(repo, rng, pairs) -> int:
    """Answer the closing questionnaire of most closed pairs, mostly unsigned; return how many."""
    count = 0
    for pair in pairs:
        if pair.get("status") != PairState.CLOSED:
            continue
        goals = (repo.enrollment(pair["mentee_id"]) or {}).get("goals") or []
        for person_id, role in ((pair["mentor_id"], "mentor"), (pair["mentee_id"], "mentore")):
            if rng.random() > 0.7:
                continue
            answers = {f"progress_{n}": rng.randint(2, 5) for n in range(1, len(goals[:3]) + 1)}
            answers.update(meetings=rng.randint(2, 12), recommend=rng.randint(5, 10),
                           identity="signe" if rng.random() < 0.2 else "pseudonyme")
            if role == "mentor":
                answers.update({skill: rng.randint(2, 5) for skill in (
                    "skill_listening", "skill_questions", "skill_feedback", "skill_goals")})
            repo.save_closing(answers, pair_id=pair["id"], person_id=person_id, role=role)
            count += 1
    return count


def _feedback(repo, rng, pairs, today, report) -> int:
    count = 0
    for index, pair in enumerate(pairs, 1):
        closed = (pair.get("closed_at") or "9999")[:10]
        mood = rng.gauss(0.4, 0.9)  # some pairs just work better than others
        for checkpoint in pair["checkpoints"]:
            due = date.fromisoformat(checkpoint["due"])
            if due > today or checkpoint["due"] > closed:
                continue
            for person_id, role in ((pair["mentor_id"], "mentor"), (pair["mentee_id"], "mentore")):
                repo.claim_reminder(pair["id"], checkpoint["month"], person_id, at=_at(due, rng))
                if rng.random() < 0.3:
                    continue  # no answer: the follow-up shows it
                answered = _at(min(due + timedelta(days=rng.randint(0, 12)), today), rng)
                record = _answer(rng, checkpoint["month"], role, mood, answered)
                if rng.random() < 0.65:
                    person = repo.enrollment(person_id)
                    record.update(identity="signe", name=person["name"], email=person["email"],
                                  pair_id=pair["id"], person_id=person_id,
                                  contact_requested=record["satisfaction"] <= 2
                                  or rng.random() < 0.05)
                    stored = repo.insert_record("feedback", record)
                    repo.mark_answered(pair["id"], checkpoint["month"], person_id, stored["id"],
                                       at=answered)
                else:
                    repo.insert_record("feedback", record)
                count += 1
        if index % 25 == 0 or index == len(pairs):
            report(_("%(done)d/%(total)d binômes suivis…") % {"done": index,
                                                             "total": len(pairs)})
    return count


def _answer(rng, month: int, role: str, mood: float, at: str) -> dict:
    def rating(bonus: float) -> int:
        return max(1, min(5, round(3.4 + mood + bonus + rng.gauss(0, 0.8))))

    satisfaction = rating(0)
    progress = rating(min(month, 6) / 6 - 0.5)
    return {
        "checkpoint": str(month), "role": role, "satisfaction": satisfaction,
        "progress": progress, "meetings": max(0, round(month * 1.8 + rng.gauss(0, 1))),
        "what_works": rng.choice(WORKS) if rng.random() < 0.6 else "",
        "what_is_hard": rng.choice(HARD) if rng.random() < (0.8 if satisfaction <= 3 else 0.2)
        else "",
        "contact_requested": False, "identity": "anonyme",
        "reference": new_reference("feedback"), "submission": secrets.token_hex(16),
        "created_at": at,
    }


def _rate(repo, programme: Programme, rng: random.Random, pairs: list[dict], today: date) -> None:
    """Goal levels at enrollment and at the checkpoints that rate them (mid-way, end), and
    mentors' own levels on the mentoring skills: the personal pages show a path."""
    reached: dict[int, list[tuple[str, str]]] = {}
    for pair in pairs:
        closed = (pair.get("closed_at") or "9999")[:10]
        for checkpoint in pair["checkpoints"]:
            moment = rating_moment(checkpoint["month"], programme.checkpoints)
            if moment and checkpoint["due"] <= min(today.isoformat(), closed):
                reached.setdefault(pair["mentee_id"], []).append((moment, checkpoint["due"]))
    for person in repo.enrollments.all():
        goal_ratings, skill_ratings = [], []
        if person.get("role") in MENTEE_ROLES:
            for number in range(1, len(person.get("goals") or []) + 1):
                if rng.random() < 0.2:
                    continue  # the levels are optional
                level = rng.randint(1, 3)
                goal_ratings.append({"goal": number, "value": level, "moment": "inscription",
                                     "at": person["created_at"]})
                for moment, due in reached.get(person["id"], ()):
                    level = min(5, level + rng.choice((0, 1, 1, 2)))
                    goal_ratings.append({"goal": number, "value": level, "moment": moment,
                                         "at": f"{due}T10:00:00+00:00"})
        if person.get("role") in MENTOR_ROLES and rng.random() < 0.7:
            skill_ratings = [{"skill": key, "value": rng.randint(2, 4), "moment": "inscription",
                              "at": person["created_at"]} for key, _label in MENTORING_SKILLS]
        repo.enrollments.modify(person["id"], lambda record, g=goal_ratings, k=skill_ratings: {
            **record, "goal_ratings": g, "skill_ratings": k})
