"""What the transcription worker needs beyond the shared jobs and alerts methods."""

from __future__ import annotations

import json

from ..model import TranscriptState
from ._time import utcnow
from .alerts import TRANSCRIBE


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

    def set_provisional_keywords(self, alert_id: int, keywords: list[dict], priority: float) -> bool:
        """The keyword pass's priority, kept only while neither the full transcript nor a
        verifier's correction has come: the queue is ordered by it until then. Returns
        whether it was kept."""
        cursor = self.conn.execute(
            "UPDATE alerts SET keywords = ?, priority = ?, updated_at = ? WHERE id = ? AND transcript_state = ?"
            " AND NOT EXISTS (SELECT 1 FROM transcripts WHERE alert_id = alerts.id AND origin != 'asr')",
            (json.dumps(keywords, ensure_ascii=False), priority, utcnow(), alert_id, TranscriptState.PENDING.value),
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

    # -- speech models ------------------------------------------------------------

    def set_model_statuses(self, statuses: dict[str, tuple[str, str | None]], worker: str) -> None:
        """Replace the models' status with what a worker just loaded: language -> (path, error),
        error None for a model that loaded. Languages no longer configured disappear."""
        with self.transaction():
            self.conn.execute("DELETE FROM model_status")
            for language, (path, error) in sorted(statuses.items()):
                self.conn.execute(
                    "INSERT INTO model_status (language, path, state, error, worker, updated_at)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (language, str(path), "failed" if error else "loaded", error, worker, utcnow()),
                )

    def model_statuses(self) -> list[dict]:
        return list(self.db.query("SELECT * FROM model_status ORDER BY language"))

    def requeue_without_model(self, language: str) -> int:
        """Alerts in `language` marked "no model" go back to the transcription queue (a model
        for it has just been added); returns how many."""
        with self.transaction():
            ids = [row[0] for row in self.conn.execute(
                "SELECT id FROM alerts WHERE language = ? AND transcript_state = ?",
                (language, TranscriptState.NO_MODEL.value),
            )]
            for alert_id in ids:
                self.queue_job(TRANSCRIBE, alert_id)
                self.set_transcript_state(alert_id, TranscriptState.PENDING)
        return len(ids)
