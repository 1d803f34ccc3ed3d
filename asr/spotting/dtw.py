"""Subsequence DTW: where in a recording does an example's feature sequence occur?

Vectorised along the recording: the cost matrix is one matrix product (cosine
distance of unit-length frames), and the recursion runs once per *example* frame,
each step a numpy operation over every recording frame at once. That needs each
cell to depend only on earlier example rows, so the steps are the slope-constrained
(1,1), (1,2), (2,1) (example frame, recording frame) of Sakoe and Chiba's P=1/2:
a match may be between half and twice the example's speed, never a frame held for
ever. A 0.8 s example against one minute is 80 row operations over 6,000 frames.

Each row works on views of the last two rows (kept with two cells of padding) and picks
among the three steps with two comparisons, not a stacked argmin: about 1.7 times faster
than stacking, with the same result to the bit. A pruning first pass at half the frame rate
was tried and dropped: it saved under a fifth and lost matches at half speed.

A match's score is its mean distance per example frame, so scores compare across
examples of different lengths; search() takes the end frames under the threshold best
first, one per stretch.
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
    """(len(query), len(recording)) cosine distances, in [0, 2].

    numpy's own einsum loop, not a BLAS matrix product: OpenBLAS starts a thread per core
    for a product this small, and on a busy 2-core machine that cost 30 times the product
    itself (bench/spotting.py); the worker already runs one scan per core."""
    return 1.0 - np.einsum("id,jd->ij", unit_rows(query), unit_rows(recording))


def profile(query: np.ndarray, recording: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For every recording frame j: the best mean distance of a match of the whole query
    ending at j, and where that match starts. Both arrays have len(recording) entries;
    inf where no match fits."""
    m, n = len(query), len(recording)
    if m == 0 or n == 0:
        return np.full(n, INF), np.zeros(n, dtype=np.int32)
    cost = cost_matrix(query, recording).astype(np.float32)
    # Row D[i] (best accumulated cost of a path through query frames 0..i ending at each j) is
    # kept with two INF cells in front, so the steps' shifted rows are views, not copies:
    # D[i-1][j-1] is prev[1:n+1], D[i-1][j-2] is prev[0:n], D[i-2][j-1] is prev2[1:n+1].
    prev = np.full(n + 2, INF, dtype=np.float32)
    prev[2:] = cost[0]                                     # a match may start anywhere
    prev_start = np.zeros(n + 2, dtype=np.int32)
    prev_start[2:] = np.arange(n, dtype=np.int32)
    prev2, prev2_start = np.full(n + 2, INF, dtype=np.float32), np.zeros(n + 2, dtype=np.int32)
    for i in range(1, m):
        diag, skip_rec = prev[1:n + 1], prev[0:n]          # (1,1); (1,2): recording faster
        take = skip_rec < diag                              # ties keep the diagonal, as before
        best = np.where(take, skip_rec, diag)
        starts = np.where(take, prev_start[0:n], prev_start[1:n + 1])
        skip_query = prev2[1:n + 1] + cost[i - 1]           # (2,1): recording slower; the skipped frame still pays
        take = skip_query < best
        np.copyto(best, skip_query, where=take)
        np.copyto(starts, prev2_start[1:n + 1], where=take)
        best += cost[i]
        row, row_start = np.empty(n + 2, dtype=np.float32), np.zeros(n + 2, dtype=np.int32)
        row[:2] = INF
        row[2:] = best
        row_start[2:] = starts
        prev2, prev2_start, prev, prev_start = prev, prev_start, row, row_start
    return prev[2:] / m, prev_start[2:]


def _candidates(query: np.ndarray, recording: np.ndarray, max_distance: float):
    """(score, start, end) of every end frame at or under max_distance."""
    scores, starts = profile(query, recording)
    ends = np.flatnonzero(scores <= max_distance)
    return [(float(scores[j]), int(starts[j]), int(j)) for j in ends]


def _select(candidates, gap: int) -> list[Match]:
    taken: list[Match] = []
    for score, start, end in sorted(candidates, key=lambda c: (c[0], c[2])):
        if any(start - gap < t.end and end + gap > t.start for t in taken):
            continue
        taken.append(Match(start, end, round(score, 4)))
    return taken


def search(query: np.ndarray, recording: np.ndarray, max_distance: float, min_gap: int | None = None) -> list[Match]:
    """Non-overlapping matches at or below max_distance, best first. Two matches closer
    than min_gap frames (default: the query's length) are one, the better kept."""
    gap = len(query) if min_gap is None else min_gap
    return _select(_candidates(query, recording, max_distance), gap)


def best(query: np.ndarray, recording: np.ndarray) -> Match | None:
    """The single best match anywhere (None for an empty input)."""
    scores, starts = profile(query, recording)
    if len(scores) == 0 or not np.isfinite(scores.min()):
        return None
    j = int(np.argmin(scores))
    return Match(int(starts[j]), j, round(float(scores[j]), 4))
