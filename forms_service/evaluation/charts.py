"""Draw the dashboard's charts as inline SVG, on the server.

Pure functions: data in, markup out. A chart is readable without
JavaScript and without CSS: colours and sizes are SVG presentation
attributes (never ``style=``), and every chart is an accessible image
(``role="img"``, ``<title>`` and ``<desc>`` referenced by
``aria-labelledby``) followed by the same figures as a data table in a
``<details>``, so a screen reader or a text browser gets the numbers.

A value of ``None`` is a hidden figure (too few answers, see
``evaluation.suppression``): no bar is drawn and the table says why.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from markupsafe import Markup, escape

from ..i18n import _

__all__ = ["bar_chart", "column_chart", "format_number", "HIDDEN"]

HIDDEN = _("moins de 3 réponses")
# Material's indigo and a grey for the axis; both read on light and dark backgrounds.
BAR_COLOUR = "#3f51b5"
AXIS_COLOUR = "#757575"
TEXT_COLOUR = "currentColor"
FONT = "system-ui, sans-serif"

Item = tuple[str, float | None]


def format_number(value: float | None, decimals: int = 0, unit: str = "") -> str:
    """Write a number the French way (``3,5``, ``1 234``), or the hidden marker."""
    if value is None:
        return HIDDEN
    text = f"{value:,.{decimals}f}".replace(",", "\u202f").replace(".", ",")
    if not unit:
        return text
    return f"{text}\u202f%" if unit == "%" else f"{text}\u00a0{unit}"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "graphique"


def _describe(items: Sequence[Item], fmt: Callable[[float | None], str]) -> str:
    return "\u00a0; ".join(f"{label}\u00a0: {fmt(value)}" for label, value in items)


def _table(ident: str, caption: str, headers: tuple[str, str], items: Sequence[Item],
           fmt: Callable[[float | None], str]) -> str:
    rows = "".join(
        f'<tr><th scope="row">{escape(label)}</th>'
        f'<td class="mentorat-chart-value{" mentorat-hidden-figure" if value is None else ""}">'
        f"{escape(fmt(value))}</td></tr>"
        for label, value in items)
    return (f'<details class="mentorat-chart-data"><summary>{escape(_("Voir les chiffres"))}'
            f'</summary><table id="{ident}-table">'
            f"<caption>{escape(caption)}</caption>"
            f'<thead><tr><th scope="col">{escape(headers[0])}</th>'
            f'<th scope="col">{escape(headers[1])}</th></tr></thead>'
            f"<tbody>{rows}</tbody></table></details>")


def _figure(ident: str, title: str, description: str, svg_body: str, width: int, height: int,
            table: str) -> Markup:
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" class="mentorat-chart" role="img" '
           f'aria-labelledby="{ident}-title {ident}-desc" viewBox="0 0 {width} {height}" '
           f'width="{width}" height="{height}" font-family="{FONT}" '
           f'font-size="13" fill="{TEXT_COLOUR}">'
           f'<title id="{ident}-title">{escape(title)}</title>'
           f'<desc id="{ident}-desc">{escape(description)}</desc>{svg_body}</svg>')
    caption = f"<figcaption>{escape(title)}</figcaption>"
    return Markup(f'<figure class="mentorat-figure" id="{ident}">{caption}{svg}{table}</figure>')


def bar_chart(title: str, items: Sequence[Item], *, ident: str | None = None,
              maximum: float | None = None, decimals: int = 0, unit: str = "",
              headers: tuple[str, str] | None = None, hidden: str = HIDDEN,
              with_table: bool = True) -> Markup:
    """Draw horizontal bars, one per ``(label, value)``, labels on the left.

    ``maximum`` fixes the scale (5 for a 1–5 rating, 100 for a share);
    otherwise the largest value fills the width. ``hidden`` says why a value
    is missing; without ``with_table`` the caller shows the figures itself.
    """
    ident = ident or _slug(title)

    def fmt(value: float | None) -> str:
        return hidden if value is None else format_number(value, decimals, unit)

    label_width, bar_width, row, top = 300, 300, 26, 8
    width, height = label_width + bar_width + 130, top * 2 + row * max(len(items), 1)
    scale = maximum or max((v for _label, v in items if v is not None), default=0) or 1
    parts = [f'<line x1="{label_width}" y1="{top}" x2="{label_width}" y2="{height - top}" '
             f'stroke="{AXIS_COLOUR}" stroke-width="1"/>']
    for index, (label, value) in enumerate(items):
        y = top + index * row
        parts.append(f'<text x="{label_width - 8}" y="{y + 17}" text-anchor="end">'
                     f"{escape(_shorten(label, 42))}</text>")
        if value is None:
            parts.append(f'<text x="{label_width + 8}" y="{y + 17}" font-style="italic" '
                         f'fill="{AXIS_COLOUR}">{escape(hidden)}</text>')
            continue
        length = round(bar_width * max(value, 0) / scale, 1)
        parts.append(f'<rect x="{label_width}" y="{y + 4}" width="{length}" height="{row - 8}" '
                     f'fill="{BAR_COLOUR}"/>')
        parts.append(f'<text x="{label_width + length + 6}" y="{y + 17}">'
                     f"{escape(fmt(value))}</text>")
    table = _table(ident, title, headers or (_("Catégorie"), _("Valeur")), items, fmt) \
        if with_table else ""
    return _figure(ident, title, _describe(items, fmt) or _("aucune donnée"), "".join(parts),
                   width, height, table)


def column_chart(title: str, items: Sequence[Item], *, ident: str | None = None,
                 decimals: int = 0, unit: str = "",
                 headers: tuple[str, str] | None = None) -> Markup:
    """Draw vertical columns in order (a time series such as months), labels below."""
    ident = ident or _slug(title)
    fmt = lambda value: format_number(value, decimals, unit)  # noqa: E731 - one-line formatter
    column, gap, top, bottom, plot = 36, 14, 22, 40, 160
    width = max(gap + len(items) * (column + gap), 200)
    height = top + plot + bottom
    scale = max((v for _label, v in items if v is not None), default=0) or 1
    base = top + plot
    parts = [f'<line x1="0" y1="{base}" x2="{width}" y2="{base}" stroke="{AXIS_COLOUR}" '
             f'stroke-width="1"/>']
    for index, (label, value) in enumerate(items):
        x = gap + index * (column + gap)
        centre = x + column / 2
        # Two lines under the column ("nov." over "2026"): a column is narrow.
        lines = "".join(f'<tspan x="{centre}" dy="{0 if n == 0 else 13}">{escape(word)}</tspan>'
                        for n, word in enumerate(label.split(" ", 1)))
        parts.append(f'<text x="{centre}" y="{base + 15}" text-anchor="middle" '
                     f'font-size="11">{lines}</text>')
        if value is None:
            parts.append(f'<text x="{centre}" y="{base - 6}" text-anchor="middle" '
                         f'fill="{AXIS_COLOUR}">–</text>')
            continue
        length = round(plot * max(value, 0) / scale, 1)
        parts.append(f'<rect x="{x}" y="{round(base - length, 1)}" width="{column}" '
                     f'height="{length}" fill="{BAR_COLOUR}"/>')
        parts.append(f'<text x="{centre}" y="{round(base - length - 5, 1)}" '
                     f'text-anchor="middle" font-size="11">{escape(fmt(value))}</text>')
    table = _table(ident, title, headers or (_("Période"), _("Valeur")), items, fmt)
    return _figure(ident, title, _describe(items, fmt) or _("aucune donnée"), "".join(parts),
                   width, height, table)


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
