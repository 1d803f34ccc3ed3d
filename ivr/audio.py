"""The IVR's recordings: their facts for the store; speech and WAV files come from core.audio.

The flows and the spool import reach the shared audio code through this module, under
the names they have always used.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from core.audio.speech import MIN_SPEECH_SECONDS, Segment, has_speech, speech_starts_after, split_at_pauses
from core.audio.wav import read_wav, write_wav
from core.durable import make_durable
from core.store import RecordingFacts

__all__ = ["MIN_SPEECH_SECONDS", "Segment", "facts", "has_speech", "read_wav", "speech_starts_after",
           "split_at_pauses", "write_wav"]


def facts(path: Path, data_dir: Path, offset_seconds: float = 0.0) -> RecordingFacts:
    """The facts of a recording about to be filed, once it is on stable storage: a row the
    store commits (and a reference the line then reads back) never names a file that a power
    cut can take back. Every recording the IVR files passes here."""
    make_durable(path, data_dir)
    samples, rate = read_wav(path)
    data = path.read_bytes()
    return RecordingFacts(
        path=str(path.relative_to(data_dir)),
        format="wav",
        duration=round(len(samples) / rate, 3),
        sample_rate=rate,
        bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        offset_seconds=offset_seconds,
    )
