"""A durable work queue: jobs are claimed with a lease, retried, and parked after repeated failure.

A worker that dies mid-job simply stops renewing; when the lease runs out the
job is claimable again and the lost attempt counts as a failure.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..model import TranscriptState
from ._base import Base
from ._rows import from_json, to_json
from ._time import utc_after, utcnow

TRANSCRIBE = "transcribe"  # the kind of job the ASR worker claims, one per alert filed
# A fast keyword pass (Vosk grammar mode) claimed before any full decode: it gives the
# alert a provisional priority within seconds of a burst, the transcript refines it.
SPOT = "spot"
# A verifier corrected the transcript: the worker (which holds the lexicons) scores the
# correction again; until Swahili and Lingala models exist, that is those alerts' priority.
RESCORE = "rescore"


@dataclass(frozen=True)
class Job:
    id: int
    kind: str
    alert_id: int | None
    payload: dict
    attempts: int


class Jobs(Base):
    def queue_job(self, kind: str, alert_id: int | None = None, payload: dict | None = None) -> int:
        now = utcnow()
        cursor = self.conn.execute(
            "INSERT INTO jobs (kind, alert_id, payload, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
            (kind, alert_id, to_json(payload or {}), now, now),
        )
        return cursor.lastrowid

    def claim_job(self, kind: str, worker: str, lease_seconds: float, max_attempts: int = 3) -> Job | None:
        """Claim the oldest claimable job of `kind`, or return None."""
        with self.transaction():
            now = utcnow()
            self._park_exhausted(kind, now, max_attempts)
            row = self.conn.execute(
                "UPDATE jobs SET status = 'running', attempts = attempts + 1, lease_until = ?, worker = ?,"
                " updated_at = ? WHERE id = (SELECT id FROM jobs WHERE kind = ? AND"
                " (status = 'queued' OR (status = 'running' AND lease_until < ?)) ORDER BY id LIMIT 1)"
                " RETURNING id, kind, alert_id, payload, attempts",
                (utc_after(lease_seconds), worker, now, kind, now),
            ).fetchone()
        if row is None:
            return None
        return Job(row["id"], row["kind"], row["alert_id"], from_json(row["payload"]), row["attempts"])

    def _park_exhausted(self, kind: str, now: str, max_attempts: int) -> None:
        """Jobs whose worker died on their last allowed attempt are parked, not retried forever."""
        self.conn.execute(
            "UPDATE jobs SET status = 'failed', last_error = coalesce(last_error, 'worker stopped before finishing'),"
            " updated_at = ? WHERE kind = ? AND status = 'running' AND lease_until < ? AND attempts >= ?",
            (now, kind, now, max_attempts),
        )

    def renew_lease(self, job_id: int, worker: str, lease_seconds: float) -> bool:
        cursor = self.conn.execute(
            "UPDATE jobs SET lease_until = ? WHERE id = ? AND worker = ? AND status = 'running'",
            (utc_after(lease_seconds), job_id, worker),
        )
        return bool(cursor.rowcount)

    def release_job(self, job_id: int, worker: str) -> bool:
        """Give a claimed job back untried (a worker stopping cleanly): it is queued again and
        the attempt it was claimed with does not count."""
        cursor = self.conn.execute(
            "UPDATE jobs SET status = 'queued', attempts = max(attempts - 1, 0), lease_until = NULL,"
            " worker = NULL, updated_at = ? WHERE id = ? AND worker = ? AND status = 'running'",
            (utcnow(), job_id, worker),
        )
        return bool(cursor.rowcount)

    def complete_job(self, job_id: int) -> None:
        self.conn.execute(
            "UPDATE jobs SET status = 'done', lease_until = NULL, updated_at = ? WHERE id = ?", (utcnow(), job_id)
        )

    def fail_job(self, job_id: int, error: str, max_attempts: int = 3) -> bool:
        """Record a failure. Returns True when the job is parked as failed for good."""
        with self.transaction():
            attempts = self._value("SELECT attempts FROM jobs WHERE id = ?", (job_id,))
            parked = attempts >= max_attempts
            self.conn.execute(
                "UPDATE jobs SET status = ?, lease_until = NULL, last_error = ?, updated_at = ? WHERE id = ?",
                ("failed" if parked else "queued", error, utcnow(), job_id),
            )
        return parked

    def get_job(self, job_id: int) -> dict | None:
        return self._row("SELECT * FROM jobs WHERE id = ?", [job_id])

    def jobs_for_alert(self, alert_id: int) -> list[dict]:
        return self._rows("SELECT * FROM jobs WHERE alert_id = ? ORDER BY id", [alert_id])

    def job_counts(self, kind: str | None = None) -> dict[str, int]:
        """How many jobs are in each status (of one kind, or all)."""
        sql = "SELECT status, count(*) AS n FROM jobs"
        params = []
        if kind:
            sql += " WHERE kind = ?"
            params.append(kind)
        sql += " GROUP BY status"
        return {row["status"]: row["n"] for row in self._rows(sql, params)}

    def parked_without_failed_state(self, kind: str) -> list[dict]:
        """Jobs parked as failed (e.g. by claim_job after a worker died on the last attempt)
        whose alert still shows its transcript as pending."""
        return self._rows(
            "SELECT jobs.id, jobs.alert_id, jobs.last_error FROM jobs JOIN alerts ON alerts.id = jobs.alert_id"
            " WHERE jobs.kind = ? AND jobs.status = 'failed' AND alerts.transcript_state = ?",
            [kind, TranscriptState.PENDING.value],
        )
