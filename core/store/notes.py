"""Verifiers' free-text notes on an alert, audited."""

from __future__ import annotations

from ._time import utcnow
from .audit import Audit


class Notes(Audit):
    def add_note(self, alert_id: int, author: str, text: str) -> int:
        with self.transaction():
            cursor = self.conn.execute(
                "INSERT INTO notes (alert_id, author, text, created_at) VALUES (?, ?, ?, ?)",
                (alert_id, author, text, utcnow()),
            )
            self.audit(author, "note", "alert", alert_id, None, {"text": text})
            return cursor.lastrowid

    def notes_for(self, alert_id: int) -> list[dict]:
        return self._rows("SELECT * FROM notes WHERE alert_id = ? ORDER BY id", [alert_id])
