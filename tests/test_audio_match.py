"""The prompt matcher the end-to-end tests rely on must itself be right."""

from pathlib import Path

import numpy as np
import pytest

from core import prompts
from tests.audio_match import find_prompts, trim_silence
from tests.fixtures.asterisk import read_wav


def test_digits_are_recovered_in_order_through_noise_and_resampling():
    rng = np.random.default_rng(1)
    rate = 8000
    templates = {}
    for digit in range(10):
        t = np.arange(int(0.4 * rate)) / rate
        chirp = np.sin(2 * np.pi * (300 + 90 * digit) * t + 20 * digit * t**2) * np.hanning(len(t))
        templates[str(digit)] = ((chirp * 12000).astype(np.int16), rate)
    sequence = "40211740211"
    parts = [rng.normal(0, 200, rate)]
    for digit in sequence:
        parts += [templates[digit][0].astype(float), rng.normal(0, 200, int(0.15 * rate))]
    heard = np.concatenate(parts) + rng.normal(0, 300, sum(len(p) for p in parts))
    # The phone records at 16 kHz: resample the whole call.
    from scipy.signal import resample_poly

    heard16 = resample_poly(heard, 2, 1)
    hits = find_prompts(heard16, 16000, templates)
    assert "".join(name for _, name, _ in hits) == sequence


PROMPTS = Path(__file__).resolve().parents[1] / "prompts"


def read_back(language: str, reference: str, junction_frame_lost: bool) -> tuple[np.ndarray, dict]:
    """The digit prompts played back to back as the line reads a reference; with
    `junction_frame_lost`, a 20 ms frame gone where each prompt meets the next, as the
    test phone records them (its jitter buffer slots frames by RTP timestamp, and the
    last packet of a prompt is short)."""
    templates = {d: read_wav(prompts.audio_path(PROMPTS, language, f"digit_{d}")) for d in "0123456789"}
    rate = templates["0"][1]
    parts = [np.zeros(rate // 10)]
    for n, digit in enumerate(reference):
        samples = templates[digit][0]
        last = n == len(reference) - 1
        parts.append(samples if last or not junction_frame_lost else samples[: -rate // 50])
    parts.append(np.zeros(rate // 10))
    return np.concatenate(parts), templates


@pytest.mark.parametrize("junction_frame_lost", [False, True])
@pytest.mark.parametrize("language, reference", [
    ("fr", "9387492"),   # the read-back a full run missed "quatre" in: its quiet "-tre", then "neuf"
    ("fr", "4849404"),
    ("sw", "3553535"),   # tatu and tano, back to back
    ("ln", "0123456789"),
])
def test_a_read_back_is_heard_exactly_whatever_the_silence_between_the_words(language, reference,
                                                                             junction_frame_lost):
    heard, templates = read_back(language, reference, junction_frame_lost)
    hits = find_prompts(heard, templates["0"][1], templates)
    assert "".join(name for _, name, _ in hits) == reference


def test_a_prompts_silent_edges_are_not_part_of_its_template():
    rate = 8000
    word = np.sin(2 * np.pi * 440 * np.arange(rate // 4) / rate)
    padded = np.concatenate([np.zeros(rate // 10), word, np.zeros(rate // 5)])
    trimmed = trim_silence(padded, rate)
    assert abs(len(trimmed) - len(word)) <= rate // 100
    silence = np.zeros(rate)
    assert len(trim_silence(silence, rate)) == rate, "a silent template is kept as it is"
