"""The dashboard: SVG charts, figures, and the minimum group size of feedback."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date

import pytest
from support.coordination import login
from support.people import enroll, mentor
from support.service import repo

from forms_service.evaluation.charts import HIDDEN, bar_chart, column_chart, format_number
from forms_service.coordination.dashboard import (
    count_by,
    enrollments_per_month,
    hide_small_groups,
    matched_share,
    mean,
    month_label,
    ratings_per_checkpoint,
    response_rates,
)
from forms_service.records.checkpoints import checkpoint_schedule

SVG = "{http://www.w3.org/2000/svg}"


def svg_of(markup: str) -> ET.Element:
    return ET.fromstring(re.search(r"<svg.*?</svg>", str(markup), re.S).group(0))


# ------------------------------------------------------------------------------- charts

@pytest.mark.parametrize("chart", [bar_chart, column_chart])
def test_a_chart_is_an_accessible_svg_image_with_its_data_table(chart):
    markup = str(chart("Inscriptions <par> mois", [("janv. 2026", 4), ("févr. 2026", 12)],
                       ident="essai"))
    svg = svg_of(markup)
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "essai-title essai-desc"
    assert svg.find(f"{SVG}title").text == "Inscriptions <par> mois"
    assert svg.find(f"{SVG}title").get("id") == "essai-title"
    assert "janv. 2026\u00a0: 4" in svg.find(f"{SVG}desc").text
    assert len(svg.findall(f"{SVG}rect")) == 2
    assert "<table" in markup and '<th scope="row">févr. 2026</th>' in markup
    assert " style=" not in markup and "<script" not in markup and "&lt;par&gt;" in markup


def test_bars_are_scaled_to_the_maximum_given():
    svg = svg_of(bar_chart("Satisfaction", [("1 mois", 5), ("3 mois", 2.5)], maximum=5))
    widths = [float(rect.get("width")) for rect in svg.findall(f"{SVG}rect")]
    assert widths[0] == 2 * widths[1] == 300


def test_a_hidden_figure_draws_no_bar_and_says_why():
    markup = str(bar_chart("Satisfaction", [("1 mois", 4.2), ("3 mois", None)], maximum=5))
    assert len(svg_of(markup).findall(f"{SVG}rect")) == 1
    assert markup.count(HIDDEN) == 3  # drawn, described, in the table


@pytest.mark.parametrize("value, decimals, unit, text", [
    (3.456, 1, "", "3,5"), (1234, 0, "", "1\u202f234"), (42, 0, "%", "42\u202f%"),
    (None, 0, "", "moins de 3 réponses"),
])
def test_numbers_are_written_the_french_way(value, decimals, unit, text):
    assert format_number(value, decimals, unit) == text


def test_an_empty_chart_still_renders():
    assert "aucune donnée" in str(column_chart("Vide", []))


# ------------------------------------------------------------------ minimum group size

@pytest.mark.parametrize("sizes, with_total, hidden", [
    ({"1": 5, "3": 3, "6": 0}, False, {"6"}),
    ({"1": 5, "3": 2, "6": 4}, False, {"3"}),
    # One hidden cell next to a total would be total minus the others: hide a second.
    ({"1": 5, "3": 2, "6": 4}, True, {"3", "6"}),
    ({"1": 5, "3": 1, "6": 1, "autre": 9}, True, {"3", "6", "1"}),
    ({"1": 5, "3": 0, "6": 4}, True, {"3"}),
    ({"1": 5, "3": 4}, True, set()),
    ({"1": 2}, True, {"1"}),
])
def test_small_groups_are_hidden_and_cannot_be_subtracted(sizes, with_total, hidden):
    groups = {key: [4] * n for key, n in sizes.items()}
    shown = hide_small_groups(groups, with_total=with_total)
    assert {key for key, values in shown.items() if values is None} == hidden
    if with_total:
        hidden_answers = sum(sizes[key] for key in hidden)
        # (when every cell is hidden, the total itself is under the minimum: hidden too)
        assert hidden_answers == 0 or hidden_answers >= 3 or hidden == set(sizes)


def test_figures_from_records():
    enrollments = [
        {"id": 1, "created_at": "2026-01-05T10:00:00+00:00", "role": "mentore",
         "track": "classique", "department": "Ventes", "status": "apparie"},
        {"id": 2, "created_at": "2026-03-20T10:00:00+00:00", "role": "mentor",
         "track": "classique", "department": "Achats", "status": "en_attente"},
        {"id": 3, "created_at": "2026-03-21T10:00:00+00:00", "role": "mentore",
         "track": "inverse", "department": "Ventes", "status": "retire"},
        {"id": 4, "created_at": "2026-03-22T10:00:00+00:00", "role": "les_deux",
         "track": "inverse", "department": "Cuisine", "status": "nouveau"},
    ]
    assert enrollments_per_month(enrollments) == [("2026-01", 1), ("2026-02", 0),
                                                  ("2026-03", 3)]
    assert month_label("2026-02") == "févr. 2026"
    assert count_by(enrollments, "department", [("Achats", "Achats"), ("Ventes", "Ventes")]) == [
        ("Achats", 1), ("Ventes", 2), ("Cuisine", 1)]
    pairs = [{"mentor_id": 2, "mentee_id": 1}]
    assert matched_share(enrollments, pairs) == {"mentees": (1, 2), "mentors": (1, 2)}
    assert mean([4, 5, 5]) == 4.7 and mean([]) is None and mean(None) is None


def test_response_rates_count_signed_answers_of_pairs_running_at_the_date():
    running = {"checkpoints": checkpoint_schedule(date(2026, 1, 10), (1, 3)), "closed_at": None}
    running["checkpoints"][0]["answered"] = {"1": {}, "2": {}}
    closed = {"checkpoints": checkpoint_schedule(date(2026, 1, 10), (1, 3)),
              "closed_at": "2026-03-01T00:00:00+00:00"}
    assert response_rates([running, closed], (1, 3), date(2026, 6, 1)) == [(1, 2, 4), (3, 0, 2)]


def test_ratings_are_grouped_per_checkpoint():
    feedback = [{"checkpoint": "1", "satisfaction": 4}, {"checkpoint": "autre", "satisfaction": 2},
                {"checkpoint": "3", "satisfaction": None}, {"checkpoint": "1", "satisfaction": 5}]
    assert ratings_per_checkpoint(feedback, (1, 3), "satisfaction") == {
        "1": [4, 5], "3": [], "autre": [2]}


# -------------------------------------------------------------------------------- view

def feedback(app, checkpoint: str, satisfaction: int, key: str) -> None:
    repo(app).add_feedback({"checkpoint": checkpoint, "role": "mentore",
                            "satisfaction": satisfaction, "progress": satisfaction,
                            "meetings": 1, "identity": "anonyme", "contact_requested": False},
                           submission_key=key)


def test_the_dashboard_shows_charts_and_hides_small_groups(app, client):
    awa, marc = enroll(app, "Awa Diallo"), mentor(app, "Marc Petit")
    enroll(app, "Zoé Martin", department="Achats")
    repo(app).confirm_pair(marc["id"], awa["id"], by=None, score=1, reasons=[], checkpoints=[])
    for number, value in enumerate((3, 4, 5)):
        feedback(app, "1", value, f"a{number}")
    feedback(app, "3", 1, "lonely")
    login(app, client)
    response = client.get("/coordination/tableau-de-bord/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.count('role="img"') >= 8 and html.count("<desc") == html.count('role="img"')
    assert " style=" not in html.split("<main", 1)[1] and "<script>" not in html
    assert "1 mois (3 réponses)" in html and "4,0" in html
    # The single answer at 3 months is not shown, nor anything that reveals it.
    assert re.search(r"3 mois</th><td[^>]*>moins de 3 réponses", html)
    assert "1,0" not in html
    assert "Mentorés appariés (1 sur 2)" in html and "50\u202f%" in html
    assert "Marketing" in html and "Achats" in html
