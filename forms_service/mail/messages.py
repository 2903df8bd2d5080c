"""Turn a queued job into the e-mail to send, from the records as they are now.

Rendering happens in the sender, never in a request: a job names what to
send and refers to stored records; ``render`` looks them up and returns the
message, or ``None`` when there is nothing to send (an address nobody
enrolled with, a person erased since, a pair that no longer exists).

Headers never carry a value someone typed: the subject is a fixed sentence,
``To`` is an address checked by ``text.is_address`` (independent of how the
running Python parses headers), and everything personal is in the body.

An address receives nothing typed in a form (a name, a goal) until a personal
link sent to it has been used (``address_proven_at``): anyone can type
someone else's address, and the programme's own sender must not carry their
words to it. Labels of choices and references are fine.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate

from ..config import Settings
from ..eligibility import limited, may_be_reminded
from ..i18n import _
from ..programme import FOLLOWUP_DEFAULTS
from ..programme_text import checkpoint_months, days
from ..templating import template_environment
from ..text import is_address
from ..typography import french_spacing
from ..vocabulary import (
    CHOICE_LABELS,
    MENTEE_ROLES,
    MENTOR_ROLES,
    TRACKS,
    WAITING_STATUSES,
    PairState,
    Status,
)
from .ics import checkpoint_update, pair_calendar, pair_cancellation
from .links import address_link, feedback_link, pair_link, personal_link
from .mailqueue import MailKind

__all__ = ["Outgoing", "BUILDERS", "render", "compose", "UnsafeAddress", "guides_for"]

# Plain-text messages: nothing to escape; what people typed stays as they typed it.
_env = template_environment(autoescape=False, keep_trailing_newline=True)


class UnsafeAddress(ValueError):
    """An address that is not one plain ``addr-spec``: it never reaches a header."""


@dataclass(frozen=True)
class Outgoing:
    """What the sender needs: the settings, the signing key and the records."""

    settings: Settings
    secret: str
    repo: object
    programme: object = None  # relances and contacts; None in contexts that need neither


def compose(settings: Settings, to: str, subject: str, template: str, *,
            message_id: str | None = None, calendar: bytes | None = None,
            calendar_method: str = "PUBLISH", **context) -> EmailMessage:
    """Build a plain-text message from ``templates/mail/<template>.txt``.

    ``calendar`` attaches an ``.ics`` (``text/calendar``, ``method`` as its
    ``METHOD``: ``PUBLISH``, or ``CANCEL`` when a pair's events are withdrawn).
    """
    if not is_address(to):
        raise UnsafeAddress(_("adresse de destination invalide"))
    message = EmailMessage(policy=SMTP)
    message["From"] = settings.mail_from or f"mentorat@{settings.mail_domain}"
    message["To"] = to
    message["Subject"] = french_spacing(subject)
    message["Date"] = formatdate(localtime=True)
    if message_id:
        message["Message-ID"] = message_id
    body = _env.get_template(f"mail/{template}.txt").render(base_url=settings.base_url, **context)
    message.set_content(french_spacing(body))
    if calendar is not None:
        message.add_attachment(calendar, maintype="text", subtype="calendar",
                               filename="mentorat.ics", params={"method": calendar_method})
    return message


def render(job: dict, out: Outgoing) -> tuple[EmailMessage, int | None] | None:
    """Return the message a job stands for and whose enrollment it went to, or ``None``.

    The enrollment's id lets erasure find the job once its address is dropped.
    Every message answers to the coordination (``Reply-To``: ``contacts.coordination``,
    checked as an address when ``programme.yml`` is read), so « répondez à ce message »
    reaches someone.
    """
    build = BUILDERS[job["kind"]]
    rendered = build(job.get("refs", {}), out, job.get("message_id"))
    reply_to = out.programme.contacts.get("coordination") if out.programme else None
    if rendered is not None and reply_to and is_address(reply_to):
        rendered[0]["Reply-To"] = reply_to
    return rendered


def _personal_link(out: Outgoing, record: dict) -> str:
    return personal_link(out.settings.base_url, out.secret, record)


def guides_for(record: dict) -> list[tuple[str, str]]:
    """The guide pages (title, address under the site) for this person's role and track.

    The reverse track has its own guide for both roles; otherwise a mentee starts with
    the mentee's guide and a mentor with the first meeting, someone enrolled as both
    with the two."""
    if record.get("track") == "inverse":
        return [(_("Mentorat inversé"), "guides/mentorat-inverse/")]
    guides = []
    if record.get("role") in MENTEE_ROLES:
        guides.append((_("Guide du mentoré·e"), "guides/guide-du-mentore/"))
    if record.get("role") in MENTOR_ROLES:
        guides.append((_("Premier rendez-vous"), "guides/premier-rendez-vous/"))
    return guides


def _enrollment(refs: dict, out: Outgoing, message_id):
    record = out.repo.enrollment_by_email(refs.get("email", ""))
    if record is None:
        return None  # erased since, or the record never made it to disk
    link = _personal_link(out, record)
    if record.get("reference") == refs.get("reference"):
        labels = {key: CHOICE_LABELS[key].get(record.get(key), "")
                  for key in ("role", "track", "format")}
        return compose(out.settings, record["email"],
                       _("Votre inscription au programme de mentorat"),
                       "enrollment_confirmation", message_id=message_id, record=record,
                       labels=labels, link=link, guides=guides_for(record)), record["id"]
    # Someone enrolled this address again: only its owner hears of it.
    return compose(out.settings, record["email"],
                   _("Vous êtes déjà inscrit·e au programme de mentorat"), "already_enrolled",
                   message_id=message_id, record=record, link=link), record["id"]


def _link(refs: dict, out: Outgoing, message_id):
    record = out.repo.enrollment_by_email(refs.get("email", ""))
    if record is None:
        return None
    return compose(out.settings, record["email"], _("Votre lien personnel « Mon inscription »"),
                   "personal_link", message_id=message_id, record=record,
                   link=_personal_link(out, record)), record["id"]


def _address(refs: dict, out: Outgoing, message_id):
    record = out.repo.enrollment(refs.get("enrollment_id", -1))
    new_email = refs.get("new_email", "")
    if record is None or not is_address(new_email):
        return None
    taken = out.repo.enrollment_by_email(new_email)
    if taken is not None and taken["id"] != record["id"]:
        # Told to the address's owner only: the person correcting learns nothing.
        return compose(out.settings, new_email, _("Demande de changement d'adresse"),
                       "address_taken", message_id=message_id), taken["id"]
    link = address_link(out.settings.base_url, out.secret, record, new_email)
    return compose(out.settings, new_email, _("Confirmez votre nouvelle adresse"),
                   "address_confirm", message_id=message_id, record=record, link=link), record["id"]


def _address_changed(refs: dict, out: Outgoing, message_id):
    """To the previous address: the change, no link, and whom to tell if it was not you."""
    previous = refs.get("address", "")
    record = out.repo.enrollment(refs.get("enrollment_id", -1))
    if record is None or not is_address(previous):
        return None
    contact = (out.programme.contacts.get("coordination") if out.programme else None) or ""
    return compose(out.settings, previous, _("L'adresse de votre inscription a changé"),
                   "address_changed", message_id=message_id, contact=contact), record["id"]


def _find_pair(refs: dict, out: Outgoing) -> dict | None:
    if "pair_id" in refs:
        return out.repo.pair(refs["pair_id"])
    # An introduction is written with its pair, before the pair has an id: it names the two.
    found = [pair for pair in out.repo.active_pairs()
             if (pair["mentor_id"], pair["mentee_id"]) == (refs.get("mentor_id"),
                                                           refs.get("mentee_id"))]
    return found[-1] if found else None


def _pair_people(refs: dict, out: Outgoing):
    pair = _find_pair(refs, out)
    if pair is None or refs.get("person_id") not in (pair["mentor_id"], pair["mentee_id"]):
        return None
    person = out.repo.enrollment(refs["person_id"])
    other_id = pair["mentee_id"] if refs["person_id"] == pair["mentor_id"] else pair["mentor_id"]
    other = out.repo.enrollment(other_id)
    if person is None or other is None:
        return None
    role = "mentor" if refs["person_id"] == pair["mentor_id"] else "mentore"
    return pair, person, other, role


def _introduction(refs: dict, out: Outgoing, message_id):
    found = _pair_people(refs, out)
    if found is None:
        return None
    pair, person, other, role = found
    return compose(out.settings, person["email"], _("Votre binôme de mentorat"),
                   "introduction", message_id=message_id, person=person, other=other,
                   role=role, pair=pair, reasons=positive_reasons(pair),
                   track=dict(TRACKS).get(pair.get("track"), ""),
                   decline_delay=days(_followup(out, "refus_jours")),
                   checkpoints=_checkpoint_months(pair, out),
                   calendar=pair_calendar(pair, **_calendar_context(out)),
                   **_pair_links(out, pair, person, "rencontre", "refus")), person["id"]


def _followup(out: Outgoing, key: str) -> int:
    """A delay of ``relances``, as ``programme.yml`` sets it (its default without one)."""
    return (out.programme.followup if out.programme else FOLLOWUP_DEFAULTS)[key]


def _checkpoint_months(pair: dict, out: Outgoing) -> str:
    """« 1, 3 et 6 mois »: the pair's own schedule, set from ``points_etape`` when confirmed."""
    stored = [c["month"] for c in pair.get("checkpoints", ())]
    months = stored or (list(out.programme.checkpoints) if out.programme else [])
    return checkpoint_months(months) if months else ""


def _reminder(refs: dict, out: Outgoing, message_id):
    found = _pair_people(refs, out)
    # Queued before the person limited the use of their data (Art. 18): nothing goes.
    if found is None or found[0].get("status") != PairState.ACTIVE or limited(found[1]):
        return None
    pair, person, other, role = found
    month = refs.get("month")
    link = feedback_link(out.settings.base_url, out.secret, pair["id"], month, person["id"])
    return compose(out.settings, person["email"],
                   _("Point d'étape à %(months)d mois de votre binôme de mentorat")
                   % {"months": month}, "reminder", message_id=message_id, person=person,
                   other=other, month=month, link=link, role=role,
                   calendar=checkpoint_update(pair, month, **_calendar_context(out)),
                   **_pair_links(out, pair, person, "rencontre")), person["id"]


def _calendar_context(out: Outgoing) -> dict:
    return {"base_url": out.settings.base_url, "domain": out.settings.mail_domain,
            "zone": out.settings.timezone}


def _pair_links(out: Outgoing, pair: dict, person: dict, *purposes: str) -> dict:
    """The personal links of a pair member, named ``rencontre_link``, ``refus_link``."""
    return {f"{purpose}_link": pair_link(out.settings.base_url, out.secret, pair["id"],
                                         person["id"], purpose) for purpose in purposes}


def _nudge(refs: dict, out: Outgoing, message_id):
    found = _pair_people(refs, out)
    # Queued before the person limited the use of their data (Art. 18): nothing goes.
    if found is None or found[0].get("status") != PairState.ACTIVE or limited(found[1]):
        return None
    pair, person, other, role = found
    return compose(out.settings, person["email"], _("Des nouvelles de votre binôme de mentorat ?"),
                   "nudge", message_id=message_id, person=person, other=other, role=role,
                   silence=days(_followup(out, "silence_jours")),
                   **_pair_links(out, pair, person, "rencontre")), person["id"]


def _coordination_to(refs: dict, out: Outgoing) -> str | None:
    if refs.get("coordinator_id") is not None:
        account = out.repo.coordinator(refs["coordinator_id"])
        return account["email"] if account else None
    return refs.get("address")


def _alert(refs: dict, out: Outgoing, message_id):
    pair = out.repo.pair(refs.get("pair_id", -1))
    to = _coordination_to(refs, out)
    if pair is None or pair.get("status") != PairState.ACTIVE or not to:
        return None
    return compose(out.settings, to, _("Binôme sans nouvelles : à contacter"), "alert",
                   message_id=message_id, pair=pair, days=refs.get("days"),
                   link=f"{out.settings.base_url}/coordination/suivi/binomes/{pair['id']}/"), None


def _declined_partner(refs: dict, out: Outgoing, message_id):
    return _to_person(refs, out, message_id, _("Votre binôme de mentorat"), "declined_partner")


def _pair_ended(refs: dict, out: Outgoing, message_id):
    """To someone who stays: their pair ended; written from the refs and their own record."""
    return _to_person(refs, out, message_id, _("Votre binôme de mentorat s'arrête"),
                      "pair_ended", reason=refs.get("reason"))


def _to_person(refs: dict, out: Outgoing, message_id, subject: str, template: str, **context):
    """A message to the person ``refs`` names, with the cancellation of their pair's events."""
    person = out.repo.enrollment(refs.get("person_id", -1))
    if person is None:
        return None
    return compose(out.settings, person["email"], subject, template, message_id=message_id,
                   person=person, waiting=person.get("status") in WAITING_STATUSES,
                   **context, **_cancellation(refs, out)), person["id"]


def _cancellation(refs: dict, out: Outgoing) -> dict:
    """The ``.ics`` that withdraws a pair's events, from what its ending recorded."""
    if not refs.get("calendar"):
        return {}  # queued by an earlier version, which recorded no events
    context = _calendar_context(out)
    return {"calendar": pair_cancellation(refs["calendar"], domain=context["domain"],
                                          zone=context["zone"]),
            "calendar_method": "CANCEL"}


def _declined_coordination(refs: dict, out: Outgoing, message_id):
    pair = out.repo.pair(refs.get("pair_id", -1))
    to = _coordination_to(refs, out)
    if pair is None or not to:
        return None
    return compose(out.settings, to, _("Un binôme a été décliné"), "declined_coordination",
                   message_id=message_id, pair=pair, reason=pair.get("decline_reason") or "",
                   link=f"{out.settings.base_url}/coordination/suivi/binomes/{pair['id']}/"), None


def positive_reasons(pair: dict) -> list[str]:
    """The reasons worth telling both people, chosen when the pair was confirmed.

    Pairs confirmed before that choice was stored tell none: a reason of an
    older pair may say what the pair lacks, and that is never mailed.
    """
    return list(pair.get("positive_reasons") or ())


def _with_personal_link(refs: dict, out: Outgoing, message_id, subject: str, template: str,
                        *, waiting_only: bool = False, **context):
    """A message to the enrollment ``refs`` names, with its personal link; ``None`` when it
    is gone (or, ``waiting_only``, no longer waiting or limited: nothing left to say)."""
    record = out.repo.enrollment(refs.get("enrollment_id", -1))
    if record is None or (waiting_only and (record.get("status") not in WAITING_STATUSES
                                            or not may_be_reminded(record))):
        return None
    return compose(out.settings, record["email"], subject, template, message_id=message_id,
                   record=record, link=_personal_link(out, record), **context), record["id"]


def _notice(refs: dict, out: Outgoing, message_id):
    return _with_personal_link(refs, out, message_id,
                               _("La notice sur vos données personnelles a changé"),
                               "notice_changed", version=refs.get("version", ""))


def _retention_warning(refs: dict, out: Outgoing, message_id):
    """To someone still waiting: erased in a few weeks, unless they say they stay."""
    return _with_personal_link(refs, out, message_id,
                               _("Votre inscription au programme de mentorat : restez-vous ?"),
                               "retention_warning", waiting_only=True,
                               weeks=refs.get("weeks", 4))


def _unmatched(refs: dict, out: Outgoing, message_id):
    """To someone still waiting after ``relances.sans_binome_jours``: what happens next."""
    return _with_personal_link(refs, out, message_id,
                               _("Programme de mentorat : toujours en attente d'un binôme"),
                               "unmatched", waiting_only=True, days=refs.get("days"))


def _ended_for_coordination(refs: dict, out: Outgoing, message_id):
    """To the coordination: someone's withdrawal or erasure ended a pair (no name: ids)."""
    to = (out.programme.contacts.get("coordination") if out.programme else None) or None
    if not to:
        return None
    return compose(out.settings, to, _("Un binôme s'est arrêté"), "ended_coordination",
                   message_id=message_id, pair_id=refs.get("pair_id"),
                   erased=refs.get("reason") == "effacement",
                   leaving_mentor=refs.get("leaving_role") == "mentor",
                   link=f"{out.settings.base_url}/coordination/inscriptions/"
                        f"{refs.get('person_id')}/"), None


def _mentor_not_retained(refs: dict, out: Outgoing, message_id):
    """To a mentor the selection did not retain: thanks, no reason, what stays open."""
    return _with_personal_link(refs, out, message_id, _("Votre inscription comme mentor"),
                               "mentor_not_retained")


def _closing(refs: dict, out: Outgoing, message_id):
    """To one person of a pair that ended: the closing questionnaire's personal link.

    Nothing goes to someone who withdrew, was erased or limited the use of their
    data since, nor about a pair declined or erased meanwhile.
    """
    pair = out.repo.pair(refs.get("pair_id", -1))
    person = out.repo.enrollment(refs.get("person_id", -1))
    if pair is None or person is None or pair.get("status") == PairState.NON_DEMARRE or \
            person["id"] not in (pair["mentor_id"], pair["mentee_id"]) or \
            person.get("status") == Status.RETIRE or limited(person):
        return None
    return compose(out.settings, person["email"], _("Le bilan de votre binôme de mentorat"),
                   "closing_invitation", message_id=message_id, person=person,
                   mentor=person["id"] == pair["mentor_id"],
                   **_pair_links(out, pair, person, "bilan")), person["id"]


# Each kind of message (``MailKind``, declared once) and the function that writes it.
BUILDERS = {
    MailKind.INSCRIPTION: _enrollment,
    MailKind.LIEN: _link,
    MailKind.ADRESSE: _address,
    MailKind.ADRESSE_CHANGEE: _address_changed,
    MailKind.PRESENTATION: _introduction,
    MailKind.RAPPEL: _reminder,
    MailKind.RELANCE: _nudge,
    MailKind.ALERTE: _alert,
    MailKind.REFUS_PARTENAIRE: _declined_partner,
    MailKind.REFUS_COORDINATION: _declined_coordination,
    MailKind.NOTICE: _notice,
    MailKind.FIN_BINOME: _pair_ended,
    MailKind.CONSERVATION: _retention_warning,
    MailKind.SANS_BINOME: _unmatched,
    MailKind.FIN_COORDINATION: _ended_for_coordination,
    MailKind.MENTOR_NON_RETENU: _mentor_not_retained,
    MailKind.BILAN: _closing,
}
