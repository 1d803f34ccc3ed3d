"""Subsequence DTW: where in a recording does an example's feature sequence occur?

Vectorised along the recording: the cost matrix is one matrix product (cosine
distance of unit-length frames), and the recursion runs once per *example* frame,
each step a numpy operation over every recording frame at once. That needs each
cell to depend only on earlier example rows, so the steps are the slope-constrained
(1,1), (1,2), (2,1) (example frame, recording frame) of Sakoe and Chiba's P=1/2:
a match may be between half and twice the example's speed, never a frame held for
ever. A 0.8 s example against one minute is 80 row operations over 6,000 frames.

A match's score is its mean distance per example frame, so scores compare across
examples of different lengths; search() reads the per-frame profile best first and
stops at the first score over the threshold.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

INF = np.float32(np.inf)


@dataclass(frozen=True)
class Match:
    start: int      # recording frame
    end: int        # recording frame (inclusive)
    distance: float  # mean cosine distance per example frame: 0 identical, 1 unrelated


def unit_rows(frames: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(frames, axis=1, keepdims=True)
    return (frames / np.maximum(norms, 1e-6)).astype(np.float32)


def cost_matrix(query: np.ndarray, recording: np.ndarray) -> np.ndarray:
    """(len(query), len(recording)) cosine distances, in [0, 2]."""
    return 1.0 - unit_rows(query) @ unit_rows(recording).T


def profile(query: np.ndarray, recording: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For every recording frame j: the best mean distance of a match of the whole query
    ending at j, and where that match starts. Both arrays have len(recording) entries;
    inf where no match fits."""
    m, n = len(query), len(recording)
    if m == 0 or n == 0:
        return np.full(n, INF), np.zeros(n, dtype=np.int32)
    cost = cost_matrix(query, recording).astype(np.float32)
    # D[i] = best accumulated cost of a path through query frames 0..i ending at each j.
    prev2 = np.full(n, INF, dtype=np.float32)
    prev2_start = np.zeros(n, dtype=np.int32)
    prev = cost[0].copy()                                  # a match may start anywhere
    prev_start = np.arange(n, dtype=np.int32)
    for i in range(1, m):
        c = cost[i]
        diag = np.full(n, INF, dtype=np.float32)           # (1,1): from (i-1, j-1)
        diag[1:] = prev[:-1]
        diag_start = np.zeros(n, dtype=np.int32)
        diag_start[1:] = prev_start[:-1]
        skip_rec = np.full(n, INF, dtype=np.float32)       # (1,2): from (i-1, j-2), recording faster
        skip_rec[2:] = prev[:-2]
        skip_rec_start = np.zeros(n, dtype=np.int32)
        skip_rec_start[2:] = prev_start[:-2]
        skip_query = np.full(n, INF, dtype=np.float32)     # (2,1): from (i-2, j-1), recording slower
        skip_query[1:] = prev2[:-1] + cost[i - 1][1:]      # the skipped query frame still pays
        skip_query_start = np.zeros(n, dtype=np.int32)
        skip_query_start[1:] = prev2_start[:-1]
        stacked = np.stack([diag, skip_rec, skip_query])
        choice = np.argmin(stacked, axis=0)
        best = stacked[choice, np.arange(n)] + c
        starts = np.choose(choice, [diag_start, skip_rec_start, skip_query_start]).astype(np.int32)
        prev2, prev2_start, prev, prev_start = prev, prev_start, best, starts
    return prev / m, prev_start


def search(query: np.ndarray, recording: np.ndarray, max_distance: float, min_gap: int | None = None) -> list[Match]:
    """Non-overlapping matches at or below max_distance, best first. Two matches closer
    than min_gap frames (default: the query's length) are one, the better kept."""
    scores, starts = profile(query, recording)
    gap = len(query) if min_gap is None else min_gap
    order = np.argsort(scores, kind="stable")
    taken: list[Match] = []
    for j in order:
        score = float(scores[j])
        if not score <= max_distance:
            break
        start = int(starts[j])
        if any(start - gap < t.end and j + gap > t.start for t in taken):
            continue
        taken.append(Match(start, int(j), round(score, 4)))
    return taken


def best(query: np.ndarray, recording: np.ndarray) -> Match | None:
    """The single best match anywhere (None for an empty input)."""
    scores, starts = profile(query, recording)
    if len(scores) == 0 or not np.isfinite(scores.min()):
        return None
    j = int(np.argmin(scores))
    return Match(int(starts[j]), j, round(float(scores[j]), 4))
