"""Whisper through faster-whisper (CTranslate2, int8 on the CPU).

    handle = load_whisper(path)                 # a CTranslate2 Whisper folder
    decoded = decode_whisper(handle, pcm16k, "sw", hotwords=["codeco", "mai mai"])
    language, probability = detect_language(handle, pcm16k, ["sw", "ln", "fr"])

One multilingual model serves every language it knows; `engine.Models` loads it once.
Whisper invents text where there is none (silence, noise, music), loops on a phrase, and
can run long on a bad stretch. The line holds each of these back here, not in callers:
the pipeline already decodes only the voiced span (Silero VAD); a segment that Whisper
itself scores as "no speech", or whose text compresses like a loop, is dropped; and each
decode stops at a time limit proportional to the audio.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Callable

import numpy as np

from .decoded import Decoded, ModelError, Word

log = logging.getLogger(__name__)

RATE = 16000
# The files `WhisperModel` reads from a converted model folder (the vocabulary may be .txt).
REQUIRED_FILES = ("model.bin", "config.json", "tokenizer.json")
VOCABULARY_FILES = ("vocabulary.json", "vocabulary.txt")
# Whisper's own thresholds, as in OpenAI's transcribe(): a segment whose no-speech
# probability is above NO_SPEECH and whose mean log probability is below LOGPROB is
# silence decoded as words; a compression ratio above COMPRESSION is a loop.
NO_SPEECH = 0.6
LOGPROB = -1.0
COMPRESSION = 2.4
# When a segment fails those checks Whisper decodes it again, hotter; past 0.4 it
# samples nearly freely, and what comes out is invention, not a better reading.
TEMPERATURES = (0.0, 0.2, 0.4)
# The time limit of one decode: this many times the audio's length, at least MIN_LIMIT.
LIMIT_FACTOR = 4.0
MIN_LIMIT_SECONDS = 30.0
# Greedy decoding: beam search (5) gave the same words on the line's test speech for
# twice the time (bench/whisper.py), and the line's worker must keep up with bursts.
BEAM_SIZE = 1


def is_whisper_dir(path: Path | str) -> bool:
    """A folder that looks like a CTranslate2 Whisper model (not yet checked further)."""
    path = Path(path)
    return path.is_dir() and (path / "model.bin").is_file()  # Vosk folders have none


def validate_whisper_dir(path: Path | str) -> list[str]:
    """Problems with a converted Whisper folder; empty when it looks usable."""
    path = Path(path)
    if not path.is_dir():
        return [f"{path} is not a directory"]
    problems = [f"{name} is missing" for name in REQUIRED_FILES if not (path / name).is_file()]
    if not any((path / name).is_file() for name in VOCABULARY_FILES):
        problems.append("vocabulary.json is missing")
    config = path / "config.json"
    if config.is_file():
        try:
            json.loads(config.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            problems.append(f"config.json does not parse: {exc}")
    model = path / "model.bin"
    if model.is_file() and model.stat().st_size == 0:
        problems.append("model.bin is empty")
    return problems


def load_whisper(path: Path | str, threads: int = 0):
    """The faster-whisper model in `path`, int8 on the CPU; never downloads anything.

    `threads` 0 lets CTranslate2 use every core."""
    problems = validate_whisper_dir(path)
    if problems:
        raise ModelError(f"Whisper model at {path} is not usable: {'; '.join(problems)}")
    from faster_whisper import WhisperModel

    try:
        return WhisperModel(str(path), device="cpu", compute_type="int8", cpu_threads=threads,
                            local_files_only=True)
    except Exception as exc:  # CTranslate2 raises RuntimeError/ValueError on a damaged file
        raise ModelError(f"Whisper model at {path} does not load: {exc}") from None


def languages_of(handle) -> set[str]:
    """The languages a loaded model can decode (an English-only model knows one)."""
    return set(handle.supported_languages)


def _float_audio(pcm: np.ndarray) -> np.ndarray:
    return (np.asarray(pcm, dtype=np.float32) / 32768.0).astype(np.float32)


def detect_language(handle, pcm: np.ndarray, allowed: list[str]) -> tuple[str, float]:
    """The most probable of `allowed` languages for the first 30 s of int16 16 kHz speech,
    and Whisper's probability for it (among all its languages, so comparable with a Vosk
    model's confidence). Restricted because Whisper alone answers Thai or English for
    speech it hears badly, and the line serves only its own languages."""
    if not allowed:
        raise ValueError("no language to choose from")
    _, _, probabilities = handle.detect_language(_float_audio(pcm))
    scores = {language: p for language, p in probabilities if language in allowed}
    if not scores:
        return allowed[0], 0.0
    best = max(scores, key=scores.get)
    return best, float(scores[best])


def decode_whisper(
    handle,
    pcm: np.ndarray,
    language: str,
    hotwords: list[str] | None = None,
    heartbeat: Callable[[], None] | None = None,
    max_seconds: float | None = None,
) -> Decoded:
    """Recognise int16 mono 16 kHz samples in `language`, with word times and confidences.

    `hotwords`: the words the decoder should prefer (the lexicons' terms and names), so
    that "codeco" comes out as verifiers write it. `heartbeat` is called between segments
    (renews leases; may raise to abort). `max_seconds` decodes only the beginning."""
    if max_seconds is not None:
        pcm = pcm[: int(max_seconds * RATE)]
    audio = _float_audio(pcm)
    seconds = len(audio) / RATE
    if seconds < 0.1:
        return Decoded("", ())
    limit = max(MIN_LIMIT_SECONDS, LIMIT_FACTOR * seconds)
    started = time.monotonic()
    segments, _ = handle.transcribe(
        audio,
        language=language,
        task="transcribe",
        beam_size=BEAM_SIZE,
        temperature=list(TEMPERATURES),
        word_timestamps=True,
        # Each segment on its own: a hallucinated segment must not seed the next.
        condition_on_previous_text=False,
        # Both held back in _held_back instead: faster-whisper ties its "no speech" skip to
        # the same log probability that also makes it decode again, hotter; and a low
        # mean log probability is every segment of phone speech in a language base knows
        # badly, so that retry multiplied the time by up to ten for no better words.
        # Only a loop (compression) decodes again.
        no_speech_threshold=None,
        log_prob_threshold=None,
        best_of=2,
        compression_ratio_threshold=COMPRESSION,
        hotwords=" ".join(hotwords) if hotwords else None,
        vad_filter=False,  # the pipeline has already cut the audio to its speech
        without_timestamps=False,
    )
    texts, words = [], []
    for segment in segments:  # a generator: decoding happens as it is consumed
        if heartbeat is not None:
            heartbeat()
        if _held_back(segment):
            continue
        text = segment.text.strip()
        if text:
            texts.append(text)
        for w in segment.words or ():
            token = w.word.strip()
            if token:
                words.append(Word(token, float(w.start), float(w.end), float(w.probability)))
        if time.monotonic() - started > limit:
            log.warning("Whisper decode stopped at its time limit (%.0f s for %.1f s of audio)", limit, seconds)
            break
    return Decoded(" ".join(texts), tuple(words))


def _held_back(segment) -> bool:
    """Whisper's own signs that a segment is not speech, or is a loop."""
    if segment.no_speech_prob > NO_SPEECH and segment.avg_logprob < LOGPROB:
        return True
    if segment.compression_ratio > COMPRESSION:
        return True
    return False
