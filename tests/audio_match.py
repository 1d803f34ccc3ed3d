"""Recover which prompts a phone heard, by matching its recording against the prompts' audio.

Normalised cross-correlation of each template (without its silent edges) against
the recording; a peak above the threshold is a hearing of that template. Used to
read back the digits the line spoke and compare them with the stored reference number.
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import maximum_filter1d
from scipy.signal import fftconvolve, find_peaks, resample_poly


def to_rate(samples: np.ndarray, rate: int, target: int) -> np.ndarray:
    samples = samples.astype(np.float64)
    if rate == target:
        return samples
    g = np.gcd(rate, target)
    return resample_poly(samples, target // g, rate // g)


def normalised_xcorr(signal: np.ndarray, template: np.ndarray) -> np.ndarray:
    template = template - template.mean()
    template /= np.linalg.norm(template) + 1e-12
    n = len(template)
    corr = fftconvolve(signal, template[::-1], mode="valid")
    energy = fftconvolve(signal**2, np.ones(n), mode="valid")
    mean = fftconvolve(signal, np.ones(n), mode="valid") / n
    local = np.sqrt(np.maximum(energy - n * mean**2, 1e-12))
    return corr / local


# A template's edges quieter than this share of its loudest 10 ms are the prompt's padding,
# not the word: kept, they would make the word's score depend on the line's gaps.
EDGE_SHARE = 0.02
EDGE_SECONDS = 0.01


def trim_silence(template: np.ndarray, rate: int) -> np.ndarray:
    """The template without its silent lead-in and tail.

    Prompts are recorded with silence around the word, and the line plays them back to
    back: the silence the phone hears between two words varies by a frame (the phone's
    jitter buffer places frames by RTP timestamp in 20 ms slots, and the last packet of a
    prompt is short), so the next word can start inside the tail of a prompt's file. With
    the tail in the template, a quiet ending ("quatre"'s "-tre") followed by a loud onset
    ("huit", "neuf") then scores below the threshold though every frame of it was heard.
    """
    step = max(1, int(EDGE_SECONDS * rate))
    count = len(template) // step
    if count == 0:
        return template
    levels = np.sqrt(np.mean(template[: count * step].reshape(count, step) ** 2, axis=1))
    voiced = np.flatnonzero(levels >= EDGE_SHARE * levels.max())
    if len(voiced) == 0 or levels.max() == 0:
        return template
    return template[voiced[0] * step: (voiced[-1] + 1) * step]


# How far each half of a template may slip against the other: a phone's jitter buffer
# stretches or drops a frame or two (20 ms each) inside a word on a busy machine.
SLIP_SECONDS = 0.06


def halves_xcorr(signal: np.ndarray, template: np.ndarray, slip: int) -> np.ndarray:
    """Normalised cross-correlation of the template's two halves, the second allowed to slip
    by `slip` samples against the first: one glitch inside a word lowers the whole
    template's score enough for a similar-sounding word (tatu for tano) to win, but leaves
    each half intact. The first half alone places the hit, so peaks stay sharp."""
    half = len(template) // 2
    first = normalised_xcorr(signal, template[:half])
    second = maximum_filter1d(normalised_xcorr(signal, template[half:]), 2 * slip + 1)
    n = len(signal) - len(template) + 1
    return (first[:n] + second[half:half + n]) / 2


def find_prompts(recording: np.ndarray, rate: int, templates: dict[str, tuple[np.ndarray, int]],
                 threshold: float = 0.8) -> list[tuple[float, str, float]]:
    """[(seconds, name, score)] of every template heard, in time order, overlaps resolved by score."""
    signal = recording.astype(np.float64)
    hits = []
    for name, (samples, template_rate) in templates.items():
        template = trim_silence(to_rate(samples, template_rate, rate), rate)
        if len(template) >= len(signal):
            continue
        scores = halves_xcorr(signal, template, int(SLIP_SECONDS * rate))
        length = len(template)
        # Padded, so a template heard at the very start or end still makes a peak.
        padded = np.concatenate(([-np.inf], scores, [-np.inf]))
        peaks, _ = find_peaks(padded, height=threshold, distance=max(1, length // 2))
        peaks -= 1
        hits += [(peak / rate, name, float(scores[peak]), length / rate) for peak in peaks]
    # Prompts played back to back can overlap by a few milliseconds in the phone's
    # recording (jitter buffer), so two hits conflict only when they mostly overlap.
    hits.sort(key=lambda h: -h[2])
    chosen = []
    for hit in hits:
        if all(abs(hit[0] - c[0]) >= 0.5 * min(hit[3], c[3]) for c in chosen):
            chosen.append(hit)
    return sorted((t, name, score) for t, name, score, _ in chosen)
