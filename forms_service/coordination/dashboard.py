"""The evaluation dashboard: enrollments, matching, checkpoints, satisfaction.

Figures are computed by the pure functions below and drawn as inline SVG
by ``charts`` (each with its data table). Feedback figures follow one rule:
an aggregate over fewer than ``MIN_GROUP`` answers is hidden ("moins de 3
réponses"), and no figure lets someone work an anonymous answer out by
subtraction: feedback breakdowns are shown without a total, and where a
total is shown (``hide_small_groups(..., with_total=True)``) more cells are
hidden until the hidden answers together are none or at least
``MIN_GROUP``. Enrollment counts are not answers to the feedback form and
are shown whole; coordinators see each enrollment anyway.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date

from flask import render_template

from ..evaluation import charts
from ..evaluation import report as bilan
from ..evaluation.indicators import response_rates
from ..i18n import _
from ..records.anonymity import MIN_GROUP
from ..records.closing import closing_figures
from ..services import get_programme, get_repo
from ..vocabulary import MENTEE_ROLES, MENTOR_ROLES, ROLES, TRACKS, PairState, Status
from .auth import login_required
from .blueprint import bp

__all__ = ["MIN_GROUP", "hide_small_groups", "mean", "enrollments_per_month", "count_by",
           "matched_share", "response_rates", "ratings_per_checkpoint", "month_label"]

# The closing questionnaire's scores, averaged over at least MIN_GROUP answers each.
CLOSING_SCORES = (
    ("progress_1", _("Objectif 1 (sur 5)")), ("progress_2", _("Objectif 2 (sur 5)")),
    ("progress_3", _("Objectif 3 (sur 5)")), ("recommend", _("Recommandation (sur 10)")),
    ("skill_listening", _("Mentors : écoute (sur 5)")),
    ("skill_questions", _("Mentors : questions (sur 5)")),
    ("skill_feedback", _("Mentors : feedback (sur 5)")),
    ("skill_goals", _("Mentors : objectifs (sur 5)")),
)
# The indicators the dashboard shows for the latest round (all of them are on « Bilan »).
SESSION_KEYS = ("par_role", "issue", "objectifs", "recommandation")
MONTHS = ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.",
          "nov.", "déc.")


def hide_small_groups(groups: dict[str, list], minimum: int = MIN_GROUP, *,
                      with_total: bool = False) -> dict[str, list | None]:
    """Return the groups with those of fewer than ``minimum`` answers replaced by ``None``.

    With ``with_total`` (the breakdown is shown next to its total), the
    smallest visible groups are hidden too until the hidden answers together
    are none or at least ``minimum``: one hidden cell could otherwise be
    worked out as the total minus the others.
    """
    hidden = {key for key, values in groups.items() if len(values) < minimum}
    if with_total:
        def hidden_size() -> int:
            return sum(len(groups[key]) for key in hidden)

        visible = sorted((key for key in groups if key not in hidden),
                         key=lambda key: len(groups[key]))
        while 0 < hidden_size() < minimum and visible:
            hidden.add(visible.pop(0))
    return {key: None if key in hidden else values for key, values in groups.items()}


def mean(values: Sequence[float] | None, decimals: int = 1) -> float | None:
    if not values:
        return None
    return round(sum(values) / len(values), decimals)


def month_label(month: str) -> str:
    """``2026-11`` → ``nov. 2026``."""
    year, number = month.split("-")
    return f"{MONTHS[int(number) - 1]} {year}"


def enrollments_per_month(enrollments: Iterable[dict]) -> list[tuple[str, int]]:
    """Count enrollments per calendar month, every month from the first to the last."""
    counts = Counter(str(e.get("created_at", ""))[:7] for e in enrollments if e.get("created_at"))
    if not counts:
        return []
    first, last = min(counts), max(counts)
    year, month = int(first[:4]), int(first[5:7])
    rows = []
    while f"{year:04d}-{month:02d}" <= last:
        key = f"{year:04d}-{month:02d}"
        rows.append((key, counts.get(key, 0)))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return rows


def count_by(records: Iterable[dict], key: str, order: Sequence[tuple[str, str]]
             ) -> list[tuple[str, int]]:
    """Count records per value of ``key``, in ``order`` (value, label), unknown values last."""
    counts = Counter(r.get(key) for r in records)
    labels = dict(order)
    rows = [(label, counts.pop(value, 0)) for value, label in order]
    others = sorted(counts.items(), key=lambda item: str(item[0]))
    rows += [(str(value or "—"), n) for value, n in others if n and value not in labels]
    return rows


def matched_share(enrollments: Iterable[dict], pairs: Iterable[dict]) -> dict:
    """Return how many mentees and mentors are or were in a pair, out of those enrolled.

    Withdrawn enrollments (``retire``) count in neither.
    """
    pairs = list(pairs)
    mentees_paired = {p["mentee_id"] for p in pairs}
    mentors_paired = {p["mentor_id"] for p in pairs}
    people = [e for e in enrollments if e.get("status") != Status.RETIRE]
    mentees = [e["id"] for e in people if e.get("role") in MENTEE_ROLES]
    mentors = [e["id"] for e in people if e.get("role") in MENTOR_ROLES]
    return {
        "mentees": (sum(i in mentees_paired for i in mentees), len(mentees)),
        "mentors": (sum(i in mentors_paired for i in mentors), len(mentors)),
    }


def ratings_per_checkpoint(feedback: Iterable[dict], months: Sequence[int], field: str
                           ) -> dict[str, list[int]]:
    """Group one rating (``satisfaction`` or ``progress``) by checkpoint, signed and anonymous."""
    groups: dict[str, list[int]] = {str(month): [] for month in months}
    groups["autre"] = []
    for answer in feedback:
        value = answer.get(field)
        if isinstance(value, int) and str(answer.get("checkpoint")) in groups:
            groups[str(answer["checkpoint"])].append(value)
    return groups


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _matched_items(share: dict) -> list[tuple[str, float | None]]:
    (mentees, all_mentees), (mentors, all_mentors) = share["mentees"], share["mentors"]
    return [
        (_("Mentorés appariés (%(n)d sur %(all)d)") % {"n": mentees, "all": all_mentees},
         _percent(mentees, all_mentees)),
        # Short enough for the chart's 300-pixel label column (a longer one was clipped).
        (_("Mentors en binôme (%(n)d sur %(all)d)")
         % {"n": mentors, "all": all_mentors}, _percent(mentors, all_mentors)),
    ]


def _rate_items(rates: list[tuple[int, int, int]]) -> list[tuple[str, float | None]]:
    items = []
    for month, answered, expected in rates:
        if expected < MIN_GROUP:
            items.append((_("%(months)d mois") % {"months": month}, None))
        else:
            items.append((_("%(months)d mois (%(n)d sur %(all)d)")
                          % {"months": month, "n": answered, "all": expected},
                          _percent(answered, expected)))
    return items


def _rating_items(groups: dict[str, list | None]) -> list[tuple[str, float | None]]:
    items = []
    for key, values in groups.items():
        label = _("Autre moment") if key == "autre" else _("%(months)s mois") % {"months": key}
        if values is not None:
            label += " " + _("(%(n)d réponses)") % {"n": len(values)}
        items.append((label, mean(values)))
    return items


def meeting_items(pairs: Iterable[dict], meetings: Iterable[dict], today: date
                  ) -> list[tuple[str, float | None]]:
    """Meetings per active pair, and the share of active pairs that met in the last 30 days.

    Under ``MIN_GROUP`` active pairs both are hidden, like the other groups.
    """
    active = {p["id"] for p in pairs if p.get("status") == PairState.ACTIVE}
    if len(active) < MIN_GROUP:
        return [(_("Rencontres par binôme actif"), None),
                (_("Binômes actifs qui se sont vus ces 30 derniers jours (%)"), None)]
    recent = today.toordinal() - 30
    logged = [m for m in meetings if m.get("pair_id") in active]
    met = {m["pair_id"] for m in logged if date.fromisoformat(m["date"]).toordinal() >= recent}
    return [(_("Rencontres par binôme actif"), round(len(logged) / len(active), 1)),
            (_("Binômes actifs qui se sont vus ces 30 derniers jours (%)"),
             _percent(len(met), len(active)))]


@bp.get("/tableau-de-bord/")
@login_required
def dashboard():
    """Show the programme's figures as charts with their data tables."""
    repo = get_repo()
    programme = get_programme()
    enrollments, pairs = repo.enrollments.all(), repo.all_pairs()
    feedback = repo.feedback.all()
    departments = [(d, d) for d in programme.departments]
    share = matched_share(enrollments, pairs)
    rates = response_rates(pairs, programme.checkpoints, date.today())
    figures = {
        "per_month": charts.column_chart(
            _("Inscriptions par mois"),
            [(month_label(m), n) for m, n in enrollments_per_month(enrollments)],
            ident="inscriptions-par-mois", headers=(_("Mois"), _("Inscriptions"))),
        "by_role": charts.bar_chart(_("Inscriptions par rôle"), count_by(enrollments, "role",
                                    ROLES), ident="par-role",
                                    headers=(_("Rôle"), _("Inscriptions"))),
        "by_track": charts.bar_chart(_("Inscriptions par parcours"),
                                     count_by(enrollments, "track", TRACKS), ident="par-parcours",
                                     headers=(_("Parcours"), _("Inscriptions"))),
        "by_department": charts.bar_chart(
            _("Inscriptions par département"), count_by(enrollments, "department", departments),
            ident="par-departement", headers=(_("Département"), _("Inscriptions"))),
        "matched": charts.bar_chart(
            _("Part des inscrits appariés"), _matched_items(share), ident="part-appariee",
            maximum=100, unit="%", headers=(_("Inscrits"), _("Part appariée"))),
        "responses": charts.bar_chart(
            _("Taux de réponse aux points d'étape (retours signés)"), _rate_items(rates),
            ident="taux-de-reponse", maximum=100, unit="%",
            headers=(_("Point d'étape"), _("Réponses reçues"))),
    }
    for field, title in (("satisfaction", _("Satisfaction moyenne par point d'étape (sur 5)")),
                         ("progress", _("Progrès moyens vers les objectifs par point d'étape "
                                        "(sur 5)"))):
        groups = hide_small_groups(ratings_per_checkpoint(feedback, programme.checkpoints, field))
        figures[field] = charts.bar_chart(
            title, _rating_items(groups), ident=f"{field}-par-point", maximum=5, decimals=1,
            headers=(_("Point d'étape"), _("Moyenne sur 5")))
    figures["meetings"] = charts.bar_chart(
        _("Rencontres des binômes actifs"), meeting_items(pairs, repo.meetings.all(), date.today()),
        ident="rencontres", decimals=1, headers=(_("Mesure"), _("Valeur")))
    closing = closing_figures(repo.closing.all())
    figures["closing"] = charts.bar_chart(
        _("Questionnaires de bilan : moyennes"),
        [(label, closing["averages"][score]) for score, label in CLOSING_SCORES],
        ident="bilans", decimals=1, headers=(_("Question"), _("Moyenne")))
    # The latest round's key indicators, from the definitions the « Bilan » page shows in full.
    latest = bilan.build(repo, keys=SESSION_KEYS, compare=False)
    session = {"label": latest["label"], "cohort": latest["cohort"] or "",
               "sections": bilan.sections(latest)}
    summary = {"closing": closing["count"], "enrollments": len(enrollments),
               "active": sum(p["status"] == PairState.ACTIVE for p in pairs),
               "closed": sum(p["status"] != PairState.ACTIVE for p in pairs)}
    return render_template("coordination/dashboard.html", figures=figures, summary=summary,
                           minimum=MIN_GROUP, session=session)
