"""Calls in progress, for the console: what the dialler learns from Asterisk's events.

Only what a supervisor needs to see the line at work: where the call came from
(phone, radio, call-back), the step of its flow, and since when. Never a number or
a channel name.
"""

from __future__ import annotations

from ._base import Base
from ._time import utcnow


class LiveCalls(Base):
    def live_call_started(self, uniqueid: str) -> None:
        now = utcnow()
        self.conn.execute("INSERT OR IGNORE INTO live_calls (uniqueid, started_at, updated_at) VALUES (?, ?, ?)",
                          (uniqueid, now, now))

    def live_call_update(self, uniqueid: str, source: str | None = None, step: str | None = None) -> None:
        self.conn.execute(
            "UPDATE live_calls SET source = coalesce(?, source), step = coalesce(?, step), updated_at = ?"
            " WHERE uniqueid = ?", (source, step, utcnow(), uniqueid))

    def live_call_ended(self, uniqueid: str) -> None:
        self.conn.execute("DELETE FROM live_calls WHERE uniqueid = ?", (uniqueid,))

    def clear_live_calls(self) -> None:
        """After a restart or a lost AMI connection, nothing is known to be in progress."""
        self.conn.execute("DELETE FROM live_calls")

    def live_calls(self) -> list[dict]:
        return list(self.db.query("SELECT source, step, started_at FROM live_calls ORDER BY started_at"))
