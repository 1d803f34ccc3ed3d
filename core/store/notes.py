"""Verifiers' free-text notes on an alert, audited."""

from __future__ import annotations

from ._time import utcnow
from .audit import Audit


class Notes(Audit):
    def add_note(self, alert_id: int, author: str, text: str, recording_path: str | None = None,
                 channel: str | None = None) -> int:
        """`recording_path`: a spoken note's audio (the verifier line), relative to the data directory."""
        with self.transaction():
            cursor = self.conn.execute(
                "INSERT INTO notes (alert_id, author, text, created_at, recording_path) VALUES (?, ?, ?, ?, ?)",
                (alert_id, author, text, utcnow(), recording_path),
            )
            self.audit(author, "note", "alert", alert_id, None, {"text": text}, channel=channel)
            return cursor.lastrowid

    def note(self, note_id: int) -> dict | None:
        return self._row("SELECT * FROM notes WHERE id = ?", [note_id])

    def notes_for(self, alert_id: int) -> list[dict]:
        return self._rows("SELECT * FROM notes WHERE alert_id = ? ORDER BY id", [alert_id])
