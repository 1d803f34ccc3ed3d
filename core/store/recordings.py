"""Recordings: the audio files behind an alert; paths are relative to the data directory."""

from __future__ import annotations

from dataclasses import dataclass

from ._base import Base
from ._time import utcnow


@dataclass(frozen=True)
class RecordingFacts:
    """What the store keeps about an audio file; `path` is relative to the data directory."""

    path: str
    format: str
    duration: float
    sample_rate: int
    bytes: int
    sha256: str
    offset_seconds: float = 0.0


class Recordings(Base):
    def add_recording(self, alert_id: int, recording: RecordingFacts) -> int:
        cursor = self.conn.execute(
            "INSERT INTO recordings (alert_id, path, format, duration, sample_rate, bytes, sha256,"
            " offset_seconds, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                alert_id,
                recording.path,
                recording.format,
                recording.duration,
                recording.sample_rate,
                recording.bytes,
                recording.sha256,
                recording.offset_seconds,
                utcnow(),
            ),
        )
        return cursor.lastrowid

    def recordings_for(self, alert_id: int) -> list[dict]:
        return self._rows("SELECT * FROM recordings WHERE alert_id = ? ORDER BY id", [alert_id])

    def get_recording(self, recording_id: int) -> dict | None:
        return self._row("SELECT * FROM recordings WHERE id = ?", [recording_id])
