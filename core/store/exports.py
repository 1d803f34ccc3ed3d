"""What exports read: verified and escalated alerts, without who called."""

from __future__ import annotations

from ..model import Status
from ._rows import decode, split_tags
from ._time import utcnow
from .audit import Audit

EXPORTED = (Status.VERIFIED.value, Status.ESCALATED.value)


class Exports(Audit):
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
            # Driven by the time received (alerts_received), not by the status: every verified alert ever.
            " WHERE +alerts.status IN (?, ?) AND alerts.created_at >= ? ORDER BY alerts.created_at, alerts.id LIMIT ?",
            [*EXPORTED, since or "", limit],
        )
        return [split_tags(decode(row, "keywords")) for row in rows]

    # -- the speech corpus ------------------------------------------------------------

    def set_shareable(self, alert_id: int, shareable: bool, actor: str) -> bool:
        """Mark an alert as shareable in the speech corpus (or not), audited as "share"."""
        with self.transaction():
            row = self.conn.execute("SELECT shareable FROM alerts WHERE id = ?", (alert_id,)).fetchone()
            if row is None:
                raise KeyError(alert_id)
            if bool(row[0]) == shareable:
                return False
            self.conn.execute("UPDATE alerts SET shareable = ?, updated_at = ? WHERE id = ?",
                              (int(shareable), utcnow(), alert_id))
            self.audit(actor, "share", "alert", alert_id, {"shareable": bool(row[0])}, {"shareable": shareable})
            return True

    def corpus_alerts(self, language: str) -> list[dict]:
        """Shareable alerts in `language` with a verifier's corrected transcript (the latest),
        oldest first. The caller's pseudonym is read only to tell speakers apart."""
        return self._rows(
            "SELECT alerts.id, alerts.locality, alerts.language, calls.caller_pseudonym AS speaker_key,"
            " (SELECT text FROM transcripts WHERE transcripts.alert_id = alerts.id AND transcripts.origin != 'asr'"
            "  ORDER BY transcripts.id DESC LIMIT 1) AS text"
            " FROM alerts LEFT JOIN calls ON calls.id = alerts.call_id"
            " WHERE alerts.shareable = 1 AND alerts.language = ? AND alerts.purged_at IS NULL"
            " AND EXISTS (SELECT 1 FROM transcripts WHERE transcripts.alert_id = alerts.id"
            "  AND transcripts.origin != 'asr') ORDER BY alerts.created_at, alerts.id",
            [language],
        )
