"""Everything the service holds about one person, gathered for them (GDPR Art. 15 and 20).

The personal page shows it and offers it as one JSON file; both read
``held_about``, so the page and the download never disagree. What is
gathered: the enrollment (status history, coordinators' notes and the
limitation included), each pair the person was part of (score, reasons,
checkpoints, meetings, and the decline reason only when they declined),
the feedback they sent signed or through their own links, their closing
questionnaires (signed or not), and each goal's path (``records.goals``). The
partner's own decline reason, answers and address are never included.
"""

from __future__ import annotations

from ..mail.mailqueue import PENDING
from .common import now_iso
from .goals import goal_paths, skill_levels

__all__ = ["FORMAT", "held_about", "is_own_feedback"]

FORMAT = "mentorat-donnees-personnelles/1"
# Bookkeeping, not data about the person: a record's format, a queued message's key.
BOOKKEEPING = {"v", PENDING, "submission", "link_key"}


def _clean(record: dict, *drop: str) -> dict:
    return {key: value for key, value in record.items()
            if key not in BOOKKEEPING and key not in drop}


def is_own_feedback(feedback: dict, enrollment_id: int, email: str) -> bool:
    """Whether a feedback is the person's: sent by their link, or signed with their address."""
    if feedback.get("person_id") == enrollment_id:
        return True
    return bool(email) and str(feedback.get("email", "")).casefold() == email.casefold()


def _pair(repo, pair: dict, enrollment_id: int) -> dict:
    mine = pair["mentor_id"] == enrollment_id
    partner = repo.enrollment(pair["mentee_id"] if mine else pair["mentor_id"]) or {}
    me = str(enrollment_id)
    entry = {
        "id": pair["id"], "role": "mentor" if mine else "mentore",
        "binome": partner.get("name"), "parcours": pair.get("track"),
        "etat": pair.get("status"), "score": pair.get("score"),
        "raisons": list(pair.get("reasons") or ()),
        "confirme_le": pair.get("confirmed_at"), "clos_le": pair.get("closed_at"),
        "motif_de_fin": pair.get("close_reason"),
        "points_etape": [{"mois": c.get("month"), "echeance": c.get("due"),
                          "rappel_envoye_le": (c.get("reminded") or {}).get(me),
                          "repondu": me in (c.get("answered") or {})}
                         for c in pair.get("checkpoints") or ()],
        "rencontres": [{"id": m["id"], "date": m.get("date"),
                        "duree_minutes": m.get("duration_minutes"), "format": m.get("format"),
                        "notee_par_vous": m.get("person_id") == enrollment_id}
                       for m in repo.meetings.of_pair(pair["id"])],
    }
    # Only the reason this person gave: the partner's stays the coordination's.
    if pair.get("declined_by") == enrollment_id:
        entry["refus_motif"] = pair.get("decline_reason")
    return entry


def held_about(repo, enrollment_id: int) -> dict | None:
    """Return what is stored about the enrollment's owner, JSON-ready; ``None`` if erased."""
    record = repo.enrollment(enrollment_id)
    if record is None:
        return None
    email = str(record.get("email", ""))
    feedback = [_clean(f, "person_id", "pair_id") | {"binome_id": f.get("pair_id")}
                if f.get("pair_id") else _clean(f)
                for f in repo.feedback.search(
                    lambda f: is_own_feedback(f, enrollment_id, email))]
    return {
        "format": FORMAT,
        "extrait_le": now_iso(),
        "inscription": _clean(record, "status_history", "notes", "id"),
        "historique_etat": [{"etat": h.get("status"), "le": h.get("at")}
                            for h in record.get("status_history") or ()],
        "notes_coordination": [{"texte": n.get("text"), "le": n.get("at")}
                               for n in record.get("notes") or ()],
        # Each goal's path (« 2 → 3 → 4 »); the raw ratings are in « inscription ».
        "objectifs": goal_paths(record),
        "competences_mentor": skill_levels(record),
        "binomes": [_pair(repo, pair, enrollment_id) for pair in repo.pairs_of(enrollment_id)],
        "retours": feedback,
        "bilans": [_clean(a, "key", "person_id", "pair_id") | {"binome_id": a.get("pair_id")}
                   for a in repo.closing.all() if a.get("person_id") == enrollment_id],
    }
