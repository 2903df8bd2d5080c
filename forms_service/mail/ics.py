"""Calendar files for a pair (RFC 5545): the checkpoints, and a first meeting to set.

The introduction e-mail carries one ``.ics`` (``METHOD:PUBLISH``, the
organisation's time zone) with an all-day event per checkpoint and a
suggested first meeting within two weeks; each reminder carries its own
checkpoint again, same ``UID`` and a higher ``SEQUENCE``, so a calendar
updates the event instead of adding one. When the pair ends, the message
that says so carries ``METHOD:CANCEL`` for every one of those events (same
``UID``, a higher ``SEQUENCE``), so they leave the calendar. Calendars are
often shared: the events hold the generic feedback page, never a personal
signed link.
No Flask here.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from icalendar import Calendar, Event

from ..i18n import _

__all__ = ["pair_calendar", "checkpoint_update", "pair_cancellation", "FIRST_MEETING_DAYS"]

# The first meeting is suggested this many days after the confirmation.
FIRST_MEETING_DAYS = 7
PRODID = "-//Programme de mentorat//mentorat//FR"
# SEQUENCE of the events: as introduced, as a reminder updates one, as cancelled.
INTRODUCED, REMINDED, CANCELLED = 0, 1, 2


def _calendar(zone: str, method: str = "PUBLISH") -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("method", method)
    cal.add("x-wr-timezone", zone)
    return cal


def _uid(pair: dict, what: str, domain: str) -> str:
    return f"mentorat-binome-{pair['id']}-{what}@{domain}"


FIRST_MEETING = "premiere-rencontre"


def _all_day(uid: str, day: date, summary: str, description: str, sequence: int) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", datetime.now(timezone.utc))
    event.add("dtstart", day)
    event.add("dtend", day + timedelta(days=1))
    event.add("summary", summary)
    event.add("description", description)
    event.add("sequence", sequence)
    event.add("transp", "TRANSPARENT")  # a reminder, not a busy slot
    return event


def _checkpoint_event(pair: dict, checkpoint: dict, base_url: str, domain: str,
                      sequence: int) -> Event:
    month = checkpoint["month"]
    return _all_day(
        _uid(pair, f"point-{month}", domain), date.fromisoformat(checkpoint["due"]),
        _("Mentorat : point d'étape à %(months)d mois") % {"months": month},
        _("Faites le point avec votre binôme, puis donnez votre avis à la coordination "
          "(le lien personnel arrive par e-mail ce jour-là) : %(url)s")
        % {"url": f"{base_url}/formulaires/retour/"}, sequence)


def pair_calendar(pair: dict, *, base_url: str, domain: str, zone: str) -> bytes:
    """The ``.ics`` of a confirmed pair: a first meeting to set, then every checkpoint."""
    cal = _calendar(zone)
    confirmed = date.fromisoformat(str(pair["confirmed_at"])[:10])
    cal.add_component(_all_day(
        _uid(pair, FIRST_MEETING, domain), confirmed + timedelta(days=FIRST_MEETING_DAYS),
        _("Mentorat : première rencontre à fixer"),
        _("Convenez ensemble d'une première rencontre dans les deux semaines : objectifs, "
          "rythme, confidentialité. Le guide : %(url)s")
        % {"url": f"{base_url}/guides/premier-rendez-vous/"}, INTRODUCED))
    for checkpoint in pair.get("checkpoints", ()):
        cal.add_component(_checkpoint_event(pair, checkpoint, base_url, domain, INTRODUCED))
    return cal.to_ical()


def checkpoint_update(pair: dict, month: int, *, base_url: str, domain: str, zone: str) -> bytes:
    """One checkpoint again, as an update of the event the introduction carried."""
    cal = _calendar(zone)
    for checkpoint in pair.get("checkpoints", ()):
        if checkpoint["month"] == month:
            cal.add_component(_checkpoint_event(pair, checkpoint, base_url, domain, REMINDED))
    return cal.to_ical()


def pair_cancellation(pair: dict, *, domain: str, zone: str) -> bytes:
    """Cancel every event a pair's messages carried: the first meeting and each checkpoint.

    ``pair`` needs only ``id``, ``confirmed_at`` and ``checkpoints``: what the
    ending recorded in the message, so neither the pair's record nor the other
    person's has to exist any more.
    """
    cal = _calendar(zone, "CANCEL")
    confirmed = date.fromisoformat(str(pair["confirmed_at"])[:10])
    events = [(FIRST_MEETING, confirmed + timedelta(days=FIRST_MEETING_DAYS)),
              *((f"point-{c['month']}", date.fromisoformat(c["due"]))
                for c in pair.get("checkpoints", ()))]
    for what, day in events:
        event = Event()
        event.add("uid", _uid(pair, what, domain))
        event.add("dtstamp", datetime.now(timezone.utc))
        event.add("dtstart", day)
        event.add("dtend", day + timedelta(days=1))
        event.add("summary", _("Mentorat : rendez-vous annulé"))
        event.add("sequence", CANCELLED)
        event.add("status", "CANCELLED")
        cal.add_component(event)
    return cal.to_ical()
