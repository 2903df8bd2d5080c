"""MkDocs hook: put the programme's contacts and configured values into pages.

A coordinator writes ``<!-- contact: coordination -->`` (or ``dpo``,
``outils.visio``…) where a contact belongs, and ``<!-- programme: CLE -->``
where any other value of ``programme.yml`` does: the checkpoints
(``points_etape`` → « 1, 3 et 6 mois », ``points_etape.2`` → « 3e mois »), a
delay (``relances.silence_jours`` → « 30 jours »), a retention period
(``conservation.inscriptions_jours``), the notice's version, the capacities
and rhythms of the enrollment form (``forms_service.programme_text`` words
them). This hook replaces the marker with the value set once. An unknown or
empty key fails the build, naming the page and the key. The "not found" page
gets the same treatment, and so does a page's description (front matter), so no
page types an address or a number by hand.

The privacy notice's retention table comes from the registry of what the
service stores (``hooks/registry.py``).
"""

from __future__ import annotations

import re
from html import escape

from mkdocs.exceptions import PluginError

from forms_service.programme import ProgrammeError, configured_programme
from forms_service.programme_text import MARKER, OPTIONAL_CONTACTS, PROGRAMME_KEYS, marker_value

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


def _known(kind: str) -> list[str]:
    if kind == "programme":
        return [*(k for k in PROGRAMME_KEYS if not k.endswith(".CLE")),
                *(f"relances.{k}" for k in _programme.followup),
                *(f"conservation.{k}" for k in _programme.retention)]
    return sorted(_programme.contacts)


def _value(kind: str, key: str) -> str | None:
    return marker_value(_programme, kind, key)


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
            known = _known(kind)
            raise PluginError(
                f"{where} : {kind} « {key} » absent ou vide dans programme.yml "
                f"(clés renseignées : {', '.join(known) or 'aucune'}).")


def replace(html: str) -> str:
    """Replace every marker left in rendered HTML (those in code were escaped)."""
    def value(match: re.Match) -> str:
        kind, key = match.groups()
        text = _value(kind, key)
        is_contact = kind == "contact" or key in OPTIONAL_CONTACTS
        return contact_html(text) if is_contact else escape(text)

    return MARKER.sub(value, html)


def on_page_markdown(markdown, page, config, files):
    check(markdown, page.file.src_uri)
    # The description (front matter) becomes a <meta> attribute: plain text, which the
    # theme escapes. (Quote it in the front matter: « : » inside a marker is YAML's too.)
    description = page.meta.get("description")
    if isinstance(description, str) and MARKER.search(description):
        check(description, f"{page.file.src_uri} (description)")
        page.meta["description"] = MARKER.sub(lambda m: _value(*m.groups()), description)
    return markdown


def on_page_content(html, page, config, files):
    return replace(html)


def on_post_template(output, template_name, config):
    check(output, template_name)
    return replace(output)
