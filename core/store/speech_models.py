"""Speech models as the ASR worker last loaded them, and alerts waiting for a model."""

from __future__ import annotations

from ..model import TranscriptState
from ._time import utcnow
from .audit import Audit
from .jobs import TRANSCRIBE, Jobs
from .transcripts import Transcripts


class SpeechModels(Transcripts, Jobs, Audit):
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
        return self._rows("SELECT * FROM model_status ORDER BY language")

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
