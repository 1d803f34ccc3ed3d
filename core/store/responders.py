"""An escalation's calls to responders: queued in order of call, placed one at a time, tracked.

A supervisor's escalation (any `status → escalated` in the audit log after this feature
was installed) queues one row per responder of the alert's locality. With SMS (the dialler
passes `EscalationTexts`), the responders who take SMS are texted first (queued in the SMS
outbox) and the calls wait `confirm_seconds` for a reply that confirms (core/store/
responder_sms.py); a confirmation by either channel skips the calls still waiting. The dialler calls
the first waiting one; a call not answered, or answered without the confirming key,
moves on to the next; once none is left the escalation is unreached and the console
says so to supervisors. Every attempt and outcome is audited on the alert.
"""

from __future__ import annotations

import datetime as dt

from ..directory import Entry
from ..sms_texts import EscalationTexts
from ._time import as_text, utc_after, utcnow
from .alerts import Alerts
from .audit import Audit
from .directory import Directory
from .gazetteer import Gazetteer
from .responses import Responses
from .sms import Sms

# Rows of an escalation still in play, and the outcomes of the ones done.
WAITING, CALLING, ANSWERED = "waiting", "calling", "answered"
CONFIRMED, NOT_CONFIRMED, SKIPPED, NO_RESPONDER = "confirmed", "not_confirmed", "skipped", "no_responder"
# Every responder of the locality takes SMS only: a marker row (no entry) waits for a reply,
# and ends so when none came in time, so supervisors are told as when no call confirmed.
NO_SMS_CONFIRMATION = "no_sms_confirmation"
OPEN_STATES = (WAITING, CALLING, ANSWERED)
# An answered call whose flow never reported back (IVR restarted) counts as not confirmed after this.
ANSWERED_LEASE_SECONDS = 600
# An escalation committed while another was being queued may be older than the newest row.
ESCALATION_SETTLE = dt.timedelta(hours=1)
_ESCALATED_AT = ("(SELECT max(l.at) FROM audit_log l WHERE l.entity = 'alert' AND l.entity_id = a.id"
                 " AND l.action = 'status' AND json_extract(l.after, '$.status') = 'escalated')")


class Responders(Responses, Sms, Alerts, Gazetteer, Directory, Audit):
    def queue_escalations(self, texting: EscalationTexts | None = None) -> list[int]:
        """Queue the responders of every alert escalated since its calls were last queued (and
        text first those who take SMS, with `texting`); returns the alert ids."""
        with self.transaction():
            since = self.conn.execute(
                "SELECT applied_at FROM _migrations WHERE name = '0011_responses'").fetchone()[0]
            # Every escalation queues at least one row (a responder, or NO_RESPONDER), so those
            # older than the newest row, less a margin for transactions that overlapped, are
            # done: the dialler's tick (every second, holding the write lock) reads the recent
            # escalations through their partial index (audit_escalations), not every escalated
            # alert of the history.
            newest = self._value("SELECT created_at FROM responder_calls ORDER BY id DESC LIMIT 1")   # the last queued
            recent = max(since, as_text(dt.datetime.fromisoformat(newest) - ESCALATION_SETTLE)) if newest else since
            due = self.conn.execute(
                f"SELECT a.id, a.locality, {_ESCALATED_AT} AS escalated_at FROM alerts a"
                " WHERE a.id IN (SELECT entity_id FROM audit_log WHERE action = 'status'"
                "  AND json_extract(after, '$.status') = 'escalated' AND at > ?)"
                " AND +a.status = 'escalated' AND escalated_at > ? AND NOT EXISTS (SELECT 1 FROM responder_calls r"
                " WHERE r.alert_id = a.id AND r.created_at >= escalated_at) ORDER BY escalated_at, a.id",
                (recent, since)).fetchall()
            for row in due:
                self._queue_responders(row["id"], row["locality"], texting)
        return [row["id"] for row in due]

    def _queue_responders(self, alert_id: int, locality: str | None, texting: EscalationTexts | None) -> None:
        responders = self.responders_for(locality) if locality else []
        start = self.conn.execute("SELECT coalesce(max(position), 0) FROM responder_calls WHERE alert_id = ?",
                                  (alert_id,)).fetchone()[0]
        now = utcnow()
        # Without SMS every responder is called, whatever their channel: a call is the only way left.
        texted = [entry for entry in responders if entry.texts] if texting else []
        called = [entry for entry in responders if entry.calls or not texting]
        call_after = utc_after(texting.confirm_seconds) if texted else None
        for entry in texted:
            self._text_responder(alert_id, entry, texting)
        for position, entry in enumerate(called, start=start + 1):
            self.conn.execute(
                "INSERT INTO responder_calls (alert_id, entry_id, name, position, state, call_after, created_at,"
                " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (alert_id, entry.id, entry.name, position, WAITING, call_after, now, now))
        if texted and not called:
            self.conn.execute(
                "INSERT INTO responder_calls (alert_id, entry_id, name, position, state, call_after, created_at,"
                " updated_at) VALUES (?, NULL, '-', ?, ?, ?, ?, ?)", (alert_id, start + 1, WAITING, call_after, now, now))
        if not responders:
            self.conn.execute(
                "INSERT INTO responder_calls (alert_id, entry_id, name, position, state, created_at, updated_at)"
                " VALUES (?, NULL, '-', ?, ?, ?, ?)", (alert_id, start + 1, NO_RESPONDER, now, now))
            self.audit("dialler", "responders_unreached", "alert", alert_id, None, {"reason": NO_RESPONDER})
            return
        queued = {"responders": [entry.name for entry in called]}
        if texted:
            queued.update(texted=[entry.name for entry in texted], call_after=call_after)
        self.audit("dialler", "responders_queued", "alert", alert_id, None, queued)

    def _text_responder(self, alert_id: int, entry: Entry, texting: EscalationTexts) -> None:
        alert = self.get_alert(alert_id)
        place = self.locality(alert["locality"]) if alert["locality"] else None
        timeline = self.alert_timeline(alert_id)
        text = texting.text(reference=alert["reference"], category=(timeline.categories or ("other",))[0],
                            locality=place["name"] if place else (alert["locality"] or "-"),
                            received_at=alert["created_at"], language=entry.language)
        self.queue_directory_sms(entry.id, "escalation", entry.language, text, alert_id=alert_id, actor="dialler")

    def claim_responder_calls(self) -> list[dict]:
        """Mark the next waiting responder of each escalation as being called; returns them with the sealed number."""
        with self.transaction():
            stale = self.conn.execute(
                "SELECT id FROM responder_calls WHERE state = ? AND updated_at < ?",
                (ANSWERED, utc_after(-ANSWERED_LEASE_SECONDS))).fetchall()
            for row in stale:
                self._end_call(row["id"], NOT_CONFIRMED, "no report from the line")
            for marker in self.conn.execute(
                    "SELECT id, alert_id FROM responder_calls WHERE state = ? AND entry_id IS NULL AND name = '-'"
                    " AND call_after <= ?", (WAITING, utcnow())).fetchall():
                self.conn.execute("UPDATE responder_calls SET state = ?, result = ?, updated_at = ? WHERE id = ?",
                                  (NO_SMS_CONFIRMATION, NO_SMS_CONFIRMATION, utcnow(), marker["id"]))
                self.audit("dialler", "responders_unreached", "alert", marker["alert_id"], None,
                           {"reason": NO_SMS_CONFIRMATION})
            # Every SMS of the escalation failed (refused, STOP, not delivered in time): no reply can
            # come, so the calls need not wait.
            self.conn.execute(
                "UPDATE responder_calls SET call_after = ? WHERE state = ? AND call_after > ? AND NOT EXISTS ("
                " SELECT 1 FROM sms_messages m WHERE m.alert_id = responder_calls.alert_id AND m.kind = 'escalation'"
                " AND m.direction = 'out' AND m.state NOT IN ('failed', 'expired'))", (utcnow(), WAITING, utcnow()))
            rows = self.conn.execute(
                "SELECT r.id, r.alert_id, r.entry_id, r.name, r.position, r.call_after,"
                " NOT EXISTS (SELECT 1 FROM responder_calls e WHERE e.alert_id = r.alert_id AND e.state != ?"
                "   AND e.created_at >= r.created_at) AS first FROM responder_calls r"
                " WHERE r.state = ? AND (r.call_after IS NULL OR r.call_after <= ?) AND NOT (r.entry_id IS NULL"
                "   AND r.name = '-')"
                " AND r.position = (SELECT min(position) FROM responder_calls o"
                "   WHERE o.alert_id = r.alert_id AND o.state = ?)"
                " AND NOT EXISTS (SELECT 1 FROM responder_calls b WHERE b.alert_id = r.alert_id AND b.state IN (?, ?))",
                (WAITING, WAITING, utcnow(), WAITING, CALLING, ANSWERED)).fetchall()
            claimed = []
            for row in rows:
                if row["call_after"] and row["first"]:   # the SMS went unconfirmed: the calls begin
                    self.audit("dialler", "responders_escalated_to_call", "alert", row["alert_id"], None,
                               {"responder": row["name"]})
                sealed = self.sealed_number(row["entry_id"]) if row["entry_id"] else None
                self.conn.execute("UPDATE responder_calls SET state = ?, updated_at = ? WHERE id = ?",
                                  (CALLING, utcnow(), row["id"]))
                claimed.append({key: row[key] for key in ("id", "alert_id", "entry_id", "name", "position")}
                               | {"sealed": sealed})
        return claimed

    def requeue_interrupted_responder_calls(self) -> int:
        """Calls being placed when the dialler stopped are waiting again."""
        with self.transaction():
            return self.conn.execute("UPDATE responder_calls SET state = ?, updated_at = ? WHERE state = ?",
                                     (WAITING, utcnow(), CALLING)).rowcount

    def responder_call_result(self, call_id: int, result: str) -> str:
        """The dialler's outcome of a call: answered (the line's flow takes over) or not (next responder)."""
        with self.transaction():
            if result == "answered":
                self.conn.execute("UPDATE responder_calls SET state = ?, result = ?, updated_at = ? WHERE id = ?",
                                  (ANSWERED, result, utcnow(), call_id))
                row = self._call(call_id)
                self.audit("dialler", "responder_answered", "alert", row["alert_id"], None, {"responder": row["name"]})
                return ANSWERED
            return self._end_call(call_id, result, result)

    def end_responder_call(self, call_id: int, confirmed: bool) -> str:
        """The line's report at the end of the call: the responder keyed the confirmation or not."""
        with self.transaction():
            row = self._call(call_id)
            if row is None or row["state"] != ANSWERED:
                return row["state"] if row else ""
            return self._end_call(call_id, CONFIRMED if confirmed else NOT_CONFIRMED,
                                  "confirmed" if confirmed else "not_confirmed")

    def _end_call(self, call_id: int, state: str, result: str) -> str:
        row = self._call(call_id)
        self.conn.execute("UPDATE responder_calls SET state = ?, result = ?, updated_at = ? WHERE id = ?",
                          (state, result, utcnow(), call_id))
        after = {"responder": row["name"], "result": result}
        if state == CONFIRMED:
            self.conn.execute("UPDATE responder_calls SET state = ?, updated_at = ? WHERE alert_id = ? AND state = ?",
                              (SKIPPED, utcnow(), row["alert_id"], WAITING))
            self.audit("dialler", "responder_confirmed", "alert", row["alert_id"], None, after)
            return state
        self.audit("dialler", "responder_call", "alert", row["alert_id"], None, after)
        left = self.conn.execute("SELECT count(*) FROM responder_calls WHERE alert_id = ? AND state IN (?, ?, ?)",
                                 (row["alert_id"], *OPEN_STATES)).fetchone()[0]
        if not left:
            self.audit("dialler", "responders_unreached", "alert", row["alert_id"], None, {"reason": "no_answer"})
        return state

    def _call(self, call_id: int):
        return self.conn.execute("SELECT * FROM responder_calls WHERE id = ?", (call_id,)).fetchone()

    def responder_brief(self, call_id: int) -> dict | None:
        """What the line says to a responder: the alert's category, locality, reference, language, recordings."""
        row = self._call(call_id)
        if row is None:
            return None
        alert = self.get_alert(row["alert_id"])
        entry = self.directory_entry(row["entry_id"]) if row["entry_id"] else None
        timeline = self.alert_timeline(row["alert_id"])
        return {"reference": alert["reference"], "locality": alert["locality"] or "",
                "category": (timeline.categories or ("other",))[0],
                "language": entry.language if entry else "fr",
                "recordings": [r["path"] for r in self.recordings_for(row["alert_id"])]}

    def unreached_escalations(self) -> list[dict]:
        """Escalated alerts whose every responder call is over and none confirmed: a supervisor must act.
        Every such alert was audited "responders_unreached" when it became so (_queue_responders,
        _end_call): found through that action's partial index (audit_unreached), not by reading
        every escalated alert of the history on every page."""
        return list(self.db.query(
            "SELECT a.id, a.reference FROM alerts a WHERE a.id IN (SELECT entity_id FROM audit_log"
            " WHERE action = 'responders_unreached' AND +entity = 'alert')"
            " AND +a.status = 'escalated'"
            " AND EXISTS (SELECT 1 FROM responder_calls r WHERE r.alert_id = a.id)"
            " AND NOT EXISTS (SELECT 1 FROM responder_calls r WHERE r.alert_id = a.id AND r.state IN (?, ?, ?, ?))"
            " AND NOT EXISTS (SELECT 1 FROM sms_messages m WHERE m.alert_id = a.id AND m.direction = 'in'"
            "   AND m.kind = 'confirmation')"
            " ORDER BY a.id", [*OPEN_STATES, CONFIRMED]))
