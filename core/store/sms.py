"""Alerts by SMS: filing an inbound message as an alert (the same path as a call's: a
`calls` row under the sender's pseudonym, the alert, its transcript, its keywords), the
messages sent back, and their delivery reports. The number is only ever sealed (contacts)."""

from __future__ import annotations

from ..model import FLAG_LANGUAGE_INFERRED, Source, TranscriptState
from ._time import utc_after, utcnow
from .alerts import Alerts
from .callbacks import CallbackKind, CallbackState, Callbacks, handled_condition
from .calls import Calls
from .transcripts import Transcripts

SMS_ORIGIN = "sms"     # a transcript as the sender wrote it (not heard, not corrected)
OUT_STATES = ("queued", "sent", "delivered", "failed", "expired")
FINAL_STATES = ("delivered", "failed", "expired")


class Sms(Alerts, Transcripts, Calls, Callbacks):
    def file_sms_alert(self, *, pseudonym: str | None, sealed: bytes | None, keep_hours: float, text: str,
                       language: str, language_inferred: bool, locality: str | None, keywords: list[dict],
                       priority: float, flags=(), parts: int = 1, coding: str = "text", line: str | None = None,
                       smsc: str | None = None, late_reply_to: dict | None = None, actor: str = "sms") -> dict:
        """One inbound SMS as an alert, atomically: its call row, the alert, the text as its
        transcript (done: nothing to transcribe), keywords and priority, the sealed number
        kept `keep_hours` for the receipt, and the message row (with the line and connection
        it came in on; `late_reply_to`: the question it answers too late to join that
        question's thread, whose alert the new one follows). Returns the alert."""
        flags = sorted(set(flags) | ({FLAG_LANGUAGE_INFERRED} if language_inferred else set()))
        follows_alert = late_reply_to["alert_id"] if late_reply_to else None
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
                "INSERT INTO sms_messages (direction, alert_id, pseudonym, kind, language, parts, coding, state, line,"
                " smsc, in_reply_to, follows_alert, created_at, updated_at)"
                " VALUES ('in', ?, ?, 'alert', ?, ?, ?, 'received', ?, ?, ?, ?, ?, ?)",
                (alert_id, pseudonym, language, parts, coding, line, smsc,
                 late_reply_to["id"] if late_reply_to else None, follows_alert, now, now))
            created = {"reference": reference, "status": "new", "source": Source.SMS.value, "priority": priority}
            if follows_alert:
                created["follows_alert"] = follows_alert
            if flags:
                created["flags"] = flags
            self.audit(actor, "create", "alert", alert_id, None, created)
        return self.get_alert(alert_id)

    def sms_contact(self, pseudonym: str) -> bytes | None:
        """The sender's sealed number while it is kept (core/contacts.py opens it)."""
        row = self.conn.execute("SELECT sealed FROM contacts WHERE caller_pseudonym = ? AND expires_at > ?",
                                (pseudonym, utcnow())).fetchone()
        return row[0] if row else None

    def queue_sms(self, alert_id: int, kind: str, text: str, actor: str = "sms") -> int:
        """An SMS to the sender of an SMS alert, in the outbox: the SMS service hands it to
        smsbox (sms/receiver.py), back the way the alert's message came (its line and
        connection), and its state then follows the delivery reports. Audited as sms_<kind>."""
        source = self._row("SELECT * FROM sms_messages WHERE alert_id = ? AND direction = 'in' AND kind = 'alert'",
                           [alert_id])
        if source is None:
            raise KeyError(f"alert {alert_id} did not come by SMS")
        return self._add_outgoing(alert_id, source["pseudonym"], kind, source["language"], text, "queued", None,
                                  actor, source["line"], source["smsc"])

    def queue_directory_sms(self, entry_id: int, kind: str, language: str, text: str, *, alert_id: int | None = None,
                            actor: str = "sms", audited: bool = True, not_before: str | None = None) -> int:
        """An SMS to a responder or focal point, in the outbox: the SMS service opens the
        entry's sealed number (core/directory.py) when it hands the message to smsbox, not
        before `not_before` (UTC text). `audited=False`: the caller audits the whole (a
        broadcast's thousands of messages)."""
        pseudonym = self._value("SELECT pseudonym FROM directory_entries WHERE id = ?", [entry_id])
        with self.transaction():
            message_id = self._add_outgoing(alert_id, pseudonym, kind, language, text, "queued", None, actor, None,
                                            None, entry_id=entry_id, audited=audited)
            if not_before:
                self.conn.execute("UPDATE sms_messages SET not_before = ? WHERE id = ?", (not_before, message_id))
        return message_id

    def latest_sms_line(self) -> str | None:
        """The number the last inbound SMS was written to (the line's short code): what a
        message the line starts itself (to a directory entry) is sent from, when [sms] sender is empty."""
        return self._value("SELECT line FROM sms_messages WHERE direction = 'in' AND line IS NOT NULL"
                           " ORDER BY id DESC LIMIT 1")

    def add_unsent_sms(self, alert_id: int, pseudonym: str, kind: str, language: str | None, text: str,
                       detail: str, actor: str = "sms") -> int:
        """An SMS the line would have sent but could not (no number kept): failed, with why."""
        return self._add_outgoing(alert_id, pseudonym, kind, language, text, "failed", detail, actor, None, None)

    def _add_outgoing(self, alert_id, pseudonym, kind, language, text, state, detail, actor, line, smsc,
                      entry_id: int | None = None, audited: bool = True) -> int:
        now = utcnow()
        with self.transaction():
            cursor = self.conn.execute(
                "INSERT INTO sms_messages (direction, alert_id, pseudonym, kind, language, text, state, detail, line,"
                " smsc, entry_id, handed_at, created_at, updated_at)"
                " VALUES ('out', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (alert_id, pseudonym, kind, language, text, state, detail, line, smsc, entry_id,
                 None if state == "queued" else now, now, now))
            # The detail (an operator's or smsbox's words) stays on the message, shown beside its
            # state: the audit keeps codes the console says in words.
            if audited:
                self.audit(actor, "sms_" + kind, "alert" if alert_id else "sms", alert_id or cursor.lastrowid, None,
                           {"message": cursor.lastrowid, "state": state})
        return cursor.lastrowid

    def sms_outbox(self, limit: int = 50) -> list[dict]:
        """Outgoing SMS not yet handed to smsbox (and not held till later), oldest first."""
        return self._rows("SELECT * FROM sms_messages WHERE direction = 'out' AND handed_at IS NULL"
                          " AND (not_before IS NULL OR not_before <= ?) ORDER BY id LIMIT ?", [utcnow(), limit])

    def sms_handed(self, message_id: int, state: str | None = None, detail: str | None = None,
                   actor: str = "sms") -> None:
        """smsbox took the message (state None: it stays queued until the delivery reports),
        or the line gave up on it (state failed, with why)."""
        with self.transaction():
            self.conn.execute("UPDATE sms_messages SET handed_at = ?, updated_at = ? WHERE id = ?",
                              (utcnow(), utcnow(), message_id))
            if state is not None:
                self.set_sms_state(message_id, state, detail, actor)

    # -- follow-up questions ---------------------------------------------------

    def open_question(self, pseudonym: str, reply_hours: float) -> dict | None:
        """The last question sent to this sender, if no reply has answered it yet; "late" when
        it went out more than `reply_hours` ago (a reply then starts a new alert)."""
        question = self._row(
            "SELECT q.* FROM sms_messages q WHERE q.direction = 'out' AND q.kind = 'question' AND q.pseudonym = ?"
            " AND NOT EXISTS (SELECT 1 FROM sms_messages r WHERE r.in_reply_to = q.id)"
            " AND q.id = (SELECT max(id) FROM sms_messages WHERE direction = 'out' AND kind = 'question'"
            " AND pseudonym = ?)", [pseudonym, pseudonym])
        if question is not None:
            question["late"] = question["created_at"] <= utc_after(-reply_hours * 3600)
        return question

    def file_sms_reply(self, question: dict, text: str, *, keywords: list[dict], priority: float,
                       locality: str | None, sealed: bytes | None, keep_hours: float, parts: int = 1,
                       coding: str = "text", actor: str = "sms") -> dict:
        """A reply to a question, threaded into the question's alert (no new alert, no new
        reference): kept with its text, the alert rescored with the words of the whole thread,
        and its locality set from the reply when it had none. The sender wrote again, so their
        sealed number is kept `keep_hours` more, for the acknowledgement."""
        alert_id = question["alert_id"]
        with self.transaction():
            now = utcnow()
            if sealed:
                self.save_contact(question["pseudonym"], sealed, keep_hours)
            cursor = self.conn.execute(
                "INSERT INTO sms_messages (direction, alert_id, pseudonym, kind, language, text, parts, coding, state,"
                " in_reply_to, created_at, updated_at) VALUES ('in', ?, ?, 'reply', ?, ?, ?, ?, 'received', ?, ?, ?)",
                (alert_id, question["pseudonym"], question["language"], text, parts, coding, question["id"], now, now))
            alert = self.get_alert(alert_id)
            after = {"message": cursor.lastrowid, "question": question["id"]}
            if locality and not alert["locality"]:
                self.conn.execute("UPDATE alerts SET locality = ? WHERE id = ?", (locality, alert_id))
                after["locality"] = locality
            if priority > alert["priority"]:
                self.set_keywords(alert_id, keywords, priority)
                after["priority"] = priority
            self.audit(actor, "sms_reply", "alert", alert_id, None, after)
        return self.get_alert(alert_id)

    def sms_thread_text(self, alert_id: int) -> str:
        """The alert's own text and every reply to its questions, in order: what the lexicons score."""
        first = self._value("SELECT text FROM transcripts WHERE alert_id = ? AND origin = ? ORDER BY id LIMIT 1",
                            [alert_id, SMS_ORIGIN]) or ""
        replies = [row["text"] for row in self._rows(
            "SELECT text FROM sms_messages WHERE alert_id = ? AND direction = 'in' AND kind = 'reply' ORDER BY id",
            [alert_id])]
        return "\n".join([first, *replies])

    # -- acknowledgements ------------------------------------------------------

    def sms_acknowledgements_due(self, within_hours: float, limit: int = 50) -> list[dict]:
        """SMS alerts filed within `within_hours` (while their sender's number may still be
        kept) that are handled (core/store/callbacks.py: the same meaning as for calls), whose
        sender got a receipt, and that no acknowledgement has gone out for: each once."""
        handled, params = handled_condition("a")
        return self._rows(
            f"SELECT a.id, a.reference, a.language, m.pseudonym FROM sms_messages m JOIN alerts a ON a.id = m.alert_id"
            f" WHERE m.direction = 'in' AND m.kind = 'alert' AND m.created_at > ? AND {handled}"
            f" AND EXISTS (SELECT 1 FROM sms_messages r WHERE r.alert_id = a.id AND r.direction = 'out'"
            f" AND r.kind = 'receipt' AND r.state != 'failed')"
            f" AND NOT EXISTS (SELECT 1 FROM sms_messages k WHERE k.alert_id = a.id AND k.direction = 'out'"
            f" AND k.kind = 'acknowledgement') ORDER BY m.id LIMIT ?",
            [utc_after(-within_hours * 3600), *params, limit])

    def sms_acknowledgement_requests_due(self, limit: int = 50) -> list[dict]:
        """Callers who chose on the phone to hear back by SMS, whose alert is now handled
        (release_acknowledgements made the request due): each once."""
        return self._rows(
            "SELECT cb.id, cb.alert_id, cb.caller_pseudonym AS pseudonym, a.reference, a.language FROM callbacks cb"
            " JOIN alerts a ON a.id = cb.alert_id WHERE cb.kind = ? AND cb.by_sms = 1 AND cb.state = ?"
            " ORDER BY cb.id LIMIT ?", [CallbackKind.ACKNOWLEDGEMENT, CallbackState.QUEUED, limit])

    def queue_requested_sms_acknowledgement(self, request: dict, text: str, actor: str = "sms") -> int:
        """The acknowledgement a caller asked for by SMS, in the outbox (to their number kept in
        contacts); the request is done."""
        with self.transaction():
            message_id = self._add_outgoing(request["alert_id"], request["pseudonym"], "acknowledgement",
                                            request["language"], text, "queued", None, actor, None, None)
            self._set_callback_state(request["id"], CallbackState.ANSWERED, actor, channel="sms")
        return message_id

    def set_sms_state(self, message_id: int, state: str, detail: str | None = None, actor: str = "sms") -> None:
        """Why an outgoing SMS is where it is, when smsbox itself answered (refused, unreachable)."""
        row = self._row("SELECT * FROM sms_messages WHERE id = ? AND direction = 'out'", [message_id])
        if row is None:
            raise KeyError(message_id)
        with self.transaction():
            self.conn.execute("UPDATE sms_messages SET state = ?, detail = ?, updated_at = ? WHERE id = ?",
                              (state, detail, utcnow(), message_id))
            self._audit_sms_state(row, state, actor)

    def _audit_sms_state(self, row: dict, state: str, actor: str) -> None:
        self.audit(actor, "sms_state", "alert" if row["alert_id"] else "sms", row["alert_id"] or row["id"],
                   {"message": row["id"], "state": row["state"]},
                   {"message": row["id"], "state": state})

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
                self._audit_sms_state(row, state, actor)
        return True

    def fail_undelivered_sms(self, minutes: float, actor: str = "sms") -> int:
        """Outgoing SMS queued more than `minutes` ago and still not delivered (waiting in the
        outbox, or handed with no final report): failed, and never handed on after. Returns how many."""
        with self.transaction():
            late = self._rows("SELECT * FROM sms_messages WHERE direction = 'out' AND state IN ('queued', 'sent')"
                              " AND coalesce(not_before, created_at) < ?", [utc_after(-minutes * 60)])
            now = utcnow()
            for row in late:
                self.conn.execute("UPDATE sms_messages SET state = 'failed', detail = ?, handed_at = coalesce("
                                  "handed_at, ?), updated_at = ? WHERE id = ?",
                                  (f"not delivered within {minutes:g} minutes", now, now, row["id"]))
                self._audit_sms_state(row, "failed", actor)
        return len(late)

    def sms_handed_since(self, seconds: float, recipient: dict | None = None) -> int:
        """Outgoing SMS handed to the gateway within the last `seconds` (the outgoing limits), to
        everyone, or to one message's recipient (its directory entry, or its sender's pseudonym)."""
        since = utc_after(-seconds)
        if recipient is None:
            return self._value("SELECT count(*) FROM sms_messages WHERE direction = 'out' AND handed_at > ?"
                               " AND state != 'failed'", [since])
        column, value = ("entry_id", recipient["entry_id"]) if recipient["entry_id"] else (
            "pseudonym", recipient["pseudonym"])
        return self._value(f"SELECT count(*) FROM sms_messages WHERE direction = 'out' AND {column} = ?"
                           " AND handed_at > ? AND state != 'failed'", [value, since])

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
