"""The programme's indicators, each defined once: its French definition and its computation.

The round's report, the « Bilan » page and the guide's « Objectifs et
indicateurs » page (``<!-- indicateurs -->``, expanded at build) all read
``INDICATORS``: a definition is never typed twice. Each indicator turns a
``RoundData`` into rows of figures; every figure about fewer than three
people is ``None`` (hidden), with complementary suppression where a row
« Ensemble » gives the total (``suppression``). Counts of pairs follow the
same rule as counts of people.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from ..i18n import _
from ..records.pairs import end_category
from ..vocabulary import (
    END_CATEGORIES,
    END_CATEGORY_DERIVED,
    EXPERIENCE,
    MENTEE_ROLES,
    MENTOR_ROLES,
    MENTORING_SKILLS,
    RHYTHMS,
    ROLES,
    TRACKS,
    PairState,
    Status,
)
from .rounds import RoundData, pair_outcome
from .suppression import hide_counts, shown_mean, shown_median, shown_share, shown_total

__all__ = ["Column", "Indicator", "INDICATORS", "compute", "RHYTHM_PER_MONTH", "ALL",
           "response_rates"]

ALL = _("Ensemble")
UNKNOWN = _("Non renseigné")
# Meetings a month that each rhythm of the enrollment form means (52 weeks / 12 months).
RHYTHM_PER_MONTH = {"hebdomadaire": 4.3, "bimensuel": 2.2, "trois_semaines": 1.4,
                    "mensuel": 1.0}
# A pair keeps « its rhythm » when it met at least this share of the meetings it means.
ON_RHYTHM = 0.75
MONTH_DAYS = 30.44


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    unit: str = ""  # "", "%", "j" (days)
    decimals: int = 0


Row = tuple[str, dict[str, float | None]]


@dataclass(frozen=True)
class Indicator:
    """One indicator: what the guide says of it, and how the report computes it."""

    key: str
    title: str
    definition: str  # how it is computed, in words
    target: str  # what the programme aims at
    caveat: str  # what it does not tell
    columns: tuple[Column, ...]
    rows: Callable[[RoundData], list[Row]]
    chart: str | None = None  # the column drawn as bars
    maximum: float | None = None  # the chart's scale (100 for a share)


# --------------------------------------------------------------------------- helpers

def _people(data: RoundData) -> list[dict]:
    """The round's enrollments that count: a withdrawn one counts nowhere."""
    return [e for e in data.enrollments if e.get("status") != Status.RETIRE]


def _matched(data: RoundData, person: dict) -> bool:
    return bool(data.pairs_of_person.get(person["id"]))


def _completed(data: RoundData, person: dict) -> bool:
    return any(pair_outcome(p, data.today) == "termine"
               for p in data.pairs_of_person.get(person["id"], ()))


def _groups(records: Iterable[dict], key: Callable[[dict], object],
            order: Sequence[tuple[object, str]]) -> dict[str, list[dict]]:
    """Records by label, in ``order`` (value, label), then unknown values, « non renseigné »
    last."""
    labels = {value: str(label) for value, label in order}
    groups: dict[str, list[dict]] = {label: [] for label in labels.values()}
    extra: dict[str, list[dict]] = defaultdict(list)
    for record in records:
        value = key(record)
        if value in labels:
            groups[labels[value]].append(record)
        else:
            extra[str(value) if value not in (None, "") else UNKNOWN].append(record)
    for label in sorted(extra, key=lambda text: (text == UNKNOWN, text)):
        groups[label] = extra[label]
    return groups


def _counted_rows(groups: dict[str, dict[str, int]], count_keys: Sequence[str]
                  ) -> dict[str, dict[str, int | None]]:
    """Hide each count column with complementary suppression; add the « Ensemble » row."""
    shown = {label: {} for label in groups}
    totals = {}
    for key in count_keys:
        column = hide_counts({label: values[key] for label, values in groups.items()},
                             with_total=True)
        for label, value in column.items():
            shown[label][key] = value
        totals[key] = shown_total(sum(values[key] for values in groups.values()))
    shown[ALL] = totals
    return shown


# --------------------------------------------------------------------------- reach

REACH_COLUMNS = (Column("enrolled", _("Inscrits")), Column("matched", _("Appariés")),
                 Column("share", _("Part appariée"), "%", 1),
                 Column("completed", _("Allés au terme")))


def _reach(key: Callable[[dict], object], order: Callable[[RoundData], Sequence]
           ) -> Callable[[RoundData], list[Row]]:
    def rows(data: RoundData) -> list[Row]:
        groups = _groups(_people(data), key, order(data))
        counts = {label: {"enrolled": len(people),
                          "matched": sum(_matched(data, p) for p in people),
                          "completed": sum(_completed(data, p) for p in people)}
                  for label, people in groups.items() if people}
        shown = _counted_rows(counts, ("enrolled", "matched", "completed"))
        return [(label, {**values, "share": shown_share(values["matched"], values["enrolled"])})
                for label, values in shown.items()]
    return rows


def _field(name: str) -> Callable[[dict], object]:
    return lambda record: record.get(name)


def _fixed(order: Sequence) -> Callable[[RoundData], Sequence]:
    return lambda data: order


def _configured(name: str) -> Callable[[RoundData], Sequence]:
    # Sites and departments are the programme's lists; a value no longer listed still shows.
    return lambda data: [(value, value) for value in
                         sorted({e.get(name) for e in data.enrollments if e.get(name)})]


REACH_TARGET = _("plus de 80 % des inscrits appariés dans chaque groupe")
REACH_CAVEAT = _("si le binôme a ensuite fonctionné ; les groupes ne sont jamais croisés")


def _reach_indicator(key: str, title: str, field: str, order) -> Indicator:
    return Indicator(
        key, title,
        _("personnes inscrites dans la session (hors inscriptions retirées), celles qui ont eu "
          "un binôme, et celles dont un binôme est allé à son terme, par %(what)s ; la part "
          "appariée est appariés ÷ inscrits") % {"what": title.split(" par ", 1)[-1]},
        REACH_TARGET, REACH_CAVEAT, REACH_COLUMNS, _reach(_field(field), order),
        chart="share", maximum=100)


# --------------------------------------------------------------------------- waiting

def _waiting_rows(data: RoundData) -> list[Row]:
    rows = []
    for label, roles, side in ((_("Mentorés"), MENTEE_ROLES, "mentee_id"),
                               (_("Mentors"), MENTOR_ROLES, "mentor_id")):
        days = []
        for person in _people(data):
            if person.get("role") not in roles:
                continue
            starts = [p["confirmed_at"] for p in data.pairs_of_person.get(person["id"], ())
                      if p.get(side) == person["id"] and p.get("confirmed_at")]
            if starts and person.get("created_at"):
                waited = date.fromisoformat(min(starts)[:10]) \
                    - date.fromisoformat(person["created_at"][:10])
                days.append(max(waited.days, 0))
        rows.append((label, {"people": shown_total(len(days)), "median": shown_median(days)}))
    return rows


# --------------------------------------------------------------------------- pairs

OUTCOMES = (("termine", _("Allés à leur terme")), ("arrete", _("Arrêtés avant le terme")),
            ("decline", _("Déclinés avant de commencer")), ("en_cours", _("En cours")))


def _outcome_rows(data: RoundData) -> list[Row]:
    counts = {label: {"pairs": sum(pair_outcome(p, data.today) == code for p in data.pairs)}
              for code, label in OUTCOMES}
    shown = _counted_rows(counts, ("pairs",))
    total = shown[ALL]["pairs"]
    return [(label, {**values, "share": shown_share(values["pairs"], total)})
            for label, values in shown.items()]


def _early_rows(data: RoundData) -> list[Row]:
    early = [p for p in data.pairs if pair_outcome(p, data.today) == "arrete"]
    order = [(code, label) for code, label in END_CATEGORIES if code != "terme"] \
        + END_CATEGORY_DERIVED
    groups = _groups(early, end_category, order)
    counts = {label: {"pairs": len(pairs)} for label, pairs in groups.items()}
    return list(_counted_rows(counts, ("pairs",)).items())


# --------------------------------------------------------------------------- meetings

def _rhythm_rows(data: RoundData) -> list[Row]:
    per_pair: dict[int, int] = defaultdict(int)
    for meeting in data.meetings:
        per_pair[meeting["pair_id"]] += 1
    started = [p for p in data.pairs if p.get("status") != PairState.NON_DEMARRE
               and p.get("confirmed_at")]

    def rhythm(pair: dict) -> object:
        return data.enrollment_by_id.get(pair["mentee_id"], {}).get("rhythm")

    groups = _groups(started, rhythm, RHYTHMS)
    counts = {label: {"pairs": len(pairs)} for label, pairs in groups.items() if pairs}
    shown = _counted_rows(counts, ("pairs",))
    codes = {str(label): code for code, label in RHYTHMS}
    rows = []
    for label, values in shown.items():
        pairs = started if label == ALL else groups[label]
        rates = [per_pair[p["id"]] / _months(p, data.today) for p in pairs]
        expected = RHYTHM_PER_MONTH.get(codes.get(label))
        row = {**values, "per_month": shown_mean(rates) if values["pairs"] is not None else None}
        if expected is not None:
            kept = sum(rate >= ON_RHYTHM * expected for rate in rates)
            row.update(expected=expected, on_rhythm=shown_share(kept, values["pairs"])
                       if values["pairs"] is not None else None)
        rows.append((label, row))
    return rows


def _months(pair: dict, today: date) -> float:
    end = date.fromisoformat(str(pair.get("closed_at") or today.isoformat())[:10])
    days = (end - date.fromisoformat(pair["confirmed_at"][:10])).days
    return max(days / MONTH_DAYS, 1.0)


# --------------------------------------------------------------------------- checkpoints

def response_rates(pairs: Iterable[dict], months: Sequence[int], today: date
                   ) -> list[tuple[int, int, int]]:
    """Return ``(month, answered, expected)`` per checkpoint, from signed feedback.

    Both people of a pair are expected at a checkpoint once its date has
    passed (or one of them has answered it), if the pair was still running
    on that date.
    """
    answered, expected = Counter(), Counter()
    for pair in pairs:
        closed = (pair.get("closed_at") or "")[:10]
        for checkpoint in pair.get("checkpoints", ()):
            due = checkpoint["due"]
            if (due > today.isoformat() and not checkpoint.get("answered")) \
                    or (closed and closed < due):
                continue
            expected[checkpoint["month"]] += 2
            answered[checkpoint["month"]] += len(checkpoint.get("answered", {}))
    return [(month, answered[month], expected[month]) for month in months]


def _response_rows(data: RoundData) -> list[Row]:
    rows = []
    for month, answered, expected in response_rates(data.pairs, data.checkpoints, data.today):
        hidden = expected < 3
        rows.append((_("%(months)d mois") % {"months": month}, {
            "expected": shown_total(expected),
            "answered": None if hidden else shown_total(answered),
            "rate": None if hidden else shown_share(answered, expected)}))
    return rows


def _satisfaction_rows(data: RoundData) -> list[Row]:
    rows = []
    for month in data.checkpoints:
        values = [f["satisfaction"] for f in data.feedback
                  if str(f.get("checkpoint")) == str(month)
                  and isinstance(f.get("satisfaction"), int)]
        rows.append((_("%(months)d mois") % {"months": month},
                     {"answers": shown_total(len(values)), "mean": shown_mean(values)}))
    return rows


# --------------------------------------------------------------------------- goals

def _goal_rows(data: RoundData) -> list[Row]:
    mentees = {p["mentee_id"] for p in data.pairs if p.get("status") != PairState.NON_DEMARRE}
    rows = []
    for label, moment in ((_("Début → mi-parcours"), "mi-parcours"), (_("Début → fin"), "fin")):
        before, after, moved, people = [], [], 0, 0
        for mentee_id in sorted(mentees):
            ratings = data.enrollment_by_id.get(mentee_id, {}).get("goal_ratings") or []
            start = {r["goal"]: r["value"] for r in ratings if r.get("moment") == "inscription"}
            later = {r["goal"]: r["value"] for r in ratings if r.get("moment") == moment}
            goals = sorted(set(start) & set(later))
            if not goals:
                continue
            people += 1
            for goal in goals:
                before.append(start[goal])
                after.append(later[goal])
                moved += later[goal] - start[goal] >= 1
        rows.append((label, {
            "people": shown_total(people), "goals": len(before) if people >= 3 else None,
            "before": shown_mean(before, people=people), "after": shown_mean(after, people=people),
            "moved": shown_share(moved, len(before)) if people >= 3 else None}))
    return rows


# --------------------------------------------------------------------------- closing

def _recommend_rows(data: RoundData) -> list[Row]:
    groups = {str(label): [a for a in data.closing if a.get("role") == role
                           and isinstance(a.get("recommend"), int)]
              for role, label in ((("mentore"), _("Mentorés")), ("mentor", _("Mentors")))}
    shown = _counted_rows({label: {"answers": len(a)} for label, a in groups.items()},
                          ("answers",))
    groups[ALL] = [a for answers in list(groups.values()) for a in answers]
    rows = []
    for label, values in shown.items():
        scores = [a["recommend"] for a in groups[label]]
        visible = values["answers"] is not None and len(scores) >= 3
        rows.append((label, {**values, "mean": shown_mean(scores) if visible else None,
                             "promoters": shown_share(sum(s >= 9 for s in scores), len(scores), 0)
                             if visible else None}))
    return rows


def _skill_rows(data: RoundData) -> list[Row]:
    rows = []
    for skill, label in MENTORING_SKILLS:
        before, after = [], []
        for pair in data.pairs:
            mentor = data.enrollment_by_id.get(pair["mentor_id"], {})
            start = [r["value"] for r in mentor.get("skill_ratings") or ()
                     if r.get("skill") == skill and r.get("moment") == "inscription"]
            end = [a.get(f"skill_{skill}") for a in data.closing
                   if a.get("pair_id") == pair["id"] and a.get("role") == "mentor"]
            end = [v for v in end if isinstance(v, int)]
            if start and end:
                before.append(start[0])
                after.append(end[0])
        rows.append((str(label), {"mentors": shown_total(len(before)),
                                  "before": shown_mean(before), "after": shown_mean(after)}))
    return rows


# --------------------------------------------------------------------------- the list

COUNT = Column("pairs", _("Binômes"))
INDICATORS: tuple[Indicator, ...] = (
    _reach_indicator("par_role", _("Inscrits et appariés par rôle"), "role", _fixed(ROLES)),
    _reach_indicator("par_parcours", _("Inscrits et appariés par parcours"), "track",
                     _fixed(TRACKS)),
    _reach_indicator("par_site", _("Qui le programme atteint, par site"), "site",
                     _configured("site")),
    _reach_indicator("par_departement", _("Qui le programme atteint, par département"),
                     "department", _configured("department")),
    _reach_indicator("par_experience", _("Qui le programme atteint, par expérience"),
                     "experience", _fixed(EXPERIENCE)),
    Indicator(
        "delai", _("Délai entre l’inscription et le binôme"),
        _("nombre de jours entre l’inscription et la confirmation du premier binôme, médiane "
          "des personnes appariées"),
        _("moins d’un mois pour les mentorés"), _("l’attente de celles et ceux encore sans "
                                                    "binôme"),
        (Column("people", _("Personnes")), Column("median", _("Médiane"), "j")),
        _waiting_rows, chart="median"),
    Indicator(
        "issue", _("Ce que sont devenus les binômes"),
        _("binômes de la session par issue : allés à leur terme (clos « arrivé à son terme », "
          "ou parvenus à leur dernier point d’étape), arrêtés avant, déclinés après la "
          "présentation, en cours ; un binôme arrêté avant le terme est compté à part, par "
          "motif, dans l’indicateur suivant"),
        _("plus de 70 % des binômes démarrés vont à leur terme"),
        _("si un arrêt était une bonne décision"),
        (COUNT, Column("share", _("Part"), "%", 1)), _outcome_rows, chart="share", maximum=100),
    Indicator(
        "arrets", _("Binômes arrêtés avant le terme, par motif"),
        _("motif choisi par la coordination à la clôture ; un retrait ou un effacement demandé "
          "par l’une des deux personnes est compté comme tel, une clôture plus ancienne que ce "
          "choix comme « non renseigné »"),
        _("aucun motif qui domine"), _("le détail de chaque situation, que seule la "
                                       "coordination connaît"),
        (COUNT,), _early_rows, chart="pairs"),
    Indicator(
        "rythme", _("Rencontres par binôme et par mois, face au rythme choisi"),
        _("rencontres notées par les binômes démarrés ÷ mois écoulés depuis la confirmation "
          "(un mois au moins), selon le rythme choisi à l’inscription par la personne "
          "mentorée ; « au rythme » : au moins les trois quarts des rencontres que ce rythme "
          "prévoit"),
        _("la plupart des binômes au rythme choisi"),
        _("les rencontres qu’un binôme n’a pas notées"),
        (COUNT, Column("per_month", _("Rencontres par mois"), decimals=1),
         Column("expected", _("Prévues par mois"), decimals=1),
         Column("on_rhythm", _("Part au rythme"), "%", 1)),
        _rhythm_rows, chart="per_month"),
    Indicator(
        "reponses", _("Taux de réponse aux points d’étape"),
        _("retours reçus par lien personnel ÷ retours attendus (deux par binôme encore en "
          "cours à la date du point d’étape)"),
        _("plus de 70 %"), _("pourquoi les autres n’ont pas répondu"),
        (Column("expected", _("Attendus")), Column("answered", _("Reçus")),
         Column("rate", _("Taux"), "%", 1)), _response_rows, chart="rate", maximum=100),
    Indicator(
        "satisfaction", _("Satisfaction par point d’étape"),
        _("moyenne des notes de satisfaction (de 1 à 5) des retours par lien personnel"),
        _("4 ou plus"), _("l’avis de celles et ceux qui n’ont pas répondu"),
        (Column("answers", _("Réponses")), Column("mean", _("Moyenne sur 5"), decimals=1)),
        _satisfaction_rows, chart="mean", maximum=5),
    Indicator(
        "objectifs", _("Progrès sur les objectifs"),
        _("pour chaque objectif noté de 1 à 5 à l’inscription puis au point d’étape de "
          "mi-parcours ou au dernier : moyenne avant, moyenne après, et part des objectifs "
          "qui ont gagné au moins un point"),
        _("plus de la moitié des objectifs gagnent au moins un point"),
        _("un progrès mesuré par un tiers : c’est la personne qui se note"),
        (Column("people", _("Personnes")), Column("goals", _("Objectifs")),
         Column("before", _("Avant"), decimals=1), Column("after", _("Après"), decimals=1),
         Column("moved", _("Part en progrès"), "%", 1)), _goal_rows, chart="moved",
        maximum=100),
    Indicator(
        "recommandation", _("Recommandation du programme"),
        _("note de 0 à 10 du questionnaire de bilan à la question « recommanderiez-vous le "
          "programme ? » : moyenne, et part des notes de 9 ou 10"),
        _("une moyenne de 8 ou plus"), _("l’avis de celles et ceux qui n’ont pas répondu"),
        (Column("answers", _("Réponses")), Column("mean", _("Moyenne sur 10"), decimals=1),
         Column("promoters", _("Part de 9 ou 10"), "%", 1)), _recommend_rows, chart="mean",
        maximum=10),
    Indicator(
        "auto_evaluation", _("Auto-évaluation des mentors, avant et après"),
        _("chaque compétence d’accompagnement notée de 1 à 5 par le mentor à l’inscription, "
          "puis dans son questionnaire de bilan : moyennes des mentors qui ont répondu aux "
          "deux"),
        _("une hausse sur chaque compétence"), _("un savoir-faire observé par un tiers"),
        (Column("mentors", _("Mentors")), Column("before", _("Avant"), decimals=1),
         Column("after", _("Après"), decimals=1)), _skill_rows, chart="after", maximum=5),
)


def compute(data: RoundData, keys: Collection[str] | None = None) -> list[dict]:
    """The round's indicators (all, or those of ``keys``), as the report shows and stores
    them (figures hidden)."""
    return [{"key": indicator.key, "title": str(indicator.title),
             "rows": [{"label": str(label), "values": values}
                      for label, values in indicator.rows(data)]}
            for indicator in INDICATORS if keys is None or indicator.key in keys]
