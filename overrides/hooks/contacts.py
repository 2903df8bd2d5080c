"""MkDocs hook: put the programme's contacts and retention periods into pages.

A coordinator writes ``<!-- contact: coordination -->`` (or ``dpo``,
``outils.visio``…) where a contact belongs, and ``<!-- conservation:
inscriptions_jours -->`` where a retention period does; this hook replaces
the marker with the value set once in ``programme.yml``. An unknown or empty
key fails the build, naming the page and the key. The "not found" page gets
the same treatment, so no page types an address by hand.
"""

from __future__ import annotations

import re
from html import escape

from mkdocs.exceptions import PluginError

from forms_service.programme import ProgrammeError, configured_programme

MARKER = re.compile(r"<!--\s*(contact|conservation|relances)\s*:\s*([^\s>]*)\s*-->")
FENCE = re.compile(r"^(```|~~~).*?^\1", re.S | re.M)
INLINE_CODE = re.compile(r"`[^`\n]*`")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
URL = re.compile(r"https?://\S+")
_programme = None


def on_config(config):
    global _programme
    try:
        _programme = configured_programme()
    except ProgrammeError as error:
        raise PluginError(str(error)) from None
    return config


def _table(kind: str) -> dict:
    return {"contact": _programme.contacts, "conservation": _programme.retention,
            "relances": _programme.followup}[kind]


def _value(kind: str, key: str) -> str | None:
    table = _table(kind)
    value = table.get(key)
    return str(value).strip() if value is not None and str(value).strip() else None


def contact_html(value: str) -> str:
    """Return the value as HTML: addresses become mailto links, a URL a link."""
    if URL.fullmatch(value):
        return f'<a href="{escape(value)}">{escape(value)}</a>'
    parts = []
    last = 0
    for match in EMAIL.finditer(value):
        parts.append(escape(value[last:match.start()]))
        address = escape(match.group())
        parts.append(f'<a href="mailto:{address}">{address}</a>')
        last = match.end()
    parts.append(escape(value[last:]))
    return "".join(parts)


def check(source: str, where: str) -> None:
    """Fail on a marker whose key is unknown or empty (markers in code are examples)."""
    text = INLINE_CODE.sub("", FENCE.sub("", source))
    for kind, key in MARKER.findall(text):
        if _value(kind, key) is None:
            known = _table(kind)
            raise PluginError(
                f"{where} : {kind} « {key} » absent ou vide dans programme.yml "
                f"(clés renseignées : {', '.join(sorted(known)) or 'aucune'}).")


def replace(html: str) -> str:
    """Replace every marker left in rendered HTML (those in code were escaped)."""
    def value(match: re.Match) -> str:
        kind, key = match.groups()
        text = _value(kind, key)
        return contact_html(text) if kind == "contact" else escape(text)

    return MARKER.sub(value, html)


def on_page_markdown(markdown, page, config, files):
    check(markdown, page.file.src_uri)
    return markdown


def on_page_content(html, page, config, files):
    return replace(html)


def on_post_template(output, template_name, config):
    check(output, template_name)
    return replace(output)
