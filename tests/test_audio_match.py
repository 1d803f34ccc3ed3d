"""The prompt matcher the end-to-end tests rely on must itself be right."""

import numpy as np

from tests.audio_match import find_prompts


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
