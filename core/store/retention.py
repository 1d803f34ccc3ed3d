"""Retention: what a closed alert keeps once its time is up, and what goes.

The alert itself stays (reference, status, locality, tags, notes, history), so
figures and references still add up; its recordings and transcripts go, with
the transcript text copied into the audit log by corrections, and the caller's
pseudonym once none of the call's alerts keeps any content.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ..model import Status
from ._time import utcnow
from .spotting import Spotting

# Decisions after which nobody needs the reporter's voice any more. "unverified" and
# "new" stay open: a later report may still confirm them.
CLOSED_STATUSES = (Status.VERIFIED, Status.FALSE, Status.DUPLICATE, Status.ESCALATED)

PURGE_BATCH = 200
RETENTION_ACTOR = "retention"

# Called inside the purge's transaction with the recordings' relative paths and their
# alert ids, before any row is deleted: if it raises, nothing is purged.
RemoveFiles = Callable[[list[dict]], None]


class Retention(Spotting):
    def purgeable_alerts(self, closed_before: str, limit: int = PURGE_BATCH) -> list[int]:
        """Closed alerts untouched since `closed_before` whose content is still here."""
        marks = ", ".join("?" for _ in CLOSED_STATUSES)
        rows = self.conn.execute(
            f"SELECT id FROM alerts WHERE status IN ({marks}) AND updated_at < ? AND purged_at IS NULL"
            " ORDER BY id LIMIT ?",
            (*[s.value for s in CLOSED_STATUSES], closed_before, limit),
        )
        return [row[0] for row in rows]

    def purge_closed(self, closed_before: str, remove_files: RemoveFiles, actor: str = RETENTION_ACTOR) -> dict:
        """Purge every closed alert untouched since `closed_before`, a batch per transaction.

        Returns {"alerts": [ids], "recordings": n, "transcripts": n}; the audit log gets
        the same ids and counts, never any content.
        """
        totals = {"alerts": [], "recordings": 0, "transcripts": 0}
        while True:
            with self.transaction():
                # Chosen inside the write lock: an alert reopened a moment ago is left alone.
                ids = self.purgeable_alerts(closed_before)
                if not ids:
                    break
                counts = self._purge_batch(ids, remove_files, actor)
            totals["alerts"] += ids
            totals["recordings"] += counts["recordings"]
            totals["transcripts"] += counts["transcripts"]
        if totals["alerts"]:
            self.audit(actor, "purge", "retention", None, None,
                       {**totals, "closed_before": closed_before})
        return totals

    def _purge_batch(self, ids: list[int], remove_files: RemoveFiles, actor: str) -> dict:
        marks = ", ".join("?" for _ in ids)
        recordings = [dict(row) for row in self.conn.execute(
            f"SELECT id, alert_id, path, sha256 FROM recordings WHERE alert_id IN ({marks})", ids)]
        # Examples cut from these alerts are pieces of the same voices: they go too.
        examples = self.example_clips_of(ids)
        remove_files(recordings + [{"id": None, **example} for example in examples])
        per_alert = {alert_id: {"recordings": 0, "transcripts": 0} for alert_id in ids}
        for row in recordings:
            per_alert[row["alert_id"]]["recordings"] += 1
        for alert_id, count in self.conn.execute(
            f"SELECT alert_id, count(*) FROM transcripts WHERE alert_id IN ({marks}) GROUP BY alert_id", ids
        ):
            per_alert[alert_id]["transcripts"] = count
        self._purge_examples(ids)
        self.conn.execute(f"DELETE FROM recordings WHERE alert_id IN ({marks})", ids)
        self.conn.execute(f"DELETE FROM transcripts WHERE alert_id IN ({marks})", ids)
        self.conn.execute(f"DELETE FROM jobs WHERE alert_id IN ({marks}) AND status = 'queued'", ids)
        # Corrections copied the old and new text into the audit log: they go too.
        self.conn.execute(
            "UPDATE audit_log SET before = NULL, after = '{\"purged\": true}'"
            f" WHERE entity = 'alert' AND action = 'transcript' AND entity_id IN ({marks})", ids)
        now = utcnow()
        self.conn.execute(f"UPDATE alerts SET purged_at = ?, updated_at = ? WHERE id IN ({marks})", (now, now, *ids))
        self._forget_purged_callers(ids)
        for alert_id, counts in per_alert.items():
            self.audit(actor, "purge", "alert", alert_id, None, counts)
        return {"recordings": len(recordings), "examples": len(examples), "transcripts": sum(c["transcripts"] for c in per_alert.values())}

    def _forget_purged_callers(self, ids: Iterable[int]) -> None:
        """A call whose alerts are all purged no longer links its caller to anyone's reports."""
        marks = ", ".join("?" for _ in ids)
        self.conn.execute(
            "UPDATE calls SET caller_pseudonym = NULL WHERE caller_pseudonym IS NOT NULL"
            f" AND id IN (SELECT call_id FROM alerts WHERE id IN ({marks}))"
            " AND NOT EXISTS (SELECT 1 FROM alerts WHERE alerts.call_id = calls.id AND alerts.purged_at IS NULL)",
            list(ids),
        )

    def recording_paths(self) -> list[dict]:
        """Every recording the database knows: what a backup must copy."""
        return [dict(row) for row in self.conn.execute("SELECT id, path, bytes, sha256 FROM recordings ORDER BY id")]
