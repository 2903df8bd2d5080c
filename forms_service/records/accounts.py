"""Coordinator accounts, the audit log and the enrollment rounds (cohorts).

A part of ``Repository``: the coordination's own tables (``coordinators``,
``audit``, ``cohorts``), which no participant's record refers to.
"""

from __future__ import annotations

from ..i18n import _
from ..storage import Store
from .common import AUDIT_WORD, FORMAT_VERSION, now_iso

__all__ = ["AccountRecords"]


class AccountRecords:
    """Coordinator accounts, the audit log and the enrollment rounds (cohorts)."""

    def __init__(self, store: Store):
        self.coordinators = store.table("coordinators")
        self.audit_log = store.table("audit")
        self.cohorts = store.table("cohorts")

    # ------------------------------------------------------------------------- coordinators

    def add_coordinator(self, email: str, password_hash: str) -> tuple[dict, bool]:
        """Create a coordinator account unless the e-mail has one; return it and whether new."""
        now = now_iso()
        doc_id, created = self.coordinators.insert_unique({
            "v": FORMAT_VERSION, "email": email.strip().casefold(),
            "password_hash": password_hash, "created_at": now, "password_changed_at": now,
        }, "email")
        return self.coordinators.get(doc_id), created

    def coordinator(self, doc_id: int) -> dict | None:
        return self.coordinators.get(doc_id)

    def coordinator_by_email(self, email: str) -> dict | None:
        wanted = (email or "").strip().casefold()
        found = self.coordinators.search(lambda d: d.get("email") == wanted)
        return found[0] if found else None

    def list_coordinators(self) -> list[dict]:
        return sorted(self.coordinators.all(), key=lambda d: d["email"])

    def remove_coordinator(self, email: str) -> bool:
        """Delete the account (its sessions stop working at their next request)."""
        record = self.coordinator_by_email(email)
        if record is None:
            return False
        self.coordinators.remove(record["id"])
        return True

    def set_coordinator_password(self, doc_id: int, password_hash: str) -> dict:
        return self.coordinators.update(doc_id, {"password_hash": password_hash,
                                                 "password_changed_at": now_iso()})

    # ---------------------------------------------------------------- second factor (TOTP)

    def enable_totp(self, doc_id: int, secret: str, recovery_hashes: list[str],
                    step: int) -> dict:
        """Turn the second factor on; ``step`` is the confirming code's, already spent."""
        return self.coordinators.update(doc_id, {
            "totp_secret": secret, "totp_last_step": step,
            "recovery_codes": list(recovery_hashes), "totp_enabled_at": now_iso()})

    def disable_totp(self, doc_id: int) -> dict:
        """Turn the second factor off: the secret and the recovery codes are gone."""
        fields = ("totp_secret", "totp_last_step", "recovery_codes", "totp_enabled_at")
        return self.coordinators.modify(
            doc_id, lambda doc: {k: v for k, v in doc.items() if k not in fields})

    def replace_recovery_codes(self, doc_id: int, recovery_hashes: list[str]) -> dict:
        """New recovery codes; the old ones stop working."""
        return self.coordinators.update(doc_id, {"recovery_codes": list(recovery_hashes)})

    def claim_totp_step(self, doc_id: int, step: int) -> bool:
        """Spend a code's time step; False if it (or a later one) was spent already.

        Under the store's lock, so two workers given the same code accept it once.
        """
        claimed = False

        def claim(doc: dict) -> dict:
            nonlocal claimed
            if doc.get("totp_secret") and doc.get("totp_last_step", -1) < step:
                doc["totp_last_step"] = step
                claimed = True
            return doc

        self.coordinators.modify(doc_id, claim)
        return claimed

    def claim_recovery_code(self, doc_id: int, code_hash: str) -> bool:
        """Spend one recovery code (by its stored hash); False if it was spent already."""
        claimed = False

        def claim(doc: dict) -> dict:
            nonlocal claimed
            codes = doc.get("recovery_codes") or []
            if code_hash in codes:
                doc["recovery_codes"] = [c for c in codes if c != code_hash]
                claimed = True
            return doc

        self.coordinators.modify(doc_id, claim)
        return claimed

    # ---------------------------------------------------------------------------- audit log

    def audit(self, coordinator_id: int | None, action: str, record: int | str | None = None
              ) -> None:
        """Record that a coordinator (None: the command line) did action on record.

        Only ids and action names are kept, never a personal value.
        """
        # Identifiers only: a value typed by a person (a name, an address) cannot pass.
        if not AUDIT_WORD.fullmatch(action) or not (
                record is None or (isinstance(record, int) and not isinstance(record, bool))
                or (isinstance(record, str) and AUDIT_WORD.fullmatch(record))):
            raise ValueError(_("entrée d'audit refusée : identifiants seulement"))
        self.audit_log.insert({"v": FORMAT_VERSION, "coordinator": coordinator_id,
                               "action": action, "record": record, "at": now_iso()})

    # ------------------------------------------------------------------------------ cohorts

    def cohort_state(self) -> dict:
        """Return ``{"open", "name", "next_opening"}`` of enrollment now.

        With no cohort ever opened, enrollment is open without a cohort name.
        """
        records = self.cohorts.all()
        if not records:
            return {"open": True, "name": None, "next_opening": None}
        latest = records[-1]
        return {"open": latest.get("closed_at") is None, "name": latest["name"],
                "next_opening": latest.get("next_opening")}

    def open_cohort(self, name: str, *, by: int | None) -> dict:
        """Open enrollment for cohort name, closing the one open before."""
        state = self.cohort_state()
        if state["open"] and state["name"]:
            self.close_cohort(by=by, next_opening=None)
        doc_id = self.cohorts.insert({"v": FORMAT_VERSION, "name": name, "opened_at": now_iso(),
                                      "opened_by": by, "closed_at": None, "closed_by": None,
                                      "next_opening": None})
        return self.cohorts.get(doc_id)

    def close_cohort(self, *, by: int | None, next_opening: str | None) -> dict:
        """Close enrollment, saying when the next round opens (ISO date or None)."""
        records = self.cohorts.all()
        if records:
            latest = records[-1]
            changes = {"next_opening": next_opening}
            if latest.get("closed_at") is None:
                changes.update(closed_at=now_iso(), closed_by=by)
            return self.cohorts.update(latest["id"], changes)
        # Closing before any cohort was opened: a closed round with no name.
        doc_id = self.cohorts.insert({"v": FORMAT_VERSION, "name": None, "opened_at": None,
                                      "opened_by": None, "closed_at": now_iso(),
                                      "closed_by": by, "next_opening": next_opening})
        return self.cohorts.get(doc_id)

