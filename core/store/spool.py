"""Spool imports: failure-path recordings already filed, so each is imported exactly once."""

from __future__ import annotations

from ._base import Base
from ._time import utcnow


class Spool(Base):
    def spool_imported(self, name: str) -> bool:
        return self._value("SELECT 1 FROM spool_imports WHERE name = ?", (name,)) is not None

    def mark_spool_imported(self, name: str, alert_id: int | None) -> None:
        self.conn.execute(
            "INSERT INTO spool_imports (name, alert_id, imported_at) VALUES (?, ?, ?)", (name, alert_id, utcnow())
        )
