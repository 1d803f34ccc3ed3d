"""Transcripts (the ASR's and the verifiers' corrections, each kept), risk keywords and priority.

A verifier's corrected transcript queues a RESCORE job: the ASR worker, which holds
the lexicons, scores it again, so an alert a person transcribed (every alert in a
language without a speech model) gets keywords and a priority like one the ASR heard.
"""

from __future__ import annotations

from ..model import FLAG_SILENT, TranscriptState
from ._rows import decode, to_json
from ._time import utcnow
from .audit import Audit
from .flags import Flags
from .jobs import RESCORE, Jobs

ASR = "asr"
VERIFIER = "verifier"


class Transcripts(Flags, Jobs, Audit):
    def add_transcript(
        self,
        alert_id: int,
        text: str,
        words: list | None = None,
        model: str | None = None,
        language: str | None = None,
        confidence: float | None = None,
        speech_seconds: float | None = None,
        origin: str = ASR,
        author: str | None = None,
    ) -> int:
        """Keep a new version of the alert's transcript; the ASR's marks transcription done,
        a person's is audited and scored again (RESCORE), and a person who wrote words heard
        speech, so the alert is no longer flagged silent."""
        with self.transaction():
            previous = self.latest_transcript(alert_id)
            cursor = self.conn.execute(
                "INSERT INTO transcripts (alert_id, text, words, model, language, confidence, speech_seconds,"
                " origin, author, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (alert_id, text, to_json(words or []), model, language, confidence,
                 speech_seconds, origin, author, utcnow()),
            )
            if origin == ASR:
                self.set_transcript_state(alert_id, TranscriptState.DONE)
            else:
                if text.strip():
                    self.set_flags(alert_id, author or "?", clear=(FLAG_SILENT,))
                self.audit(author or "?", "transcript", "alert", alert_id,
                           {"text": previous["text"] if previous else None}, {"text": text})
                self.queue_job(RESCORE, alert_id)
            return cursor.lastrowid

    def transcripts_for(self, alert_id: int) -> list[dict]:
        rows = self._rows("SELECT * FROM transcripts WHERE alert_id = ? ORDER BY id", [alert_id])
        return [decode(row, "words") for row in rows]

    def latest_transcript(self, alert_id: int) -> dict | None:
        rows = self.transcripts_for(alert_id)
        return rows[-1] if rows else None

    def set_transcript_state(self, alert_id: int, state: TranscriptState | str, error: str | None = None) -> None:
        self.conn.execute(
            "UPDATE alerts SET transcript_state = ?, transcript_error = ?, updated_at = ? WHERE id = ?",
            (TranscriptState(state).value, error, utcnow(), alert_id),
        )

    def set_keywords(self, alert_id: int, keywords: list[dict], priority: float) -> None:
        self.conn.execute(
            "UPDATE alerts SET keywords = ?, priority = ?, updated_at = ? WHERE id = ?",
            (to_json(keywords), priority, utcnow(), alert_id),
        )

    def set_provisional_keywords(self, alert_id: int, keywords: list[dict], priority: float) -> bool:
        """The keyword pass's priority, kept only while neither the full transcript nor a
        verifier's correction has come: the queue is ordered by it until then. Returns
        whether it was kept."""
        cursor = self.conn.execute(
            "UPDATE alerts SET keywords = ?, priority = ?, updated_at = ? WHERE id = ? AND transcript_state = ?"
            " AND NOT EXISTS (SELECT 1 FROM transcripts WHERE alert_id = alerts.id AND origin != 'asr')",
            (to_json(keywords), priority, utcnow(), alert_id, TranscriptState.PENDING.value),
        )
        return bool(cursor.rowcount)
