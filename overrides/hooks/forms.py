"""MkDocs hook: put the programme's forms into the pages that ask for them.

A coordinator writes one line in a page, ``<!-- formulaire: inscription -->``
(or ``retour``); this hook replaces it with the form rendered from the
service's WTForms classes, so labels, limits and choices are written once.
An unknown form name, or a wrong ``programme.yml``, fails the build.

The build also writes ``mentorat-formulaires.json`` at the site's root:
which pages hold which forms. The service answers exactly those pages
itself (each form with its own signed render time); a marker on a page the
service keeps for something else fails the build.
"""

from __future__ import annotations

import json
import os
import re

from mkdocs.exceptions import PluginError

from forms_service.forms.render import blank_form, render_form
from forms_service.programme import ProgrammeError, configured_programme
from forms_service.vocabulary import FORM_NAMES as PAGE_NAMES
from forms_service.web.static_site import FORM_MANIFEST, RESERVED_PAGES

MARKER = re.compile(r"<!--\s*formulaire\s*:\s*([^\s>]*)\s*-->")
FENCE = re.compile(r"^(```|~~~).*?^\1", re.S | re.M)
_programme = None
_form_pages: dict[str, list[str]] = {}


def on_config(config):
    global _programme
    _form_pages.clear()
    try:
        _programme = configured_programme()
    except ProgrammeError as error:
        raise PluginError(str(error)) from None
    return config


def _markers(markdown: str) -> list[str]:
    # A marker shown as an example inside a code block is not a form.
    return MARKER.findall(FENCE.sub("", markdown))


# The service answers these addresses itself (``FLASK_PATHS``): a page of the guide there
# would never be seen (the coordination's area, the API, the health check).
SERVICE_ONLY = ("api/", "coordination/", "healthz")


def on_files(files, config):
    for file in files.documentation_pages():
        if file.url.startswith(SERVICE_ONLY):
            raise PluginError(
                f"{file.src_uri} : l'adresse /{file.url} appartient au service (espace de "
                "coordination, API), qui la sert à la place de la page ; renommez le dossier.")
    return files


def on_page_markdown(markdown, page, config, files):
    names = _markers(markdown)
    for name in names:
        if name not in PAGE_NAMES:
            raise PluginError(
                f"{page.file.src_uri} : formulaire inconnu « {name} » "
                f"(formulaires disponibles : {', '.join(sorted(PAGE_NAMES))}).")
    if len(set(names)) < len(names):
        raise PluginError(f"{page.file.src_uri} : un même formulaire ne peut figurer qu'une fois "
                          "par page.")
    if names:
        url = page.file.url
        if not (url == "" or url.endswith("/")) or url.startswith(RESERVED_PAGES):
            raise PluginError(
                f"{page.file.src_uri} : le service ne peut pas servir un formulaire sur cette "
                f"page ({url or 'accueil'}) ; placez-le dans une autre page du guide.")
        page.meta["formulaires"] = [PAGE_NAMES[n] for n in names]
        _form_pages[url] = list(page.meta["formulaires"])
    return markdown


def on_post_build(config):
    # The service reads this to know which pages it answers itself.
    path = os.path.join(config.site_dir, FORM_MANIFEST)
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(dict(sorted(_form_pages.items())), handle, ensure_ascii=False, indent=1)


def _action(key: str) -> str:
    # In `make preview` the pages come from mkdocs serve; the forms still post
    # to the local service, whose address the Makefile passes here.
    base = os.environ.get("MENTORAT_FORMS_URL", "").rstrip("/")
    return f"{base}/api/formulaires/{key}"


def on_page_content(html, page, config, files):
    if not page.meta.get("formulaires"):
        return html

    def form(match: re.Match) -> str:
        key = PAGE_NAMES[match.group(1)]
        return render_form(blank_form(key, _programme), action=_action(key))

    # Markers in code blocks were escaped by Markdown (&lt;!--), so only real
    # comments match here.
    return MARKER.sub(form, html)
