"""Recordings of known content for the spotter's tests and its benchmark.

espeak-ng says each segment apart; they are joined, so where each word lies is known
to the sample, then the whole passes through the telephone line: 8 kHz, white noise
at a chosen SNR, G.711 mu-law.
"""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.audio.formats import resample
from core.audio.wav import read_wav

RATE = 8000


@dataclass(frozen=True)
class Voice:
    name: str       # espeak-ng voice+variant, e.g. "sw+m3"
    speed: int = 150
    pitch: int = 50


def say(text: str, voice: Voice) -> np.ndarray:
    """espeak-ng's speech of text, 8 kHz float in [-1, 1], its own silent edges kept."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "say.wav"
        subprocess.run(["espeak-ng", "-v", voice.name, "-s", str(voice.speed), "-p", str(voice.pitch),
                        "-w", str(out), text], check=True, capture_output=True)
        samples, rate = read_wav(out)
    samples = samples.astype(np.float32) / 32768.0 if samples.dtype == np.int16 else samples.astype(np.float32)
    return resample(samples, rate, RATE).astype(np.float32)


def mu_law(x: np.ndarray) -> np.ndarray:
    """Through G.711 mu-law and back (8 bits a sample)."""
    mu = 255.0
    y = np.sign(x) * np.log1p(mu * np.minimum(np.abs(x), 1.0)) / np.log1p(mu)
    y = np.round(y * 127) / 127
    return (np.sign(y) * ((1 + mu) ** np.abs(y) - 1) / mu).astype(np.float32)


def line(x: np.ndarray, snr_db: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    power = float(np.mean(x ** 2)) or 1e-8
    noisy = x + rng.normal(0.0, np.sqrt(power / 10 ** (snr_db / 10)), len(x)).astype(np.float32)
    return mu_law(noisy)


def utterance(segments: list[str], voice: Voice, snr_db: float = 30, seed: int = 0,
              lead: float = 0.4) -> tuple[np.ndarray, list[tuple[str, float, float]]]:
    """The segments said one after another (with `lead` seconds of silence first) through
    the line; returns the audio and each segment's (text, start, end) in seconds."""
    parts, spans, at = [np.zeros(int(lead * RATE), dtype=np.float32)], [], lead
    for text in segments:
        audio = say(text, voice)
        spans.append((text, round(at, 3), round(at + len(audio) / RATE, 3)))
        parts.append(audio)
        at += len(audio) / RATE
    return line(np.concatenate(parts), snr_db, seed), spans


def to_int16(x: np.ndarray) -> np.ndarray:
    return np.clip(np.round(x * 32767), -32768, 32767).astype(np.int16)
