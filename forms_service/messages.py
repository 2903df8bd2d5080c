"""Turn a queued job into the e-mail to send, from the records as they are now.

Rendering happens in the sender, never in a request: a job names what to
send and refers to stored records; ``render`` looks them up and returns the
message, or ``None`` when there is nothing to send (an address nobody
enrolled with, a person erased since, a pair that no longer exists).

Headers never carry a value someone typed: the subject is a fixed sentence,
``To`` is an address checked by ``text.is_address`` (independent of how the
running Python parses headers), and everything personal is in the body.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate

from .config import Settings
from .i18n import _
from .render import template_environment
from .text import is_address
from .typography import french_spacing
from .vocabulary import CHOICE_LABELS, TRACKS

__all__ = ["Outgoing", "render", "compose", "UnsafeAddress"]

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


def compose(settings: Settings, to: str, subject: str, template: str, *,
            message_id: str | None = None, **context) -> EmailMessage:
    """Build a plain-text message from ``templates/mail/<template>.txt``."""
    if not is_address(to):
        raise UnsafeAddress(_("adresse de destination invalide"))
    message = EmailMessage(policy=SMTP)
    message["From"] = settings.mail_from or f"mentorat@{mail_domain(settings.base_url)}"
    message["To"] = to
    message["Subject"] = french_spacing(subject)
    message["Date"] = formatdate(localtime=True)
    if message_id:
        message["Message-ID"] = message_id
    body = _env.get_template(f"mail/{template}.txt").render(base_url=settings.base_url, **context)
    message.set_content(french_spacing(body))
    return message


def mail_domain(url: str) -> str:
    """The host of the service's public address: the domain of its Message-IDs."""
    return url.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0] or "localhost"


def render(job: dict, out: Outgoing) -> tuple[EmailMessage, int | None] | None:
    """Return the message a job stands for and whose enrollment it went to, or ``None``.

    The enrollment's id lets erasure find the job once its address is dropped.
    """
    build = _KINDS[job["kind"]]
    return build(job.get("refs", {}), out, job.get("message_id"))


def _personal_link(out: Outgoing, record: dict) -> str:
    from .links import personal_link

    return personal_link(out.settings.base_url, out.secret, record)


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
                       labels=labels, link=link), record["id"]
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
    from .links import address_link

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


def _find_pair(refs: dict, out: Outgoing) -> dict | None:
    if "pair_id" in refs:
        return out.repo.pair(refs["pair_id"])
    # An introduction is queued before its pair is stored: find the pair of those two.
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
                   track=dict(TRACKS).get(pair.get("track"), "")), person["id"]


def _reminder(refs: dict, out: Outgoing, message_id):
    from .reminders import feedback_link

    found = _pair_people(refs, out)
    if found is None or found[0].get("status") != "active":
        return None
    pair, person, other, role = found
    month = refs.get("month")
    link = feedback_link(out.settings.base_url, out.secret, pair["id"], month, person["id"])
    return compose(out.settings, person["email"],
                   _("Point d'étape à %(months)d mois de votre binôme de mentorat")
                   % {"months": month}, "reminder", message_id=message_id, person=person,
                   other=other, month=month, link=link, role=role), person["id"]


def positive_reasons(pair: dict) -> list[str]:
    """The reasons worth telling both people: never what the pair lacks."""
    flagged = set(pair.get("negative_reasons") or ())
    return [reason for reason in pair.get("reasons", ()) if reason not in flagged
            and not reason.startswith(("aucun", "aucune", "pas de", "peu de"))]


_KINDS = {"inscription": _enrollment, "lien": _link, "adresse": _address,
          "presentation": _introduction, "rappel": _reminder}
