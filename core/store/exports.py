"""What exports read: verified and escalated alerts, without who called."""

from __future__ import annotations

import json

from ..model import Status

EXPORTED = (Status.VERIFIED.value, Status.ESCALATED.value)


class ExportsMixin:
    def exportable_alerts(self, since: str | None = None, limit: int = 100_000) -> list[dict]:
        """Verified and escalated alerts received since `since` (UTC ISO), oldest first, with
        the latest transcript (a verifier's correction if any), tags and incident. No caller
        pseudonym, no channel, no station: only the kind of source."""
        rows = self.db.query(
            "SELECT alerts.id, alerts.reference, alerts.status, alerts.language, alerts.locality, alerts.priority,"
            " alerts.keywords, alerts.created_at, alerts.updated_at, calls.source,"
            " (SELECT text FROM transcripts WHERE transcripts.alert_id = alerts.id"
            "  ORDER BY transcripts.id DESC LIMIT 1) AS transcript,"
            " (SELECT group_concat(tag, ' ') FROM tags WHERE tags.alert_id = alerts.id) AS tags,"
            " (SELECT incident_id FROM incident_alerts WHERE incident_alerts.alert_id = alerts.id) AS incident"
            " FROM alerts LEFT JOIN calls ON calls.id = alerts.call_id"
            " WHERE alerts.status IN (?, ?) AND alerts.created_at >= ? ORDER BY alerts.created_at, alerts.id LIMIT ?",
            [*EXPORTED, since or "", limit],
        )
        out = []
        for row in rows:
            row["keywords"] = json.loads(row["keywords"])
            row["tags"] = row["tags"].split() if row["tags"] else []
            out.append(row)
        return out
