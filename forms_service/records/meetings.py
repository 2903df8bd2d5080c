"""Between checkpoints: meetings a pair logs, silence that escalates, a declined introduction.

The store's ``meetings`` table holds one entry per pair and day
(``{"pair_id", "date", "duration_minutes", "format", "logged_by",
"person_id"}``), never what was said. A pair is *silent* when nothing
happened — no meeting, no feedback — since the latest of its confirmation,
its last meeting and its last feedback: after ``relances.silence_jours``
both people get a friendly nudge, after ``relances.alerte_jours`` the
coordination is told. Each happens once per silent period (the period is
named by the date it started), so a cron that runs twice sends nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from ..storage import Store

__all__ = ["Meetings", "MEETING_FORMATS", "Silence", "silence_of", "last_activity", "within",
           "coordination_recipients"]

FORMAT_VERSION = 1
MEETING_FORMATS = ("presentiel", "distance")


class Meetings:
    """The ``meetings`` table: log, list, remove one's own, forget a person."""

    def __init__(self, store: Store):
        self.table = store.table("meetings")

    def log(self, pair_id: int, on: date, *, person_id: int, logged_by: str,
            duration_minutes: int | None = None, format: str | None = None) -> tuple[dict, bool]:
        """Record a meeting (one per pair and day, whoever logs it); return it and if it is new."""
        doc_id, created = self.table.insert_unique({
            "v": FORMAT_VERSION, "key": f"{pair_id}:{on.isoformat()}", "pair_id": pair_id,
            "date": on.isoformat(), "duration_minutes": duration_minutes, "format": format,
            "logged_by": logged_by, "person_id": person_id}, "key")
        return self.table.get(doc_id), created

    def of_pair(self, pair_id: int) -> list[dict]:
        """The pair's meetings, oldest first."""
        return sorted(self.table.search(lambda m: m.get("pair_id") == pair_id),
                      key=lambda m: m["date"])

    def all(self) -> list[dict]:
        return sorted(self.table.all(), key=lambda m: (m["pair_id"], m["date"]))

    def remove_own(self, meeting_id: int, person_id: int) -> bool:
        """Remove a meeting its author logged; False for anyone else's."""
        meeting = self.table.get(meeting_id) if isinstance(meeting_id, int) and meeting_id > 0 \
            else None
        if meeting is None or meeting.get("person_id") != person_id:
            return False
        self.table.remove(meeting_id)
        return True

    def forget_person(self, person_id: int, pair_ids: set[int]) -> int:
        """Erase what a person logged and the meetings of their pairs; return how many."""
        found = self.table.search(lambda m: m.get("person_id") == person_id
                                  or m.get("pair_id") in pair_ids)
        for meeting in found:
            self.table.remove(meeting["id"])
        return len(found)


def last_activity(pair: dict, meetings: list[dict], feedback_days: list[str]) -> date:
    """The latest of the confirmation, the last meeting and the last feedback of the pair."""
    days = [date.fromisoformat(str(pair["confirmed_at"])[:10])]
    days += [date.fromisoformat(m["date"]) for m in meetings]
    days += [date.fromisoformat(day[:10]) for day in feedback_days]
    return max(days)


@dataclass(frozen=True)
class Silence:
    """Where a pair stands: silent since ``since``, and what is due about it on a day."""

    since: date
    days: int
    nudge_due: bool
    alert_due: bool


def silence_of(pair: dict, since: date, on: date, followup: dict) -> Silence:
    """Say whether the nudge or the coordination's alert is due for this silent period."""
    days = (on - since).days
    period = since.isoformat()
    nudged = pair.get("silence", {}).get("nudged") == period
    alerted = pair.get("silence", {}).get("alerted") == period
    return Silence(since, days, nudge_due=days >= followup["silence_jours"] and not nudged,
                   alert_due=days >= followup["alerte_jours"] and not alerted)


def within(pair: dict, on: date, days: int) -> bool:
    """Whether ``on`` is within ``days`` days of the pair's confirmation."""
    return on <= date.fromisoformat(str(pair["confirmed_at"])[:10]) + timedelta(days=days)


def coordination_recipients(programme, repo) -> list[dict]:
    """Job refs that reach the coordination: its address, or else every coordinator account."""
    address = programme.contacts.get("coordination")
    if address:
        return [{"address": address}]
    return [{"coordinator_id": c["id"]} for c in repo.list_coordinators()]
