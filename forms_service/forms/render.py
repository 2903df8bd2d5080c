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
from .definitions import FORMS, HONEYPOT, RENDER_TOKEN, PublicForm

__all__ = ["render_form", "replace_form_region", "placeholder",
           "blank_form"]


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


# Each role option, with what it means in each track: [(track, track label, meaning)].
ROLE_HINTS = {role: [(track, label, meanings[track]) for track, label in TRACKS]
              for role, meanings in ROLE_MEANINGS.items()}

_env.globals.update(kind=_kind, required=_required, HONEYPOT=HONEYPOT, RENDER_TOKEN=RENDER_TOKEN,
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
