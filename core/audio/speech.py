"""What counts as speech, for every service.

A recording is silent when it holds less than MIN_SPEECH_SECONDS of speech: `Speech.silent`
is the one check the IVR (during the call, to ask again), the spool import and the ASR
(before decoding) all ask. Two detectors find the speech and both return a `Speech`:

- `detect` here: frame levels against the recording's own noise floor. Numpy only, about
  a millisecond per minute of audio, no model: the IVR runs it while the caller waits, and
  splits radio sessions at their pauses with it.
- `core.audio.vad`: Silero, which also tells speech from steady hiss; the ASR runs it to
  decide what to decode and where to trim.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MIN_SPEECH_SECONDS = 0.25   # less speech than this in a whole recording: silent

FRAME_SECONDS = 0.02
# Below this level a frame is certainly not speech, whatever the line's noise floor.
SILENCE_DBFS = -50.0
# Speech is this much louder than the recording's own noise floor.
SPEECH_ABOVE_FLOOR_DB = 12.0


@dataclass(frozen=True)
class Speech:
    segments: tuple[tuple[float, float], ...]   # (start, end) in seconds

    @property
    def seconds(self) -> float:
        return sum(end - start for start, end in self.segments)

    @property
    def silent(self) -> bool:
        return self.seconds < MIN_SPEECH_SECONDS


@dataclass(frozen=True)
class Segment:
    start: float
    end: float


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
    """Per 20 ms frame: does it hold speech?"""
    levels = frame_levels(samples, rate)
    if len(levels) == 0:
        return levels.astype(bool)
    floor = np.percentile(levels, 10)
    threshold = max(SILENCE_DBFS, floor + SPEECH_ABOVE_FLOOR_DB)
    return levels > threshold


def detect(samples: np.ndarray, rate: int) -> Speech:
    """The runs of speech frames in int16 mono samples at any rate."""
    return _runs(speech_frames(samples, rate))


def _runs(speech: np.ndarray) -> Speech:
    frames = np.concatenate(([False], speech, [False])).astype(np.int8)
    edges = np.flatnonzero(np.diff(frames))
    return Speech(tuple((round(float(start) * FRAME_SECONDS, 3), round(float(end) * FRAME_SECONDS, 3))
                        for start, end in zip(edges[::2], edges[1::2])))


def has_speech(samples: np.ndarray, rate: int) -> bool:
    return not detect(samples, rate).silent


def speech_starts_after(samples: np.ndarray, rate: int, lead_seconds: float, pause_seconds: float) -> bool:
    """Does speech begin in the take after its first `lead_seconds` (at least
    MIN_SPEECH_SECONDS of it)? An answer to a question asked just before the take starts
    inside it.

    Speech already there in the lead-in was going on before the take began (a caller still
    talking): it is not counted, nor is anything up to its first pause of `pause_seconds`;
    speech after that pause is a fresh start and counts. A take with a quiet lead-in counts
    all its speech."""
    frames = speech_frames(samples, rate)
    if frames[:max(1, round(lead_seconds / FRAME_SECONDS))].any():
        pause = max(1, round(pause_seconds / FRAME_SECONDS))
        # Where `pause` quiet frames in a row begin: none can before the carry-over's first frame.
        pauses = np.flatnonzero(np.convolve(~frames, np.ones(pause, dtype=int), mode="valid") == pause)
        frames = frames[pauses[0] + pause:] if len(pauses) else frames[:0]
    return not _runs(frames).silent


def split_at_pauses(samples: np.ndarray, rate: int, pause_seconds: float, margin: float = 0.3) -> list[Segment]:
    """Split a long relay into reports at pauses of at least `pause_seconds`.

    Each segment keeps `margin` seconds of context either side of its speech; a report
    spanning less than MIN_SPEECH_SECONDS is a click, not a report.
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
