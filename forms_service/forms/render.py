"""Render a public form to HTML, at build time and at request time.

One Jinja template per form family, no app context needed: the MkDocs hook
calls ``render_form`` to put the form into the page, and the service calls
it again to show a post's errors next to the fields, answers kept.
"""

from __future__ import annotations

import re

from wtforms import BooleanField, HiddenField, RadioField, SelectField, SelectMultipleField

from ..programme import Programme
from ..templating import template_environment
from ..vocabulary import ROLE_MEANINGS, TRACKS
from .definitions import FORMS, ROLE_REQUIRED, PublicForm
from .fields import HONEYPOT, RENDER_TOKEN

__all__ = ["render_form", "replace_form_region", "placeholder",
           "blank_form", "refused_page", "ERROR_TITLE"]


def placeholder(key: str) -> str:
    """What stands for a form's signed render time in the built page, until Flask serves it."""
    return f"__MENTORAT_RENDU_{key}__"



_env = template_environment()


def _kind(field) -> str:
    if isinstance(field, SelectMultipleField):
        return "checkboxes"
    if isinstance(field, RadioField):
        return "radio"
    if isinstance(field, SelectField):
        return "select"
    if isinstance(field, BooleanField):
        return "boolean"
    if isinstance(field, HiddenField):
        return "hidden"
    return "input"


def _required(field) -> bool:
    return any(getattr(v, "field_flags", {}).get("required") for v in field.validators)


def _role_required(field) -> dict | None:
    """For a question one role must answer (``ROLE_REQUIRED``): the roles (as the form's
    script reads them), the mark shown while no such role is chosen, and whether the
    chosen role must answer it now. ``None`` for any other field."""
    form = getattr(field, "_form", None)
    entry = ROLE_REQUIRED.get(field.name)
    if entry is None or not hasattr(form, "required_for_role"):
        return None
    roles, mark = entry
    return {"roles": " ".join(sorted(roles)), "mark": mark,
            "applies": form.required_for_role(field)}


def _now_required(field) -> dict:
    """``required`` for the controls of a question the chosen role must answer."""
    by_role = _role_required(field)
    return {"required": True} if by_role and by_role["applies"] else {}


def _merge(*parts: dict) -> dict:
    merged: dict = {}
    for part in parts:
        merged.update(part)
    return merged


# Each role option, with what it means in each track: [(track, track label, meaning)].
ROLE_HINTS = {role: [(track, label, meanings[track]) for track, label in TRACKS]
              for role, meanings in ROLE_MEANINGS.items()}

_env.globals.update(kind=_kind, required=_required, role_required=_role_required, merge=_merge,
                    now_required=_now_required, HONEYPOT=HONEYPOT, RENDER_TOKEN=RENDER_TOKEN,
                    role_hints=ROLE_HINTS)


def render_form(form: PublicForm, *, action: str, token: str | None = None,
                submit_label: str | None = None, hidden: dict | None = None) -> str:
    """Return the form's HTML, wrapped in markers the service can find again.

    Without ``token`` (the build), the form carries its placeholder instead.
    ``hidden`` adds hidden fields (the participant's link on a correction).
    """
    html = _env.get_template(f"forms/{form.key}.html").render(
        form=form, action=action, token=placeholder(form.key) if token is None else token,
        submit_label=submit_label, hidden=hidden or {})
    return f"<!-- formulaire:{form.key}:debut -->\n{html}\n<!-- formulaire:{form.key}:fin -->"


def blank_form(key: str, programme: Programme) -> PublicForm:
    return FORMS[key](programme=programme)


def _region(key: str) -> re.Pattern:
    return re.compile(rf"<!-- formulaire:{key}:debut -->.*?<!-- formulaire:{key}:fin -->", re.S)


def replace_form_region(page: str, key: str, html: str) -> str:
    """Return the page with the form's region replaced by ``html``."""
    return _region(key).sub(lambda _m: html, page, count=1)


ERROR_TITLE = "Erreur\u00a0: "  # a refused page's title starts with it (RGAA 11.10, 8.6)


def _summary(key: str) -> re.Pattern:
    # The summary holds a paragraph and a list, never a nested <div>.
    return re.compile(rf'<div class="mentorat-summary" id="{key}-resume".*?</div>', re.S)


def refused_page(page: str, key: str) -> str:
    """A page whose form was refused, as a browser without JavaScript gets it.

    Its title starts with « Erreur : », and the form's error summary leaves the
    form for the top of the content, right under the page's heading, where
    ``autofocus`` puts the focus: the first thing read, and one Tab from the
    first wrong field (its links lead there). The forms' script finds it by
    its id (``<key>-resume``) if it runs on this page later.
    """
    page = page.replace("<title>", "<title>" + ERROR_TITLE, 1)
    found = _summary(key).search(page)
    if found is None:
        return page
    summary = found.group(0).replace(' tabindex="-1"', ' tabindex="-1" autofocus', 1)
    page = page[:found.start()] + page[found.end():]
    heading_end = page.find("</h1>")
    if heading_end == -1:
        start = page.find('<article class="md-content__inner md-typeset">')
        if start == -1:
            return page
        at = page.index(">", start) + 1
    else:
        at = heading_end + len("</h1>")
    return page[:at] + "\n" + summary + page[at:]
