"""Alerts by SMS: filing an inbound message as an alert (the same path as a call's: a
`calls` row under the sender's pseudonym, the alert, its transcript, its keywords), the
messages sent back, and their delivery reports. The number is only ever sealed (contacts)."""

from __future__ import annotations

from ..model import FLAG_LANGUAGE_INFERRED, Source, TranscriptState
from ._time import utc_after, utcnow
from .alerts import Alerts
from .callbacks import Callbacks
from .calls import Calls
from .transcripts import Transcripts

SMS_ORIGIN = "sms"     # a transcript as the sender wrote it (not heard, not corrected)
OUT_STATES = ("queued", "sent", "delivered", "failed", "expired")
FINAL_STATES = ("delivered", "failed", "expired")


class Sms(Alerts, Transcripts, Calls, Callbacks):
    def file_sms_alert(self, *, pseudonym: str | None, sealed: bytes | None, keep_hours: float, text: str,
                       language: str, language_inferred: bool, locality: str | None, keywords: list[dict],
                       priority: float, flags=(), parts: int = 1, coding: str = "text",
                       actor: str = "sms") -> dict:
        """One inbound SMS as an alert, atomically: its call row, the alert, the text as its
        transcript (done: nothing to transcribe), keywords and priority, the sealed number
        kept `keep_hours` for the receipt, and the message row. Returns the alert."""
        flags = sorted(set(flags) | ({FLAG_LANGUAGE_INFERRED} if language_inferred else set()))
        with self.transaction():
            call_id = self.create_call(Source.SMS, caller_pseudonym=pseudonym)
            self.end_call(call_id)
            alert_id, reference = self._insert_alert(call_id, language, locality, 1, flags)
            now = utcnow()
            if language_inferred:   # no language won on the words: the default, guessed
                self.conn.execute("UPDATE alerts SET language_inferred = 1 WHERE id = ?", (alert_id,))
            self.conn.execute(
                "INSERT INTO transcripts (alert_id, text, language, confidence, origin, author, created_at)"
                " VALUES (?, ?, ?, 1.0, ?, ?, ?)", (alert_id, text, language, SMS_ORIGIN, actor, now))
            self.set_transcript_state(alert_id, TranscriptState.DONE)
            self.set_keywords(alert_id, keywords, priority)
            if pseudonym and sealed:
                self.save_contact(pseudonym, sealed, keep_hours)
            self.conn.execute(
                "INSERT INTO sms_messages (direction, alert_id, pseudonym, kind, language, parts, coding, state,"
                " created_at, updated_at) VALUES ('in', ?, ?, 'alert', ?, ?, ?, 'received', ?, ?)",
                (alert_id, pseudonym, language, parts, coding, now, now))
            created = {"reference": reference, "status": "new", "source": Source.SMS.value, "priority": priority}
            if flags:
                created["flags"] = flags
            self.audit(actor, "create", "alert", alert_id, None, created)
        return self.get_alert(alert_id)

    def sms_contact(self, pseudonym: str) -> bytes | None:
        """The sender's sealed number while it is kept (core/contacts.py opens it)."""
        row = self.conn.execute("SELECT sealed FROM contacts WHERE caller_pseudonym = ? AND expires_at > ?",
                                (pseudonym, utcnow())).fetchone()
        return row[0] if row else None

    def add_outgoing_sms(self, alert_id: int | None, pseudonym: str, kind: str, language: str | None,
                         text: str, state: str = "queued", detail: str | None = None, actor: str = "sms") -> int:
        if state not in OUT_STATES:
            raise ValueError(f"unknown SMS state {state!r}")
        now = utcnow()
        with self.transaction():
            cursor = self.conn.execute(
                "INSERT INTO sms_messages (direction, alert_id, pseudonym, kind, language, text, state, detail,"
                " created_at, updated_at) VALUES ('out', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (alert_id, pseudonym, kind, language, text, state, detail, now, now))
            self.audit(actor, "sms_" + kind, "alert" if alert_id else "sms", alert_id or cursor.lastrowid, None,
                       {"message": cursor.lastrowid, "state": state, **({"detail": detail} if detail else {})})
        return cursor.lastrowid

    def set_sms_state(self, message_id: int, state: str, detail: str | None = None, actor: str = "sms") -> None:
        """Why an outgoing SMS is where it is, when smsbox itself answered (refused, unreachable)."""
        row = self._row("SELECT * FROM sms_messages WHERE id = ? AND direction = 'out'", [message_id])
        if row is None:
            raise KeyError(message_id)
        with self.transaction():
            self.conn.execute("UPDATE sms_messages SET state = ?, detail = ?, updated_at = ? WHERE id = ?",
                              (state, detail, utcnow(), message_id))
            self._audit_sms_state(row, state, detail, actor)

    def _audit_sms_state(self, row: dict, state: str, detail: str | None, actor: str) -> None:
        self.audit(actor, "sms_state", "alert" if row["alert_id"] else "sms", row["alert_id"] or row["id"],
                   {"message": row["id"], "state": row["state"]},
                   {"message": row["id"], "state": state, **({"detail": detail} if detail else {})})

    def record_delivery_report(self, message_id: int, status: int, state: str, detail: str | None = None,
                               actor: str = "sms") -> bool:
        """Keep one of Kannel's delivery reports; the message's state follows it, except that a
        final state (delivered, failed, expired) is not overwritten by a late 'sent'. Returns
        False for an unknown message."""
        if state not in OUT_STATES:
            raise ValueError(f"unknown SMS state {state!r}")
        with self.transaction():
            row = self._row("SELECT * FROM sms_messages WHERE id = ? AND direction = 'out'", [message_id])
            if row is None:
                return False
            self.conn.execute("INSERT INTO sms_delivery_reports (message_id, status, state, detail, received_at)"
                              " VALUES (?, ?, ?, ?, ?)", (message_id, status, state, detail, utcnow()))
            if row["state"] not in FINAL_STATES and row["state"] != state:
                self.conn.execute("UPDATE sms_messages SET state = ?, detail = ?, updated_at = ? WHERE id = ?",
                                  (state, detail, utcnow(), message_id))
                self._audit_sms_state(row, state, detail, actor)
        return True

    def sms_messages_for(self, alert_id: int) -> list[dict]:
        return self._rows("SELECT * FROM sms_messages WHERE alert_id = ? ORDER BY id", [alert_id])

    def get_sms(self, message_id: int) -> dict | None:
        return self._row("SELECT * FROM sms_messages WHERE id = ?", [message_id])

    def delivery_reports(self, message_id: int) -> list[dict]:
        return self._rows("SELECT * FROM sms_delivery_reports WHERE message_id = ? ORDER BY id", [message_id])

    def sms_from_pseudonym_since(self, pseudonym: str, seconds: float) -> int:
        """Inbound SMS from one sender within the last `seconds` (the flood limit)."""
        return self._value("SELECT count(*) FROM sms_messages WHERE direction = 'in' AND pseudonym = ?"
                           " AND created_at > ?", [pseudonym, utc_after(-seconds)])

    def sms_since(self, seconds: float) -> int:
        return self._value("SELECT count(*) FROM sms_messages WHERE direction = 'in' AND created_at > ?",
                           [utc_after(-seconds)])

    # -- STOP ------------------------------------------------------------------

    def set_sms_stopped(self, pseudonym: str, stopped: bool, actor: str = "sms") -> bool:
        """STOP (or START again) every SMS to one sender; audited. Returns whether it changed."""
        with self.transaction():
            before = self.sms_stopped(pseudonym)
            if before == stopped:
                return False
            if stopped:
                self.conn.execute("INSERT INTO sms_stops (pseudonym, stopped_at) VALUES (?, ?)", (pseudonym, utcnow()))
            else:
                self.conn.execute("DELETE FROM sms_stops WHERE pseudonym = ?", (pseudonym,))
            self.audit(actor, "sms_stop" if stopped else "sms_start", "sender", pseudonym,
                       {"stopped": before}, {"stopped": stopped})
        return True

    def sms_stopped(self, pseudonym: str) -> bool:
        return bool(self._value("SELECT count(*) FROM sms_stops WHERE pseudonym = ?", [pseudonym]))
