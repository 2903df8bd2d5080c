"""The fields the public forms are made of: French limits, checks and messages.

Shared by ``forms.definitions`` (the enrollment, feedback and closing forms):
a text field trimmed, cleaned and limited, an address field, radio buttons and
check boxes with French errors, a 1-to-5 level. No form here, no Flask.
"""

from __future__ import annotations

import re

from wtforms import (
    EmailField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    ValidationError,
    validators,
    widgets,
)

from ..i18n import _
from ..text import clean_multiline, clean_text, is_address, looks_encoded
from ..vocabulary import LEVELS, MENTORING_SKILLS, OTHER_SKILL, SENSITIVE_HINTS

NAME_MAX, EMAIL_MAX, SHORT_MAX, GOAL_MAX, LONG_MAX = 120, 254, 120, 300, 2000
PRESENTATION_MAX = 400
HONEYPOT = "url_complementaire"  # bots fill it; people never see it
RENDER_TOKEN = "rendu"  # signed render time, injected when Flask answers the page

OTHER = (OTHER_SKILL, _("Autre (précisez)"))

REQUIRED = _("Ce champ est obligatoire.")
CHOOSE_ONE = _("Choisissez une réponse.")
CHOOSE_SOME = _("Cochez au moins une case.")


INVALID_CHOICE = _("Choisissez une des réponses proposées.")

def options(pairs) -> list[SelectChoice]:
    """Turn (value, label) pairs into WTForms choices."""
    return [SelectChoice(value, label) for value, label in pairs]


def _too_long(limit: int) -> str:
    return _("%(limit)d caractères au maximum.") % {"limit": limit}


def text_field(label, limit, required=True, description="", multiline=False, render_kw=None,
               checks=(), free=False):
    """A trimmed, cleaned text field with a French length limit (and ``checks`` after).

    ``free`` marks free text (goals, comments): its help says to keep health and other
    sensitive data out (``SENSITIVE_HINTS``)."""
    if free:
        description = f"{description} {SENSITIVE_HINTS['participant']}".strip()
    checks = [validators.InputRequired(REQUIRED) if required else validators.Optional(),
              validators.Length(max=limit, message=_too_long(limit)), plain_text, *checks]
    field = TextAreaField if multiline else StringField
    return field(label, checks, filters=[clean_multiline if multiline else clean_text],
                 description=description, render_kw={"maxlength": limit, **(render_kw or {})})


# What a name never holds: a web address or an e-mail address (a name reaches the
# programme's own messages, so it must not carry a link someone else could follow).
LINK_IN_NAME = re.compile(
    r"@|://|\bwww\.|\b[\w-]+\.[a-z]{2,}/"  # an address, a scheme, a host with a path
    r"|\b[\w-]+\.(?:fr|com|net|org|eu|info|io|co|me|ly|app|xyz|online|site|link|biz)\b",
    re.I)


def person_name(form, field):
    """Refuse a name that holds a web or e-mail address."""
    if field.data and LINK_IN_NAME.search(field.data):
        raise validators.StopValidation(_("Indiquez seulement un prénom et un nom, sans adresse "
                                          "web ni adresse électronique."))


INVALID_EMAIL = _("Saisissez une adresse électronique valide, par exemple "
                  "prenom.nom@exemple.fr.")


def plain_address(form, field):
    """Refuse what a mail header could misread: only one plain ASCII address passes."""
    if field.data and not is_address(field.data):
        raise validators.StopValidation(INVALID_EMAIL)


def plain_text(form, field):
    """Refuse encoded-word sequences (``=?utf-8?q?…?=``): text, never header syntax."""
    if field.data and looks_encoded(field.data):
        raise validators.StopValidation(_("Ces caractères ne sont pas acceptés : « =? » "
                                          "suivi de « ?= »."))


def email_field(label, required=True, description="", autocomplete="email"):
    """An address field; ``autocomplete="email"`` is one's own address, so any other
    person's address (a manager's) says ``off``: autofill must not put one's own there."""
    checks = [validators.InputRequired(REQUIRED) if required else validators.Optional(),
              validators.Length(max=EMAIL_MAX, message=_too_long(EMAIL_MAX)),
              plain_address,
              validators.Email(INVALID_EMAIL, check_deliverability=False)]
    return EmailField(label, checks, filters=[clean_text, lambda v: v.lower() if v else v],
                      description=description, render_kw={"maxlength": EMAIL_MAX,
                                                          "autocomplete": autocomplete})


class CheckboxesField(SelectMultipleField):
    """Several choices shown as check boxes, keeping the submitted order out."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()

    def pre_validate(self, form):
        # Unknown values get a French message instead of WTForms' English one.
        known = {choice.value for choice in self.choices}
        if any(value not in known for value in self.data or ()):
            raise ValidationError(_("Une des réponses cochées n’est pas proposée."))


class CountField(IntegerField):
    """A small whole number: a long string of digits is refused before any arithmetic."""

    def process_formdata(self, valuelist):
        if valuelist and len(str(valuelist[0]).strip()) > 6:
            self.data = None  # NumberRange then says what is expected, once
            return
        super().process_formdata(valuelist)


class Radio(RadioField):
    """Radio buttons whose absence of answer is left to the required rule."""

    def pre_validate(self, form):
        if self.raw_data:  # nothing chosen is "required"'s business, not "invalid"
            super().pre_validate(form)


def radio_field(label, choices, required=True, description="", coerce=str):
    checks = [validators.InputRequired(CHOOSE_ONE)] if required else []
    return Radio(label, checks, choices=options(choices), description=description,
                      coerce=coerce, invalid_choice_message=INVALID_CHOICE,
                      invalid_value_message=INVALID_CHOICE)


# Where one stands, 1 to 5, always optional: asked at enrollment and at two checkpoints.
LEVEL_HELP = _("Facultatif. De 1 (je débute) à 5 (je maîtrise) : un repère pour mesurer le "
               "chemin parcouru, pas une note.")
INVALID_LEVEL = _("Choisissez un niveau de 1 à 5.")


def level_field(label, description=LEVEL_HELP):
    return Radio(label, [], choices=options(LEVELS), description=description, coerce=int,
                 invalid_choice_message=INVALID_LEVEL, invalid_value_message=INVALID_LEVEL)


def levels_of(data: dict, names: dict) -> dict:
    """Pop the rating fields ``names`` (field -> key) out of ``data``: {key: value} for those
    answered."""
    levels = {key: data.pop(name, None) for name, key in names.items()}
    return {key: value for key, value in levels.items() if value is not None}


GOAL_LEVELS = {f"level_goal_{n}": n for n in (1, 2, 3)}
SKILL_LEVELS = {f"level_{key}": key for key, _label in MENTORING_SKILLS}


def select_field(label, description=""):
    return SelectField(label, [validators.InputRequired(CHOOSE_ONE)], choices=[],
                       description=description, invalid_choice_message=INVALID_CHOICE)
