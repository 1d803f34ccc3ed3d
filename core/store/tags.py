"""Verifiers' tags on an alert: indicator categories, audited as a set."""

from __future__ import annotations

from ._time import utcnow
from .audit import Audit


class Tags(Audit):
    def set_tags(self, alert_id: int, tags: set[str], actor: str) -> None:
        with self.transaction():
            before = {r[0] for r in self.conn.execute("SELECT tag FROM tags WHERE alert_id = ?", (alert_id,))}
            if before == set(tags):
                return
            self.conn.execute("DELETE FROM tags WHERE alert_id = ?", (alert_id,))
            now = utcnow()
            for tag in sorted(tags):
                self.conn.execute(
                    "INSERT INTO tags (alert_id, tag, author, created_at) VALUES (?, ?, ?, ?)", (alert_id, tag, actor, now)
                )
            self.audit(actor, "tags", "alert", alert_id, sorted(before), sorted(tags))

    def tags_for(self, alert_id: int) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT tag FROM tags WHERE alert_id = ? ORDER BY tag", (alert_id,))]

