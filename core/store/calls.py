"""Calls: one row per call the line answered (or missed, on the beep line)."""

from __future__ import annotations

from ..model import Source
from ._base import Base
from ._time import utcnow


# The day a call began, in the store's fixed-width time format (core/store/_time.py).
DAY_OF_STARTED = "substr(started_at, 1, 10) || 'T00:00:00.000+00:00'"


class Calls(Base):
    def create_call(
        self,
        source: Source | str,
        channel: str | None = None,
        uniqueid: str | None = None,
        station: str | None = None,
        caller_pseudonym: str | None = None,
        started_at: str | None = None,
    ) -> int:
        cursor = self.conn.execute(
            "INSERT INTO calls (channel, uniqueid, source, station, caller_pseudonym, started_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (channel, uniqueid, str(Source(source)), station, caller_pseudonym, started_at or utcnow()),
        )
        return cursor.lastrowid

    def end_call(self, call_id: int) -> None:
        self.conn.execute("UPDATE calls SET ended_at = ? WHERE id = ? AND ended_at IS NULL", (utcnow(), call_id))

    def forget_caller(self, call_id: int) -> None:
        """A call that turned into a confidential complaint keeps no trace of who called: no
        pseudonym, no channel (which names a phone registered on the line) or Asterisk id, and
        only the day it began and ended, so its times cannot be matched to the complaint's.
        Its end is set here, so `end_call` leaves it at the day."""
        self.conn.execute(
            "UPDATE calls SET caller_pseudonym = NULL, channel = NULL, uniqueid = NULL,"
            f" started_at = {DAY_OF_STARTED}, ended_at = {DAY_OF_STARTED} WHERE id = ?", (call_id,))

    def get_call(self, call_id: int) -> dict | None:
        return self._row("SELECT * FROM calls WHERE id = ?", [call_id])

    def alerts_from_pseudonym(self, pseudonym: str, before_alert_id: int | None = None) -> int:
        """How many alerts a caller (by pseudonym) has filed, optionally before a given one."""
        sql = "SELECT count(*) FROM alerts JOIN calls ON calls.id = alerts.call_id WHERE calls.caller_pseudonym = ?"
        params: list = [pseudonym]
        if before_alert_id is not None:
            sql += " AND alerts.id < ?"
            params.append(before_alert_id)
        return self._value(sql, params)

    def last_call_id(self) -> int:
        return self._value("SELECT coalesce(max(id), 0) FROM calls")

    def call_outcomes_after(self, call_id: int) -> list[dict]:
        """Each call after `call_id` with its alert, recording and first ASR transcript's time (bench/calls.py)."""
        return self._rows(
            "SELECT calls.id AS call_id, calls.started_at, calls.ended_at, alerts.id AS alert_id, alerts.flags,"
            " alerts.created_at AS filed_at,"
            " alerts.transcript_state, recordings.path, recordings.duration,"
            " (SELECT min(created_at) FROM transcripts WHERE transcripts.alert_id = alerts.id"
            "  AND origin = 'asr') AS transcribed_at"
            " FROM calls LEFT JOIN alerts ON alerts.call_id = calls.id"
            " LEFT JOIN recordings ON recordings.alert_id = alerts.id WHERE calls.id > ? ORDER BY calls.id",
            [call_id])
