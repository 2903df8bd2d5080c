"""The public forms, defined once: enrollment, feedback and the closing questionnaire.

These plain ``wtforms.Form`` classes carry no session, so the MkDocs build
can render them (no app context) and the service validates posts with the
very same fields, labels, limits and choices. Lists that differ per
organisation come from ``programme.yml`` at construction.
"""

from __future__ import annotations

import functools

from wtforms import (
    BooleanField,
    Form,
    HiddenField,
    SelectChoice,
    StringField,
    ValidationError,
    validators,
)
from wtforms.fields.core import Label

from ..i18n import _
from ..programme import Programme
from ..text import clean_text
from ..vocabulary import (
    CAPACITIES,
    DEPARTMENT_PREFERENCES,
    EXPERIENCE,
    FEEDBACK_ROLES,
    FORMATS,
    MENTEE_ROLES,
    MENTOR_ROLES,
    OTHER_SKILL,
    RHYTHM_CHOICES,
    ROLES,
    SLOTS,
    TRACKS,
)
from .fields import (
    CHOOSE_ONE,
    CHOOSE_SOME,
    GOAL_LEVELS,
    GOAL_MAX,
    HONEYPOT,
    LONG_MAX,
    NAME_MAX,
    OTHER,
    PRESENTATION_MAX,
    RENDER_TOKEN,
    SHORT_MAX,
    SKILL_LEVELS,
    CheckboxesField,
    CountField,
    email_field,
    level_field,
    levels_of,
    options,
    person_name,
    radio_field,
    select_field,
    text_field,
)

__all__ = [
    "FORMS",
    "HONEYPOT",
    "RENDER_TOKEN",
    "ROLE_REQUIRED",
    "ClosingForm",
    "EnrollmentForm",
    "FeedbackForm",
]

# The enrollment questions one role must answer: field -> (the roles that must, the mark
# shown while no role is chosen). The check_<field> rules below refuse them empty for
# those roles; the form marks them « (obligatoire) » once such a role is chosen.
FOR_MENTOR = _("(obligatoire pour un mentor)")
FOR_MENTEE = _("(obligatoire pour une personne mentorée)")
ROLE_REQUIRED = {
    "capacity": (MENTOR_ROLES, FOR_MENTOR),
    "skills_offered": (MENTOR_ROLES, FOR_MENTOR),
    "skills_sought": (MENTEE_ROLES, FOR_MENTEE),
    "goal_1": (MENTEE_ROLES, FOR_MENTEE),
    "department_preference": (MENTEE_ROLES, FOR_MENTEE),
}


# (unbound field, name, prefix) -> the field bound once, copied by PublicForm.Meta.bind_field.
_BOUND: dict = {}


class PublicForm(Form):
    """Shared by the public forms: French messages, anti-bot fields."""

    key = "form"  # the name in `/api/formulaires/<key>`

    class Meta:
        locales = ("fr_FR", "fr")
        cache = True

        def bind_field(self, form, unbound_field, options):
            """Copy a field bound once per process instead of building it anew.

            Building runs each field's constructor (label, flags, validators,
            choices): a third of the time a post takes. What a request changes
            (data, errors, choices, ids, descriptions) is assigned on the copy,
            never mutated in place, so a shallow copy is enough.
            """
            key = (unbound_field, options["name"], options.get("prefix", ""))
            bound = _BOUND.get(key)
            if bound is None:
                bound = _BOUND[key] = unbound_field.bind(form=form, **options)
                bound._form = None  # the first form holds someone's answers: not kept
            # Not copy.copy: a Field built without a form is an UnboundField.
            field = object.__new__(type(bound))
            field.__dict__.update(bound.__dict__, _form=form, meta=form.meta)
            return field

    # Left empty by people (hidden from them and from assistive technology).
    url_complementaire = StringField(_("Ne pas remplir ce champ"), filters=[clean_text])
    rendu = HiddenField()

    _checked: frozenset = frozenset()  # fields with a check_<field> rule, found once per class

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls._checked = frozenset(name.removeprefix("check_") for name in dir(cls)
                                 if name.startswith("check_"))

    def __init__(self, formdata=None, *, programme: Programme, **kwargs):
        super().__init__(formdata, **kwargs)
        self.programme = programme
        self.set_choices(programme)
        for field in self:
            # Ids carry the form's name so two forms can share a page.
            field.id = f"{self.key}-{field.name}"

    def set_choices(self, programme: Programme) -> None:
        """Fill the choice lists that come from ``programme.yml``."""

    def validate(self, extra_validators=None) -> bool:
        """Validate fields, then the rules that depend on other answers.

        Those rules live in ``check_<field>`` methods: WTForms' inline
        validators would be skipped for optional fields left empty.
        """
        valid = super().validate(extra_validators)
        for field in self:
            if field.name in self._checked and not field.errors:
                try:
                    getattr(self, f"check_{field.name}")(field)
                except ValidationError as error:
                    field.errors = [*field.errors, str(error)]
                    valid = False
        return valid

    @property
    def is_bot(self) -> bool:
        return bool(self.url_complementaire.data)

    def cleaned(self) -> dict:
        """Return the answers to store: only declared fields, no anti-bot ones."""
        skip = {HONEYPOT, RENDER_TOKEN}
        return {name: field.data for name, field in self._fields.items() if name not in skip}


def _domains(programme: Programme) -> str:
    return ", ".join("@" + d for d in programme.email_domains)


@functools.lru_cache(maxsize=64)
def _choices(values: tuple[str, ...]) -> tuple[SelectChoice, ...]:
    """Choices whose label is the value; built once per list (forms only read them)."""
    return tuple(SelectChoice(v, v) for v in values)


class EnrollmentForm(PublicForm):
    """Enroll as mentor, mentee or both, in the classic or reverse track."""

    key = "enrollment"

    # Declared in the order people read them: the error summary follows this order.
    name = text_field(_("Prénom et nom"), NAME_MAX, render_kw={"autocomplete": "name"},
                      checks=[person_name])
    email = email_field(_("Adresse électronique professionnelle"),
                  description=_("Nous vous écrivons à cette adresse, et à elle seule."))
    department = select_field(_("Département"))
    site = select_field(_("Site"))
    job_title = text_field(_("Intitulé de poste"), SHORT_MAX,
                     render_kw={"autocomplete": "organization-title"})
    experience = radio_field(_("Expérience professionnelle"), EXPERIENCE)
    languages = CheckboxesField(_("Langues dans lesquelles vous pouvez échanger"),
                                [validators.InputRequired(CHOOSE_SOME)], choices=[])
    manager_email = email_field(
        _("Adresse électronique de votre responsable (facultatif)"), required=False,
        autocomplete="off",
        description=_("Elle sert uniquement à ne jamais vous associer à votre propre responsable."))
    # The track comes first: what "mentor" means depends on it.
    track = radio_field(_("Parcours"), TRACKS, description=_(
        "En mentorat classique, une personne plus expérimentée accompagne une personne qui "
        "souhaite progresser. En mentorat inversé, c’est l’inverse : le ou la collègue la plus "
        "récente dans le métier est mentor et partage ses usages numériques et ses pratiques "
        "nouvelles avec un ou une collègue plus expérimenté·e. "
        "Chacun·e s’inscrit seul·e : la coordination forme les binômes."))
    role = radio_field(_("Vous vous inscrivez comme"), ROLES, description=_(
        "Si vous souhaitez à la fois accompagner et être accompagné·e, choisissez « Les deux » : "
        "une seule inscription suffit."))
    # Two colleagues who agreed to work together name each other (``matching.preferences``).
    agreed_with = email_field(
        _("Adresse du ou de la collègue avec qui vous avez convenu de travailler (facultatif)"),
        required=False, autocomplete="off", description=_(
            "Ce ou cette collègue ne reçoit aucun message. Votre binôme n’est retenu que si vous "
            "vous nommez l’un·e l’autre, dans le même parcours, l’un·e mentor et l’autre "
            "mentoré·e ; la coordination confirme comme pour tout binôme."))
    # Asked of mentors only (the "mentor" fieldset).
    capacity = radio_field(_("Nombre de personnes que vous pouvez accompagner"),
                     CAPACITIES, required=False, coerce=int)
    skills_offered = CheckboxesField(_("Compétences que vous pouvez partager"), choices=[])
    skills_offered_other = text_field(_("Autre compétence que vous pouvez partager"), SHORT_MAX,
                                      required=False)
    profil_visible = BooleanField(
        _("Montrer un court profil aux personnes mentorées en attente, pour qu’elles puissent "
          "vous choisir"), description=_(
            "Elles voient votre prénom, votre poste, votre département, votre site, vos "
            "compétences et votre présentation ; jamais votre nom complet ni votre adresse. "
            "Vous ne saurez pas qui vous a choisi·e."))
    presentation = text_field(_("Présentation (quelques lignes, si votre profil est visible)"),
                              PRESENTATION_MAX, required=False, multiline=True, free=True)
    # The skills the training pages teach: where the mentor stands today (optional).
    level_listening = level_field(_("Votre niveau aujourd’hui : l’écoute active"), description=_(
        "Facultatif. Où en êtes-vous aujourd’hui sur ces savoir-faire que les pages de formation "
        "travaillent ? De 1 (je débute) à 5 (je maîtrise) : un repère pour vous, que la "
        "coordination voit aussi ; il ne compte pas dans la formation des binômes."))
    level_questions = level_field(_("Votre niveau aujourd’hui : les questions ouvertes"), description="")
    level_feedback = level_field(_("Votre niveau aujourd’hui : les retours"), description="")
    level_goals = level_field(_("Votre niveau aujourd’hui : la définition d’objectifs"), description="")
    # Asked of mentees only (the "mentee" fieldset).
    skills_sought = CheckboxesField(_("Compétences que vous souhaitez développer"), choices=[])
    skills_sought_other = text_field(_("Autre compétence souhaitée"), SHORT_MAX, required=False)
    # Any wording is accepted: the goal is made SMART with the mentor at the first meeting.
    goal_1 = text_field(_("Objectif 1"), GOAL_MAX, required=False, description=_(
        "Un objectif provisoire suffit, par exemple « être plus à l’aise en réunion » : vous "
        "le rendrez SMART (spécifique, mesurable, atteignable, réaliste et daté) avec votre "
        "mentor au premier rendez-vous, par exemple « animer seul·e une réunion d’équipe de "
        "30 minutes d’ici mars »."),
        free=True)
    # Each goal is followed by where the mentee stands on it today (optional).
    level_goal_1 = level_field(_("Où en êtes-vous aujourd’hui sur l’objectif 1 ?"))
    # Goals 2 and 3 sit right under goal 1, whose help says what to keep out of all three.
    goal_2 = text_field(_("Objectif 2 (facultatif)"), GOAL_MAX, required=False)
    level_goal_2 = level_field(_("Où en êtes-vous aujourd’hui sur l’objectif 2 ?"), description="")
    goal_3 = text_field(_("Objectif 3 (facultatif)"), GOAL_MAX, required=False)
    level_goal_3 = level_field(_("Où en êtes-vous aujourd’hui sur l’objectif 3 ?"), description="")
    department_preference = radio_field(_("Souhaitez-vous un mentor d’un autre département ?"),
                                  DEPARTMENT_PREFERENCES, required=False)
    format = radio_field(_("Format des rencontres"), FORMATS, description=_(
        "En présentiel, votre binôme travaille sur le même site que vous."))
    rhythm = radio_field(_("Rythme souhaité"), RHYTHM_CHOICES)
    availability = CheckboxesField(_("Vos disponibilités habituelles"),
                                   [validators.InputRequired(CHOOSE_SOME)], choices=options(SLOTS))
    comment = text_field(_("Commentaire libre (facultatif)"), LONG_MAX, required=False,
                         multiline=True, free=True)
    consent = BooleanField(
        _("J'ai pris connaissance de la notice sur les données personnelles."),
        [validators.InputRequired(_("Pour vous inscrire, confirmez avoir pris connaissance "
                                    "de la notice sur les données personnelles."))])

    def set_choices(self, programme: Programme) -> None:
        self.department.choices = _choices(programme.departments)
        self.site.choices = _choices(programme.sites)
        self.languages.choices = _choices(programme.languages)
        self.skills_offered.choices = [*_choices(programme.skills), *options([OTHER])]
        self.skills_sought.choices = [*_choices(programme.skills), *options([OTHER])]
        if programme.email_domains:
            self.email.description = _(
                "Seules les adresses %(domains)s sont acceptées. Nous vous écrivons à cette "
                "adresse, et à elle seule.") % {"domains": _domains(programme)}

    def validate_email(self, field):
        if field.data and not field.errors and not self.programme.accepts_email(field.data):
            raise ValidationError(
                _("Utilisez votre adresse professionnelle (%(domains)s).")
                % {"domains": _domains(self.programme)})

    def validate_agreed_with(self, field):
        if field.data and not field.errors and field.data == (self.email.data or "").lower():
            raise ValidationError(_("Indiquez l’adresse de votre collègue, pas la vôtre."))

    def required_for_role(self, field) -> bool:
        """Whether the chosen role must answer ``field`` (``ROLE_REQUIRED``)."""
        roles = ROLE_REQUIRED.get(field.name)
        return roles is not None and self.role.data in roles[0]

    def check_capacity(self, field):
        if self.required_for_role(field) and not field.data:
            raise ValidationError(_("Indiquez combien de personnes vous pouvez accompagner."))

    def check_skills_offered(self, field):
        if self.required_for_role(field) and not field.data:
            raise ValidationError(_("Cochez au moins une compétence que vous pouvez partager."))

    def check_skills_offered_other(self, field):
        if (self.role.data in MENTOR_ROLES and OTHER_SKILL in (self.skills_offered.data or ())
                and not field.data):
            raise ValidationError(_("Précisez la compétence que vous pouvez partager."))

    def check_skills_sought(self, field):
        if self.required_for_role(field) and not field.data:
            raise ValidationError(_("Cochez au moins une compétence à développer."))

    def check_skills_sought_other(self, field):
        if (self.role.data in MENTEE_ROLES and OTHER_SKILL in (self.skills_sought.data or ())
                and not field.data):
            raise ValidationError(_("Précisez la compétence que vous souhaitez développer."))

    def check_goal_1(self, field):
        if self.required_for_role(field) and not field.data:
            raise ValidationError(_("Indiquez au moins un objectif."))

    def check_presentation(self, field):
        if self.role.data in MENTOR_ROLES and self.profil_visible.data and not field.data:
            raise ValidationError(_("Écrivez quelques lignes pour votre profil visible, ou "
                                    "décochez la case."))

    def check_department_preference(self, field):
        if self.required_for_role(field) and not field.data:
            raise ValidationError(CHOOSE_ONE)

    def cleaned(self) -> dict:
        data = super().cleaned()
        goal_levels, skill_levels = levels_of(data, GOAL_LEVELS), levels_of(data, SKILL_LEVELS)
        written = [(n, g) for n, g in enumerate(
            (data.pop("goal_1"), data.pop("goal_2"), data.pop("goal_3")), 1) if g]
        data["goals"] = [g for _n, g in written]
        # The form's number of each goal kept: on a correction, a goal moved up (the one
        # before it emptied) takes its ratings along (``records.goals.renumbered``).
        data["goal_slots"] = [n for n, _g in written]
        # A rating is keyed by its goal's position among the goals kept (an empty goal 2
        # makes goal 3 the second): ``records.goals`` says why positions, not texts.
        data["goal_ratings"] = [{"goal": position, "value": goal_levels[n],
                                 "moment": "inscription"}
                                for position, (n, _g) in enumerate(written, 1)
                                if n in goal_levels]
        data["skill_ratings"] = [{"skill": key, "value": value, "moment": "inscription"}
                                 for key, value in skill_levels.items()]
        # Answers to the other role's questions (filled, then the role changed) are dropped.
        if data["role"] not in MENTOR_ROLES:
            data["capacity"], data["skills_offered"], data["skills_offered_other"] = None, [], ""
            data["profil_visible"], data["presentation"] = False, ""
            data["skill_ratings"] = []
        elif OTHER_SKILL not in data["skills_offered"]:
            data["skills_offered_other"] = ""
        if data["role"] not in MENTEE_ROLES:
            data["skills_sought"], data["skills_sought_other"] = [], ""
            data["goals"], data["department_preference"] = [], None
            data["goal_ratings"], data["goal_slots"] = [], []
        elif OTHER_SKILL not in data["skills_sought"]:
            data["skills_sought_other"] = ""
        data["consent"] = True
        return data


SATISFACTION = [(n, str(n)) for n in range(1, 6)]


class FeedbackForm(PublicForm):
    """Tell the coordination how the relationship goes, signed or anonymous."""

    key = "feedback"

    checkpoint = radio_field(_("Point d’étape"), [])
    role = radio_field(_("Vous êtes"), FEEDBACK_ROLES)
    satisfaction = radio_field(_("Votre satisfaction, de 1 (pas du tout satisfait·e) à 5 (très satisfait·e)"),
                         SATISFACTION, coerce=int)
    progress = radio_field(_("Les progrès vers les objectifs, de 1 (aucun) à 5 (objectifs atteints)"),
                     SATISFACTION, coerce=int)
    # Shown only at the checkpoints that rate the goals, through a personal link
    # (``web.linked_feedback`` labels them with the mentee's goals); ignored elsewhere.
    level_goal_1 = level_field(_("Objectif 1"))
    level_goal_2 = level_field(_("Objectif 2"), description="")
    level_goal_3 = level_field(_("Objectif 3"), description="")
    meetings = CountField(
        _("Nombre de rencontres depuis le début"),
        [validators.InputRequired(_("Indiquez un nombre, 0 si vous ne vous êtes pas encore vus.")),
         validators.NumberRange(0, 100, _("Indiquez un nombre entre 0 et 100."))],
        render_kw={"min": 0, "max": 100, "inputmode": "numeric"})
    what_works = text_field(_("Ce qui fonctionne bien"), LONG_MAX, required=False,
                            multiline=True, free=True)
    what_is_hard = text_field(_("Ce qui est difficile"), LONG_MAX, required=False,
                              multiline=True, free=True)
    contact_requested = BooleanField(_("Je souhaite être contacté·e par la coordination"))
    identity = radio_field(_("Votre retour est"), [
        ("anonyme", _("Anonyme : ni nom ni adresse ne sont enregistrés")),
        ("signe", _("Signé : la coordination sait qu’il vient de vous")),
    ])
    name = text_field(_("Prénom et nom (retour signé)"), NAME_MAX, required=False,
                      render_kw={"autocomplete": "name"}, checks=[person_name])
    email = email_field(_("Adresse électronique (retour signé)"), required=False)
    # Set by the personal link of a reminder: which pair and checkpoint this answers.
    lien = HiddenField(filters=[clean_text])

    def set_choices(self, programme: Programme) -> None:
        self.checkpoint.choices = options([
            *[(str(m), _("%(months)d mois") % {"months": m}) for m in programme.checkpoints],
            ("autre", _("Autre moment")),
        ])

    rated_goals: tuple = ()  # the goals these fields ask about, when a link's checkpoint rates them

    def check_name(self, field):
        if self.identity.data == "signe" and not field.data and not self.lien.data:
            raise ValidationError(_("Indiquez votre nom, ou choisissez un retour anonyme."))

    def check_email(self, field):
        if self.identity.data == "signe" and not field.data and not self.lien.data:
            raise ValidationError(_("Indiquez votre adresse, ou choisissez un retour anonyme."))

    def check_contact_requested(self, field):
        if field.data and self.identity.data == "anonyme":
            raise ValidationError(_("Pour être contacté·e, choisissez un retour signé."))

    def cleaned(self) -> dict:
        data = super().cleaned()
        data["goal_levels"] = levels_of(data, GOAL_LEVELS)
        if data["identity"] == "anonyme":
            for key in ("name", "email", "lien"):
                data.pop(key, None)
        return data


SCALE_5 = [(n, str(n)) for n in range(1, 6)]
SCALE_10 = [(n, str(n)) for n in range(11)]
# The mentoring skills the training pages teach, which a mentor rates at the end.
MENTOR_SKILLS = (
    ("skill_listening", _("L’écoute active")),
    ("skill_questions", _("L’art de poser des questions ouvertes")),
    ("skill_feedback", _("Le retour constructif")),
    ("skill_goals", _("La définition d’objectifs avec la personne mentorée")),
)
GOAL_SLOTS = ("progress_1", "progress_2", "progress_3")
MENTOR_ONLY = ("gained", *(name for name, _label in MENTOR_SKILLS))


def _progress(number: int):
    return radio_field(_("Objectif %(n)d : où en est-il, de 1 (pas avancé) à 5 (atteint) ?")
                       % {"n": number}, SCALE_5, required=False, coerce=int)


def _skill(label):
    return radio_field(_("%(skill)s, de 1 (à travailler) à 5 (maîtrisée)") % {"skill": label},
                       SCALE_5, required=False, coerce=int)


class ClosingForm(PublicForm):
    """The closing questionnaire (« bilan »), opened by a pair member's personal link.

    Every question is optional. Opened with a link (``web.closing``), the goal
    questions carry the pair's goals and the mentors' questions are left out for a
    mentee (``for_person``); the blank form of the guide's page shows them all.
    """

    key = "closing"

    progress_1 = _progress(1)
    progress_2 = _progress(2)
    progress_3 = _progress(3)
    meetings = CountField(
        _("Nombre de rencontres tenues pendant le binôme"),
        [validators.Optional(), validators.NumberRange(0, 100, _("Indiquez un nombre entre 0 "
                                                                   "et 100."))],
        render_kw={"min": 0, "max": 100, "inputmode": "numeric"})
    changes = text_field(_("Ce qui a changé dans votre travail"), LONG_MAX, required=False,
                         multiline=True, free=True)
    recommend = radio_field(_("Recommanderiez-vous le programme à un ou une collègue, de 0 "
                              "(pas du tout) à 10 (certainement) ?"), SCALE_10,
                            required=False, coerce=int)
    gained = text_field(_("Mentors : ce que cet accompagnement vous a apporté"), LONG_MAX,
                        required=False, multiline=True, free=True)
    skill_listening = _skill(MENTOR_SKILLS[0][1])
    skill_questions = _skill(MENTOR_SKILLS[1][1])
    skill_feedback = _skill(MENTOR_SKILLS[2][1])
    skill_goals = _skill(MENTOR_SKILLS[3][1])
    comment = text_field(_("Un commentaire libre"), LONG_MAX, required=False, multiline=True,
                         free=True)
    identity = radio_field(_("Vos réponses sont"), [
        ("pseudonyme", _("Non signées : la coordination ne les voit qu’en résultats groupés "
                         "d’au moins trois personnes")),
        ("signe", _("Signées : la coordination peut les lire avec votre nom")),
    ], required=False)
    # The personal link that opened the questionnaire: which pair and person it answers.
    lien = HiddenField(filters=[clean_text])

    goals: tuple[str, ...] | None = None  # the pair's goals, once a link names them
    mentor: bool | None = None  # whether the person answering mentored (None: not known)

    def __init__(self, formdata=None, **kwargs):
        super().__init__(formdata, **kwargs)
        if not self.identity.data:
            self.identity.data = "pseudonyme"  # signing is a choice, never the default

    def for_person(self, goals, mentor: bool) -> None:
        """Fit the questions to who answers: their pair's goals, their role."""
        self.goals, self.mentor = tuple(goals)[:3], mentor
        for slot, goal in zip(GOAL_SLOTS, self.goals):
            field = self[slot]
            field.label = Label(field.id, _("« %(goal)s » : où en est cet objectif, de 1 (pas "
                                             "avancé) à 5 (atteint) ?") % {"goal": goal})

    def shown(self, name: str) -> bool:
        """Whether a question is asked of this person (all of them on the blank page)."""
        if name in GOAL_SLOTS and self.goals is not None:
            return GOAL_SLOTS.index(name) < len(self.goals)
        return not (name in MENTOR_ONLY and self.mentor is False)

    def cleaned(self) -> dict:
        data = super().cleaned()
        data.pop("lien", None)
        data["identity"] = data.get("identity") or "pseudonyme"
        return {name: value for name, value in data.items()
                if name == "identity" or self.shown(name)}


FORMS = {"enrollment": EnrollmentForm, "feedback": FeedbackForm, "closing": ClosingForm}
