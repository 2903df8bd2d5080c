"""The round's report (« bilan de session »): one content, four formats.

``build`` assembles the report of a round: its indicators (``INDICATORS``;
the frozen snapshot once ``mentorat purge`` took one), the previous round's
for comparison, and the coordination's three lessons and three decisions.
``mentorat report`` writes it as HTML, PDF, JSON or XLSX; the coordination's
« Bilan » page shows the same HTML fragment. The PDF is printed from the same
HTML by WeasyPrint, imported only when a PDF is asked for.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, timezone

from markupsafe import Markup

from ..dates import format_date
from ..i18n import _
from ..templating import template_environment
from . import charts
from .indicators import ALL, INDICATORS, compute
from .rounds import OUTSIDE, latest_round, previous_round, round_data, round_label, round_names

__all__ = ["FORMATS", "PdfUnavailable", "build", "figures_of", "file_name", "fragment",
           "fragment_context", "freeze_rounds", "round_label", "rounds_of", "sections",
           "to_html", "to_json_data", "to_pdf", "to_xlsx"]

FORMATS = ("html", "pdf", "json", "xlsx")
HIDDEN = _("moins de 3 personnes")
# In a table cell, where the report's first lines say what it means.
MASKED = _("masqué")
BY_KEY = {indicator.key: indicator for indicator in INDICATORS}


class PdfUnavailable(RuntimeError):
    """WeasyPrint or the system libraries it needs (Pango) cannot be loaded."""


def file_name(report: dict, fmt: str) -> str:
    """``bilan-Ete-2026.pdf``: the round's name in plain ASCII, safe in a header or a path."""
    import unicodedata

    plain = unicodedata.normalize("NFKD", report["cohort"] or "hors session")
    plain = plain.encode("ascii", "ignore").decode()
    part = "".join(c if c.isalnum() or c in "-_." else "-" for c in plain).strip("-.")
    return f"bilan-{part or 'session'}.{fmt}"


def rounds_of(repo) -> list[str]:
    return round_names(repo.cohorts.all(), repo.enrollments.all())


def figures_of(repo, name: str, today: date | None = None,
               keys: Collection[str] | None = None) -> tuple[list[dict], str | None]:
    """A round's figures (all, or those of ``keys``) and when they were frozen: the
    snapshot if there is one."""
    review = repo.round_reports.review(name)
    if review.get("figures") is not None:
        return [f for f in review["figures"] if keys is None or f["key"] in keys], \
            review.get("frozen_at")
    return compute(round_data(repo, name, today), keys), None


def build(repo, name: str | None = None, today: date | None = None, *,
          keys: Collection[str] | None = None, compare: bool = True) -> dict:
    """The report of round ``name`` (default: the latest round). ``keys`` limits it to
    some indicators and ``compare=False`` leaves the previous round out (the dashboard
    shows four indicators: it computes those only)."""
    names = rounds_of(repo)
    if name is None:
        name = latest_round(names)
    if name not in names and name != OUTSIDE:
        raise KeyError(name)
    figures, frozen_at = figures_of(repo, name, today, keys)
    previous = previous_round(names, name) if compare else None
    review = repo.round_reports.review(name)
    return {
        "cohort": name or None, "label": round_label(name),
        "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "frozen_at": frozen_at, "indicators": figures,
        "previous": None if previous is None else {
            "cohort": previous, "label": round_label(previous),
            "indicators": figures_of(repo, previous, today, keys)[0]},
        "lessons": [text for text in review.get("lessons", ()) if text],
        "decisions": [text for text in review.get("decisions", ()) if text],
    }


def freeze_rounds(repo, names: set[str], today: date | None = None) -> int:
    """Freeze the figures of each of these rounds not frozen yet; return how many."""
    return sum(repo.round_reports.freeze(name, compute(round_data(repo, name, today)))
               for name in sorted(names))


# --------------------------------------------------------------------------- shown figures

def _format(value, column) -> str:
    if value is None:
        return MASKED
    return charts.format_number(value, column.decimals, "" if column.unit == "j" else column.unit) \
        + (" j" if column.unit == "j" else "")


def _previous_value(report: dict, key: str, label: str, column: str):
    """The same figure in the previous round, or ``…`` when it has no such row."""
    if not report.get("previous"):
        return None, False
    for indicator in report["previous"]["indicators"]:
        if indicator["key"] == key:
            for row in indicator["rows"]:
                if row["label"] == label and column in row["values"]:
                    return row["values"][column], True
    return None, False


def sections(report: dict) -> list[dict]:
    """Each indicator ready to show: definition, columns, formatted rows, chart."""
    shown = []
    for figures in report["indicators"]:
        indicator = BY_KEY.get(figures["key"])
        if indicator is None:  # a snapshot from a version that had another indicator
            continue
        columns = list(indicator.columns)
        rows = []
        for row in figures["rows"]:
            cells = [_format(row["values"][c.key], c) if c.key in row["values"] else "—"
                     for c in columns]
            if report.get("previous") and indicator.chart:
                value, known = _previous_value(report, indicator.key, row["label"],
                                               indicator.chart)
                chart_column = next(c for c in columns if c.key == indicator.chart)
                cells.append(_format(value, chart_column) if known else "—")
            rows.append({"label": row["label"], "cells": cells})
        headers = [c.label for c in columns]
        if report.get("previous") and indicator.chart:
            chart_column = next(c for c in columns if c.key == indicator.chart)
            headers.append(_("%(column)s, session précédente") % {"column": chart_column.label})
        chart = None
        if indicator.chart:
            column = next(c for c in columns if c.key == indicator.chart)
            chart = charts.bar_chart(
                figures["title"], [(row["label"], row["values"].get(indicator.chart))
                                   for row in figures["rows"] if row["label"] != ALL],
                ident=f"bilan-{indicator.key}", maximum=indicator.maximum,
                decimals=column.decimals, unit="%" if column.unit == "%" else "",
                hidden=HIDDEN, with_table=False)
        shown.append({"key": indicator.key, "title": figures["title"],
                      "definition": indicator.definition, "headers": headers, "rows": rows,
                      "chart": chart})
    return shown


def fragment_context(report: dict) -> dict:
    """What ``evaluation/_report.html`` (the report's body) is rendered with; the « Bilan »
    page includes that template, the standalone file renders it through ``fragment``."""
    return {"report": report, "sections": sections(report), "hidden": HIDDEN, "masked": MASKED,
            "format_date": format_date}


def fragment(report: dict) -> Markup:
    """The report's body, as the standalone file (HTML, then PDF) shows it."""
    template = template_environment().get_template("evaluation/_report.html")
    return Markup(template.render(**fragment_context(report)))


def to_html(report: dict) -> str:
    """A standalone A4 document (the PDF is printed from it)."""
    template = template_environment().get_template("evaluation/report.html")
    return template.render(report=report, body=fragment(report))


def to_json_data(report: dict) -> dict:
    """The report for a script: codes and numbers, ``null`` for a hidden figure."""
    return {**report, "definitions": {i.key: i.definition for i in INDICATORS}}


def to_pdf(report: dict) -> bytes:
    """Print the HTML document to an A4 PDF with WeasyPrint."""
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as error:
        # OSError: the Pango libraries WeasyPrint loads are missing on this machine.
        raise PdfUnavailable(_(
            "Le PDF ne peut pas être produit : WeasyPrint ou les bibliothèques Pango dont il "
            "a besoin sont absents de cette machine (%(error)s). Installez les paquets "
            "libpango-1.0-0 et libpangoft2-1.0-0, ou demandez le format html.")
            % {"error": error}) from None
    return HTML(string=to_html(report)).write_pdf()


def to_xlsx(report: dict) -> bytes:
    """One sheet: indicator, group, measure, this round, previous round (typed, safe cells)."""
    from ..exports.spreadsheet import Table
    from ..exports.workbook import workbook

    headers = [_("Indicateur"), _("Groupe"), _("Mesure"), report["label"]]
    if report.get("previous"):
        headers.append(report["previous"]["label"])
    rows = []
    for figures in report["indicators"]:
        indicator = BY_KEY.get(figures["key"])
        if indicator is None:
            continue
        for row in figures["rows"]:
            for column in indicator.columns:
                if column.key not in row["values"]:
                    continue
                value = row["values"][column.key]
                line = [figures["title"], row["label"], column.label,
                        HIDDEN if value is None else value]
                if report.get("previous"):
                    before, known = _previous_value(report, indicator.key, row["label"],
                                                    column.key)
                    line.append((HIDDEN if before is None else before) if known else None)
                rows.append(line)
    return workbook(Table(headers, rows), _("Bilan"))
