"""Speaker-normalised features for spotting: MFCC with per-utterance CMVN.

The DTW compares frames of 20 ms, each two MFCC frames averaged after normalisation: a
word lasts tens of them still, and the search costs a quarter of what 10 ms frames cost
(bench/spotting.py measures both: the accuracy is the same on its evaluation set).

Telephone audio is 8 kHz, so features are computed at 8 kHz (a 16 kHz file is
resampled down; nothing above 4 kHz survives the phone line anyway). Mean and
variance normalisation is over the whole recording an example was cut from, not
over the word alone: a word's own mean is not its utterance's, and the DTW compares
a word against an utterance.
"""

from __future__ import annotations

import kaldi_native_fbank as knf
import numpy as np

RATE = 8000
FRAME_SHIFT = 0.01    # seconds between MFCC frames
POOL = 2              # the spotter's frames: this many MFCC frames averaged (20 ms; a quarter of the DTW's cells)
SPOT_SHIFT = FRAME_SHIFT * POOL
NUM_CEPS = 13
NUM_BINS = 23         # Kaldi's default for 8 kHz
ENERGY_FLOOR_DB = 40  # frames this far below the loudest are silence, left out of the statistics
MIN_EXAMPLE_FRAMES = 15  # 0.15 s of MFCC frames: shorter matches anything
MIN_SPOT_FRAMES = MIN_EXAMPLE_FRAMES // POOL
EDGE_FLOOR_DB = 25    # an example's edges this far below its loudest frame are trimmed


def _options() -> "knf.MfccOptions":
    opts = knf.MfccOptions()
    opts.frame_opts.samp_freq = RATE
    opts.frame_opts.dither = 0.0          # the same audio always gives the same features
    opts.frame_opts.snip_edges = False    # frame i centred near i * 10 ms
    opts.mel_opts.num_bins = NUM_BINS
    opts.mel_opts.high_freq = -200        # 3.8 kHz at 8 kHz: the line's band
    opts.num_ceps = NUM_CEPS
    opts.use_energy = False               # c0 instead: loudness is normalised away by CMVN
    return opts


def raw_mfcc(pcm: np.ndarray) -> np.ndarray:
    """MFCC frames (n, NUM_CEPS) of 8 kHz samples (float in [-1, 1] or int16)."""
    samples = np.asarray(pcm)
    if samples.dtype == np.int16:
        samples = samples.astype(np.float32)
    else:
        samples = samples.astype(np.float32) * 32768.0  # Kaldi's scale
    if len(samples) < int(0.025 * RATE):
        return np.zeros((0, NUM_CEPS), dtype=np.float32)
    mfcc = knf.OnlineMfcc(_options())
    mfcc.accept_waveform(RATE, samples.tolist())
    mfcc.input_finished()
    frames = mfcc.num_frames_ready
    if frames == 0:
        return np.zeros((0, NUM_CEPS), dtype=np.float32)
    return np.array([mfcc.get_frame(i) for i in range(frames)], dtype=np.float32)


def cmvn(frames: np.ndarray) -> np.ndarray:
    """Per-utterance mean and variance normalisation over the voiced frames (c0 within
    ENERGY_FLOOR_DB of the loudest): long silences would otherwise set the mean."""
    if len(frames) == 0:
        return frames
    voiced = voiced_mask(frames)
    stats = frames[voiced] if voiced.sum() >= 10 else frames
    mean = stats.mean(axis=0)
    std = stats.std(axis=0) + 1e-5
    return ((frames - mean) / std).astype(np.float32)


def voiced_mask(raw: np.ndarray, floor_db: float = ENERGY_FLOOR_DB) -> np.ndarray:
    """Frames whose c0 is within floor_db of the recording's loudest (raw MFCC, before CMVN).
    c0 = sum of the log mel energies / sqrt(NUM_BINS): every bin floor_db lower moves it by `drop`."""
    if len(raw) == 0:
        return np.zeros(0, dtype=bool)
    c0 = raw[:, 0]
    drop = floor_db / 10 * np.log(10) * np.sqrt(NUM_BINS)
    return c0 >= np.percentile(c0, 99) - drop


def voiced_span(raw: np.ndarray, floor_db: float = EDGE_FLOOR_DB) -> tuple[int, int]:
    """First and last+1 frame of an example's sound: a marked span's silent edges would
    match any pause in a recording."""
    mask = voiced_mask(raw, floor_db)
    where = np.flatnonzero(mask)
    if len(where) == 0:
        return 0, len(raw)
    return int(where[0]), int(where[-1]) + 1


def spotting_frames(raw: np.ndarray) -> np.ndarray:
    """CMVN, then c0 dropped: after normalisation it carries loudness contour, not the word,
    and leaving it out scored better on the evaluation (bench/spotting.py)."""
    return cmvn(raw)[:, 1:]


def pooled(frames: np.ndarray, pool: int = POOL) -> np.ndarray:
    """Every `pool` frames averaged into one (a last incomplete group dropped)."""
    usable = len(frames) // pool * pool
    if pool == 1 or not usable:
        return frames[:usable]
    return frames[:usable].reshape(-1, pool, frames.shape[1]).mean(axis=1).astype(np.float32)


def mfcc(pcm: np.ndarray, pool: int = POOL) -> np.ndarray:
    """The spotter's features of one whole recording at 8 kHz."""
    return pooled(spotting_frames(raw_mfcc(pcm)), pool)


def example(pcm: np.ndarray, start: float, end: float, pool: int = POOL) -> np.ndarray:
    """The features of an example marked from start to end seconds of a recording:
    normalised over the whole recording, then cut, then the silent edges trimmed."""
    raw = raw_mfcc(pcm)
    first, last = max(0, frame_of(start)), min(len(raw), frame_of(end))
    if last - first < MIN_EXAMPLE_FRAMES:
        return np.zeros((0, NUM_CEPS - 1), dtype=np.float32)
    a, b = voiced_span(raw[first:last])
    return pooled(spotting_frames(raw)[first + a:first + b], pool)


def frame_of(seconds: float) -> int:
    """The MFCC frame (10 ms) at a time."""
    return int(round(seconds / FRAME_SHIFT))


def seconds_of(frame: int, pool: int = POOL) -> float:
    """The time of one of the spotter's frames."""
    return round(frame * FRAME_SHIFT * pool, 2)
