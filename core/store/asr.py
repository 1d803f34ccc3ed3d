"""What the transcription worker needs beyond the shared jobs and alerts methods."""

from __future__ import annotations

from ..model import TranscriptState
from ._time import utcnow


class AsrMixin:
    def release_job(self, job_id: int, worker: str) -> bool:
        """Give a claimed job back untried (a worker stopping cleanly): it is queued again and
        the attempt it was claimed with does not count."""
        cursor = self.conn.execute(
            "UPDATE jobs SET status = 'queued', attempts = max(attempts - 1, 0), lease_until = NULL,"
            " worker = NULL, updated_at = ? WHERE id = ? AND worker = ? AND status = 'running'",
            (utcnow(), job_id, worker),
        )
        return bool(cursor.rowcount)

    def data_version(self) -> int:
        """Changes whenever another connection commits to the database: a cheap way to poll
        for new jobs without taking the write lock."""
        return self.conn.execute("PRAGMA data_version").fetchone()[0]

    def parked_without_failed_state(self, kind: str) -> list[dict]:
        """Jobs parked as failed (e.g. by claim_job after a worker died on the last attempt)
        whose alert still shows its transcript as pending."""
        return list(
            self.db.query(
                "SELECT jobs.id, jobs.alert_id, jobs.last_error FROM jobs JOIN alerts ON alerts.id = jobs.alert_id"
                " WHERE jobs.kind = ? AND jobs.status = 'failed' AND alerts.transcript_state = ?",
                [kind, TranscriptState.PENDING.value],
            )
        )
