"""An escalation's calls to responders: queued in order of call, placed one at a time, tracked.

A supervisor's escalation (any `status → escalated` in the audit log after this feature
was installed) queues one row per responder of the alert's locality. The dialler calls
the first waiting one; a call not answered, or answered without the confirming key,
moves on to the next; once none is left the escalation is unreached and the console
says so to supervisors. Every attempt and outcome is audited on the alert.
"""

from __future__ import annotations

import datetime as dt

from ._time import as_text, utc_after, utcnow
from .alerts import Alerts
from .audit import Audit
from .directory import Directory
from .responses import Responses

# Rows of an escalation still in play, and the outcomes of the ones done.
WAITING, CALLING, ANSWERED = "waiting", "calling", "answered"
CONFIRMED, NOT_CONFIRMED, SKIPPED, NO_RESPONDER = "confirmed", "not_confirmed", "skipped", "no_responder"
OPEN_STATES = (WAITING, CALLING, ANSWERED)
# An answered call whose flow never reported back (IVR restarted) counts as not confirmed after this.
ANSWERED_LEASE_SECONDS = 600
# An escalation committed while another was being queued may be older than the newest row.
ESCALATION_SETTLE = dt.timedelta(hours=1)
_ESCALATED_AT = ("(SELECT max(l.at) FROM audit_log l WHERE l.entity = 'alert' AND l.entity_id = a.id"
                 " AND l.action = 'status' AND json_extract(l.after, '$.status') = 'escalated')")


class Responders(Responses, Alerts, Directory, Audit):
    def queue_escalations(self) -> list[int]:
        """Queue the responders of every alert escalated since its calls were last queued; returns the alert ids."""
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
                " WHERE r.alert_id = a.id AND r.created_at >= escalated_at)", (recent, since)).fetchall()
            for row in due:
                self._queue_responders(row["id"], row["locality"])
        return [row["id"] for row in due]

    def _queue_responders(self, alert_id: int, locality: str | None) -> None:
        responders = self.responders_for(locality) if locality else []
        start = self.conn.execute("SELECT coalesce(max(position), 0) FROM responder_calls WHERE alert_id = ?",
                                  (alert_id,)).fetchone()[0]
        now = utcnow()
        for position, entry in enumerate(responders, start=start + 1):
            self.conn.execute(
                "INSERT INTO responder_calls (alert_id, entry_id, name, position, state, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)", (alert_id, entry.id, entry.name, position, WAITING, now, now))
        if not responders:
            self.conn.execute(
                "INSERT INTO responder_calls (alert_id, entry_id, name, position, state, created_at, updated_at)"
                " VALUES (?, NULL, '-', ?, ?, ?, ?)", (alert_id, start + 1, NO_RESPONDER, now, now))
            self.audit("dialler", "responders_unreached", "alert", alert_id, None, {"reason": NO_RESPONDER})
            return
        self.audit("dialler", "responders_queued", "alert", alert_id, None,
                   {"responders": [entry.name for entry in responders]})

    def claim_responder_calls(self) -> list[dict]:
        """Mark the next waiting responder of each escalation as being called; returns them with the sealed number."""
        with self.transaction():
            stale = self.conn.execute(
                "SELECT id FROM responder_calls WHERE state = ? AND updated_at < ?",
                (ANSWERED, utc_after(-ANSWERED_LEASE_SECONDS))).fetchall()
            for row in stale:
                self._end_call(row["id"], NOT_CONFIRMED, "no report from the line")
            rows = self.conn.execute(
                "SELECT r.id, r.alert_id, r.entry_id, r.name, r.position FROM responder_calls r"
                " WHERE r.state = ? AND r.position = (SELECT min(position) FROM responder_calls o"
                "   WHERE o.alert_id = r.alert_id AND o.state = ?)"
                " AND NOT EXISTS (SELECT 1 FROM responder_calls b WHERE b.alert_id = r.alert_id AND b.state IN (?, ?))",
                (WAITING, WAITING, CALLING, ANSWERED)).fetchall()
            claimed = []
            for row in rows:
                sealed = self.sealed_number(row["entry_id"]) if row["entry_id"] else None
                self.conn.execute("UPDATE responder_calls SET state = ?, updated_at = ? WHERE id = ?",
                                  (CALLING, utcnow(), row["id"]))
                claimed.append({**dict(row), "sealed": sealed})
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
            " ORDER BY a.id", [*OPEN_STATES, CONFIRMED]))
