"""What the IVR measures in its own recordings: facts for the store, silence, and pauses.

Asterisk writes 16-bit PCM WAV at the channel's rate (`wav` = 8 kHz, `wav16` = 16 kHz).
"""

from __future__ import annotations

import hashlib
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.store import RecordingFacts

FRAME_SECONDS = 0.02
# Below this level a frame is certainly not speech, whatever the line's noise floor.
SILENCE_DBFS = -50.0
# Speech is this much louder than the recording's own noise floor.
SPEECH_ABOVE_FLOOR_DB = 12.0
MIN_SPEECH_SECONDS = 0.3


@dataclass(frozen=True)
class Segment:
    start: float
    end: float


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    with wave.open(str(path), "rb") as handle:
        if handle.getsampwidth() != 2:
            raise ValueError(f"{path}: expected 16-bit PCM, got {8 * handle.getsampwidth()}-bit")
        rate = handle.getframerate()
        frames = handle.readframes(handle.getnframes())
        channels = handle.getnchannels()
    samples = np.frombuffer(frames, dtype="<i2")
    if channels > 1:
        samples = samples.reshape(-1, channels).mean(axis=1).astype("<i2")
    return samples, rate


def write_wav(path: Path, samples: np.ndarray, rate: int) -> None:
    tmp = path.with_name(path.name + ".part")
    with wave.open(str(tmp), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(rate)
        handle.writeframes(samples.astype("<i2").tobytes())
    tmp.replace(path)


def facts(path: Path, data_dir: Path, offset_seconds: float = 0.0) -> RecordingFacts:
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


def frame_levels(samples: np.ndarray, rate: int) -> np.ndarray:
    """RMS level of each 20 ms frame in dBFS."""
    size = max(1, int(rate * FRAME_SECONDS))
    count = len(samples) // size
    if count == 0:
        return np.zeros(0)
    frames = samples[: count * size].astype(np.float64).reshape(count, size) / 32768.0
    rms = np.sqrt(np.mean(frames**2, axis=1))
    return 20 * np.log10(np.maximum(rms, 1e-9))


def speech_frames(samples: np.ndarray, rate: int) -> np.ndarray:
    levels = frame_levels(samples, rate)
    if len(levels) == 0:
        return levels.astype(bool)
    floor = np.percentile(levels, 10)
    threshold = max(SILENCE_DBFS, floor + SPEECH_ABOVE_FLOOR_DB)
    return levels > threshold


def has_speech(samples: np.ndarray, rate: int) -> bool:
    return speech_frames(samples, rate).sum() * FRAME_SECONDS >= MIN_SPEECH_SECONDS


def split_at_pauses(samples: np.ndarray, rate: int, pause_seconds: float, margin: float = 0.3) -> list[Segment]:
    """Split a long relay into reports at pauses of at least `pause_seconds`.

    Each segment keeps `margin` seconds of context either side of its speech.
    """
    speech = speech_frames(samples, rate)
    total = len(samples) / rate
    spans: list[list[int]] = []
    gap_frames = int(pause_seconds / FRAME_SECONDS)
    for index in np.flatnonzero(speech):
        if spans and index - spans[-1][1] <= gap_frames:
            spans[-1][1] = index
        else:
            spans.append([index, index])
    segments = []
    for first, last in spans:
        start = first * FRAME_SECONDS
        end = (last + 1) * FRAME_SECONDS
        if end - start < MIN_SPEECH_SECONDS:
            continue
        segments.append(Segment(round(max(0.0, start - margin), 3), round(min(total, end + margin), 3)))
    return segments
