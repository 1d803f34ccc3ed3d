"""Calls the line places: call-backs to callers who beeped, and the sealed numbers they need.

A caller's number is stored only sealed (core/contacts.py), in `contacts`, one row
per pseudonym. It goes as soon as no call-back still needs it, or at its expiry,
whichever comes first. Every dial is a row in `callback_attempts`; every change of
state is audited.
"""

from __future__ import annotations

from enum import StrEnum

from ..model import Status
from ._time import utc_after, utcnow
from .audit import Audit


class CallbackKind(StrEnum):
    CALLBACK = "callback"                # a caller beeped: call them into the alert flow
    ACKNOWLEDGEMENT = "acknowledgement"  # tell a caller their alert was handled


class CallbackState(StrEnum):
    WAITING = "waiting"      # an acknowledgement waiting for its alert to be closed
    QUEUED = "queued"        # due at next_at
    DIALLING = "dialling"
    ANSWERED = "answered"    # done
    GIVEN_UP = "given_up"    # done: every attempt failed
    EXPIRED = "expired"      # done: the number was deleted first


ACTIVE_STATES = (CallbackState.WAITING, CallbackState.QUEUED, CallbackState.DIALLING)

# An alert is handled, and its caller may be told so ("your alert has been dealt with"), once
# a supervisor has escalated (closed) it after verification, or once it is verified and
# someone has recorded a response to it (core/store/responses.py: any outcome, typed in the
# console or spoken by a responder on 500): either way a person acted on it. A verified
# alert nobody acted on is not handled, nor is a response to an alert never verified
# (new, or closed as false, duplicate or unverified): the caller is told nothing yet.
HANDLED_STATUSES = (Status.ESCALATED,)
HANDLED_WITH_A_RESPONSE = (Status.VERIFIED,)


def handled_condition(alias: str) -> tuple[str, tuple]:
    """SQL that is true of a handled alert (the alerts table as `alias`), and its parameters:
    the one meaning of "handled" for acknowledgements by call and by SMS."""
    return (f"({alias}.status IN ({_marks(HANDLED_STATUSES)}) OR ({alias}.status IN"
            f" ({_marks(HANDLED_WITH_A_RESPONSE)}) AND EXISTS (SELECT 1 FROM responses r WHERE r.alert_id = {alias}.id)))",
            (*HANDLED_STATUSES, *HANDLED_WITH_A_RESPONSE))


class RequestOutcome(StrEnum):
    QUEUED = "queued"
    ALREADY_QUEUED = "already_queued"
    RATE_LIMITED = "rate_limited"


def _marks(values) -> str:
    return ", ".join("?" for _ in values)


class Callbacks(Audit):
    # -- contacts -----------------------------------------------------------

    def save_contact(self, pseudonym: str, sealed: bytes, keep_hours: float) -> int:
        """Store (or replace) a caller's sealed number; it expires `keep_hours` from now."""
        self.conn.execute(
            "INSERT INTO contacts (caller_pseudonym, sealed, created_at, expires_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT(caller_pseudonym) DO UPDATE SET sealed = excluded.sealed,"
            " expires_at = max(expires_at, excluded.expires_at)",
            (pseudonym, sealed, utcnow(), utc_after(keep_hours * 3600)),
        )
        return self.conn.execute("SELECT id FROM contacts WHERE caller_pseudonym = ?", (pseudonym,)).fetchone()[0]

    def contact_count(self) -> int:
        return self.conn.execute("SELECT count(*) FROM contacts").fetchone()[0]

    def _forget_contact_if_unused(self, contact_id: int | None) -> None:
        if contact_id is None:
            return
        self.conn.execute(
            f"DELETE FROM contacts WHERE id = ? AND NOT EXISTS (SELECT 1 FROM callbacks"
            f" WHERE contact_id = ? AND state IN ({_marks(ACTIVE_STATES)}))",
            (contact_id, contact_id, *ACTIVE_STATES),
        )

    def purge_contacts(self, actor: str = "dialler") -> int:
        """Delete expired numbers; call-backs still waiting for them expire too."""
        with self.transaction():
            now = utcnow()
            expired = [row[0] for row in self.conn.execute("SELECT id FROM contacts WHERE expires_at <= ?", (now,))]
            for contact_id in expired:
                pending = self.conn.execute(
                    f"SELECT id FROM callbacks WHERE contact_id = ? AND state IN ({_marks(ACTIVE_STATES)})",
                    (contact_id, *ACTIVE_STATES)).fetchall()
                for (callback_id,) in pending:
                    self._set_callback_state(callback_id, CallbackState.EXPIRED, actor)
                self.conn.execute("DELETE FROM contacts WHERE id = ?", (contact_id,))
            return len(expired)

    # -- requests -----------------------------------------------------------

    def request_callback(self, beep_call_id: int, pseudonym: str, sealed: bytes, *, delay_seconds: float,
                         keep_hours: float, per_caller_limit: int, window_hours: float) -> tuple[int | None, str]:
        """Queue a call-back for a beep, unless one is pending or the caller had their share.

        Returns (callback id or None, RequestOutcome).
        """
        with self.transaction():
            pending = self.conn.execute(
                "SELECT id FROM callbacks WHERE caller_pseudonym = ? AND kind = ? AND state IN (?, ?)",
                (pseudonym, CallbackKind.CALLBACK, CallbackState.QUEUED, CallbackState.DIALLING)).fetchone()
            if pending:
                return pending[0], RequestOutcome.ALREADY_QUEUED
            recent = self.conn.execute(
                "SELECT count(*) FROM callbacks WHERE caller_pseudonym = ? AND kind = ? AND created_at >= ?",
                (pseudonym, CallbackKind.CALLBACK, utc_after(-window_hours * 3600))).fetchone()[0]
            if recent >= per_caller_limit:
                self.audit("ivr", "callback_rate_limited", "call", beep_call_id)
                return None, RequestOutcome.RATE_LIMITED
            contact_id = self.save_contact(pseudonym, sealed, keep_hours)
            callback_id = self._insert_callback(CallbackKind.CALLBACK, pseudonym, contact_id,
                                                CallbackState.QUEUED, utc_after(delay_seconds),
                                                beep_call_id=beep_call_id)
            return callback_id, RequestOutcome.QUEUED

    def _insert_callback(self, kind: CallbackKind, pseudonym: str, contact_id: int, state: CallbackState,
                         next_at: str | None, beep_call_id: int | None = None, alert_id: int | None = None,
                         actor: str = "ivr") -> int:
        now = utcnow()
        callback_id = self.conn.execute(
            "INSERT INTO callbacks (kind, caller_pseudonym, contact_id, beep_call_id, alert_id, state,"
            " next_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (kind, pseudonym, contact_id, beep_call_id, alert_id, state, next_at, now, now),
        ).lastrowid
        after = {"kind": kind, "state": state, "beep_call_id": beep_call_id, "alert_id": alert_id}
        self.audit(actor, f"{kind}_{state}", "callback", callback_id, after=after)
        if alert_id is not None:
            self.audit(actor, f"{kind}_{state}", "alert", alert_id, after={"callback_id": callback_id})
        return callback_id

    def _set_callback_state(self, callback_id: int, state: CallbackState, actor: str, **details) -> None:
        before = self.conn.execute("SELECT state, alert_id FROM callbacks WHERE id = ?", (callback_id,)).fetchone()
        self.conn.execute("UPDATE callbacks SET state = ?, updated_at = ? WHERE id = ?",
                          (state, utcnow(), callback_id))
        self.audit(actor, f"callback_{state}", "callback", callback_id,
                   before={"state": before["state"]}, after={"state": state, **details})
        if before["alert_id"] is not None:
            self.audit(actor, f"callback_{state}", "alert", before["alert_id"],
                       after={"callback_id": callback_id, "state": state, **details})

    # -- the dialler --------------------------------------------------------

    def attempts_since(self, seconds_ago: float) -> int:
        return self.conn.execute("SELECT count(*) FROM callback_attempts WHERE started_at >= ?",
                                 (utc_after(-seconds_ago),)).fetchone()[0]

    def claim_due_callbacks(self, limit: int) -> list[dict]:
        """Due call-backs, marked dialling with a new attempt each; their sealed numbers included."""
        if limit <= 0:
            return []
        with self.transaction():
            now = utcnow()
            rows = list(self.db.query(
                "SELECT cb.*, c.sealed FROM callbacks cb JOIN contacts c ON c.id = cb.contact_id"
                " WHERE cb.state = ? AND cb.next_at <= ? AND cb.by_sms = 0 ORDER BY cb.next_at LIMIT ?",
                [CallbackState.QUEUED, now, limit]))
            for row in rows:
                self.conn.execute(
                    "UPDATE callbacks SET state = ?, attempts = attempts + 1, updated_at = ? WHERE id = ?",
                    (CallbackState.DIALLING, now, row["id"]))
                row["attempt_id"] = self.conn.execute(
                    "INSERT INTO callback_attempts (callback_id, started_at) VALUES (?, ?)", (row["id"], now),
                ).lastrowid
                row["attempts"] += 1
            return rows

    def finish_attempt(self, callback_id: int, attempt_id: int, result: str, *, max_attempts: int,
                       retry_seconds: float, actor: str = "dialler") -> CallbackState:
        """Record how a dial ended; answered is done, otherwise retry later or give up."""
        with self.transaction():
            self.conn.execute("UPDATE callback_attempts SET result = ? WHERE id = ?", (result, attempt_id))
            row = self.conn.execute("SELECT kind, attempts, contact_id FROM callbacks WHERE id = ?",
                                    (callback_id,)).fetchone()
            if result == "answered":
                state = CallbackState.ANSWERED
            elif row["attempts"] >= max_attempts:
                state = CallbackState.GIVEN_UP
            else:
                state = CallbackState.QUEUED
                self.conn.execute("UPDATE callbacks SET next_at = ? WHERE id = ?",
                                  (utc_after(retry_seconds), callback_id))
            self.conn.execute("UPDATE callbacks SET last_result = ? WHERE id = ?", (result, callback_id))
            self._set_callback_state(callback_id, state, actor, result=result, attempt=row["attempts"])
            # An answered call-back keeps the number until its call ends (link_callback_call):
            # the caller may still ask for an acknowledgement on it.
            if state == CallbackState.GIVEN_UP or (state == CallbackState.ANSWERED
                                                   and row["kind"] == CallbackKind.ACKNOWLEDGEMENT):
                self._forget_contact_if_unused(row["contact_id"])
            return state

    def requeue_interrupted_callbacks(self) -> int:
        """Call-backs a stopped dialler left dialling go back to the queue (their attempt counts)."""
        return self.conn.execute("UPDATE callbacks SET state = ?, next_at = ?, updated_at = ? WHERE state = ?",
                                 (CallbackState.QUEUED, utcnow(), utcnow(), CallbackState.DIALLING)).rowcount

    # -- the IVR, once a call-back is answered ------------------------------

    def link_callback_call(self, callback_id: int, uniqueid: str) -> None:
        """Once an answered call-back's call is over: tie its call (and so its alert) to the
        call-back and its caller, and delete the number unless an acknowledgement needs it."""
        with self.transaction():
            self.conn.execute("UPDATE callbacks SET uniqueid = ?, updated_at = ? WHERE id = ?",
                              (uniqueid, utcnow(), callback_id))
            self.conn.execute(
                "UPDATE calls SET caller_pseudonym = (SELECT caller_pseudonym FROM callbacks WHERE id = ?)"
                " WHERE uniqueid = ?", (callback_id, uniqueid))
            row = self.conn.execute("SELECT contact_id, beep_call_id FROM callbacks WHERE id = ?",
                                    (callback_id,)).fetchone()
            if row is None:
                return
            for (alert_id,) in self.conn.execute(
                    "SELECT a.id FROM alerts a JOIN calls c ON c.id = a.call_id WHERE c.uniqueid = ?", (uniqueid,)):
                self.audit("ivr", "callback_linked", "alert", alert_id,
                           after={"callback_id": callback_id, "beep_call_id": row["beep_call_id"]})
            self._forget_contact_if_unused(row["contact_id"])

    def caller_language(self, callback_id: int) -> str | None:
        """The language of the latest alert from a call-back's caller, to greet them in it."""
        row = self.conn.execute(
            "SELECT a.language FROM callbacks cb JOIN calls c ON c.caller_pseudonym = cb.caller_pseudonym"
            " JOIN alerts a ON a.call_id = c.id WHERE cb.id = ? AND a.language IS NOT NULL"
            " ORDER BY a.id DESC LIMIT 1", (callback_id,)).fetchone()
        return row[0] if row else None

    # -- acknowledgements ---------------------------------------------------

    def request_acknowledgement(self, alert_id: int, pseudonym: str, sealed: bytes | None,
                                keep_hours: float, by_sms: bool = False) -> int | None:
        """The caller asked to hear back once their alert is handled (by a call, or `by_sms`);
        `sealed` None reuses the number kept for the call-back they are on. Returns the
        acknowledgement's id, or None when there is no number to call."""
        with self.transaction():
            if sealed is not None:
                contact_id = self.save_contact(pseudonym, sealed, keep_hours)
            else:
                row = self.conn.execute("SELECT id FROM contacts WHERE caller_pseudonym = ?", (pseudonym,)).fetchone()
                if row is None:
                    return None
                contact_id = row[0]
                self.conn.execute("UPDATE contacts SET expires_at = max(expires_at, ?) WHERE id = ?",
                                  (utc_after(keep_hours * 3600), contact_id))
            existing = self.conn.execute(
                f"SELECT id FROM callbacks WHERE kind = ? AND alert_id = ? AND state IN ({_marks(ACTIVE_STATES)})",
                (CallbackKind.ACKNOWLEDGEMENT, alert_id, *ACTIVE_STATES)).fetchone()
            if existing:
                acknowledgement_id = existing[0]
            else:
                acknowledgement_id = self._insert_callback(CallbackKind.ACKNOWLEDGEMENT, pseudonym, contact_id,
                                                           CallbackState.WAITING, None, alert_id=alert_id)
            self.conn.execute("UPDATE callbacks SET by_sms = ? WHERE id = ?", (int(by_sms), acknowledgement_id))
            return acknowledgement_id

    def release_acknowledgements(self, actor: str = "dialler") -> int:
        """Acknowledgements whose alert has been handled (HANDLED_STATUSES, or HANDLED_WITH_A_RESPONSE
        and a response recorded) become due now."""
        with self.transaction():
            handled, handled_params = handled_condition("a")
            ready = [row[0] for row in self.conn.execute(
                f"SELECT cb.id FROM callbacks cb JOIN alerts a ON a.id = cb.alert_id WHERE cb.kind = ?"
                f" AND cb.state = ? AND {handled}",
                (CallbackKind.ACKNOWLEDGEMENT, CallbackState.WAITING, *handled_params))]
            for callback_id in ready:
                self.conn.execute("UPDATE callbacks SET next_at = ? WHERE id = ?", (utcnow(), callback_id))
                self._set_callback_state(callback_id, CallbackState.QUEUED, actor)
            return len(ready)

    def acknowledgement_message(self, callback_id: int) -> dict | None:
        """What an acknowledgement call says: the alert's reference, in the alert's language."""
        rows = list(self.db.query(
            "SELECT a.id AS alert_id, a.reference, a.language FROM callbacks cb JOIN alerts a ON a.id = cb.alert_id"
            " WHERE cb.id = ? AND cb.kind = ?", [callback_id, CallbackKind.ACKNOWLEDGEMENT]))
        return rows[0] if rows else None

    def acknowledgement_delivered(self, callback_id: int, uniqueid: str, actor: str = "ivr") -> None:
        """The caller heard the whole message."""
        with self.transaction():
            self.conn.execute("UPDATE callbacks SET uniqueid = ?, last_result = ?, updated_at = ? WHERE id = ?",
                              (uniqueid, "delivered", utcnow(), callback_id))
            row = self.conn.execute("SELECT alert_id FROM callbacks WHERE id = ?", (callback_id,)).fetchone()
            self.audit(actor, "acknowledgement_delivered", "alert", row["alert_id"], after={"callback_id": callback_id})

    # -- reading ------------------------------------------------------------

    def get_callback(self, callback_id: int) -> dict | None:
        rows = list(self.db.query("SELECT * FROM callbacks WHERE id = ?", [callback_id]))
        return rows[0] if rows else None

    def callbacks_for_caller(self, pseudonym: str) -> list[dict]:
        return list(self.db.query("SELECT * FROM callbacks WHERE caller_pseudonym = ? ORDER BY id", [pseudonym]))

    def callback_attempts(self, callback_id: int) -> list[dict]:
        return list(self.db.query("SELECT * FROM callback_attempts WHERE callback_id = ? ORDER BY id",
                                  [callback_id]))

    def callbacks_for_alert(self, alert_id: int) -> list[dict]:
        """The call-back this alert was recorded on, and any acknowledgement of it."""
        return list(self.db.query(
            "SELECT cb.* FROM callbacks cb WHERE cb.alert_id = ? UNION"
            " SELECT cb.* FROM callbacks cb JOIN calls ON calls.uniqueid = cb.uniqueid"
            " JOIN alerts a ON a.call_id = calls.id WHERE a.id = ? ORDER BY id",
            [alert_id, alert_id]))
