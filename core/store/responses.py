"""Responses to alerts and the moments of each alert's journey, for response times."""

from __future__ import annotations

import json

from ..response_times import ESCALATION_STEPS, STEPS, Timeline
from ._time import utcnow
from .alerts import Alerts
from .audit import Audit

OUTCOMES = ("resolved", "ongoing", "referred", "no_action_possible", "false_alarm")
SPOKEN = "spoken"   # a response a responder spoke on the phone: the recording says the rest


class Responses(Alerts, Audit):
    def record_response(self, alert_id: int, action: str, outcome: str, note: str | None, actor: str,
                        source: str = "console", acted_at: str | None = None,
                        recording_path: str | None = None) -> int:
        """A response (action taken, outcome from OUTCOMES, a note), audited on the alert."""
        if outcome not in OUTCOMES + (SPOKEN,):
            raise ValueError(f"outcome is one of {', '.join(OUTCOMES)}")
        with self.transaction():
            if self.get_alert(alert_id) is None:
                raise KeyError(alert_id)
            now = utcnow()
            response_id = self.conn.execute(
                "INSERT INTO responses (alert_id, action, outcome, note, recorded_by, source, recording_path,"
                " acted_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (alert_id, action, outcome, note or None, actor, source, recording_path, acted_at or now, now),
            ).lastrowid
            self.audit(actor, "response", "alert", alert_id, None,
                       {"response_id": response_id, "action": action, "outcome": outcome, "source": source})
        return response_id

    def responses_for(self, alert_id: int) -> list[dict]:
        return list(self.db.query("SELECT * FROM responses WHERE alert_id = ? ORDER BY created_at, id", [alert_id]))

    def alert_timeline(self, alert_id: int) -> Timeline | None:
        found = self.alert_timelines(alert_id=alert_id)
        return found[0] if found else None

    def responder_calls_for(self, alert_id: int) -> list[dict]:
        return list(self.db.query("SELECT * FROM responder_calls WHERE alert_id = ? ORDER BY position, id", [alert_id]))

    def alert_timelines(self, since: str | None = None, until: str | None = None,
                        alert_id: int | None = None) -> list[Timeline]:
        """Every alert received in [since, until) (or the one alert) with the first moment of each step."""
        where, params = [], []
        if alert_id is not None:
            where.append("a.id = ?")
            params.append(alert_id)
        if since:
            where.append("a.created_at >= ?")
            params.append(since)
        if until:
            where.append("a.created_at < ?")
            params.append(until)
        first = ("(SELECT min(l.at) FROM audit_log l WHERE l.entity = 'alert' AND l.entity_id = a.id"
                 " AND l.action = {action}{extra})")
        status = " AND json_extract(l.after, '$.status') = '{}'"
        chosen = " WHERE " + " AND ".join(where) if where else ""
        rows = self.db.query(
            "SELECT a.id, a.reference, a.status, a.locality, a.keywords, a.created_at AS received, "
            + first.format(action="'listen'", extra="") + " AS first_listened, "
            + first.format(action="'status'", extra="") + " AS decided, "
            + first.format(action="'status'", extra=status.format("verified")) + " AS verified, "
            + first.format(action="'status'", extra=status.format("escalated")) + " AS escalated, "
            + first.format(action="'responder_confirmed'", extra="") + " AS responder_reached, "
            + "(SELECT min(m.handed_at) FROM sms_messages m WHERE m.alert_id = a.id AND m.kind = 'escalation'"
            + " AND (m.state != 'failed' OR EXISTS (SELECT 1 FROM sms_delivery_reports d WHERE d.message_id = m.id)))"
            + " AS sms_sent, "
            + "(SELECT min(d.received_at) FROM sms_delivery_reports d JOIN sms_messages m ON m.id = d.message_id"
            + " WHERE m.alert_id = a.id AND m.kind = 'escalation' AND d.state = 'delivered') AS sms_delivered, "
            + first.format(action="'responder_confirmed'", extra=" AND json_extract(l.after, '$.result') = 'sms'")
            + " AS sms_confirmed, "
            + first.format(action="'responders_escalated_to_call'", extra="") + " AS escalated_to_call, "
            + "(SELECT min(r.created_at) FROM responses r WHERE r.alert_id = a.id) AS response_recorded "
            + "FROM alerts a" + chosen + " ORDER BY a.created_at",
            params)
        tags: dict[int, list[str]] = {}
        # The tags of these alerts only: the whole table would make one alert's page cost every tag.
        for tagged, tag in self.conn.execute(
                "SELECT tags.alert_id, tags.tag FROM alerts a CROSS JOIN tags ON tags.alert_id = a.id" + chosen
                + " ORDER BY tags.tag", params):
            tags.setdefault(tagged, []).append(tag)
        timelines = []
        for row in rows:
            categories = tags.get(row["id"]) or _categories(row["keywords"])
            times = {step: row[step] for step in (*STEPS, *ESCALATION_STEPS) if row[step]}
            timelines.append(Timeline(row["id"], row["reference"], row["status"], row["locality"],
                                      tuple(categories), times))
        return timelines


def _categories(keywords: str | None) -> list[str]:
    """The risk categories the ASR found; a keyword without one (partial data) adds none."""
    found = json.loads(keywords or "[]")
    return sorted({k["category"] for k in found if isinstance(k, dict) and isinstance(k.get("category"), str)})
