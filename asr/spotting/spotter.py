"""Scan one recording for every example of its language; hits above their term's threshold.

    spotter = Spotter(default_threshold=0.33)
    hits = spotter.scan(features.mfcc(pcm), examples, thresholds={"bunduki": 0.41})

A term with several examples (speakers) is heard where any of them matches; the best
match of a term in a stretch of the recording is its one hit there.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import dtw, features

# Mean cosine distance: 1 false alarm per term per 10 minutes on bench/spotting.py's set.
# Per term, the verifiers' decisions move it (core/store/spotting.py).
DEFAULT_THRESHOLD = 0.33


@dataclass(frozen=True)
class Example:
    id: int
    term: str
    category: str
    frames: np.ndarray
    alert_id: int | None = None


@dataclass(frozen=True)
class Hit:
    example_id: int
    term: str
    category: str
    start: float      # seconds into the recording
    end: float
    distance: float
    threshold: float

    @property
    def confidence(self) -> float:
        """1 at a perfect match, 0 at the threshold: how far under it the match went."""
        return round(max(0.0, min(1.0, 1.0 - self.distance / self.threshold)) if self.threshold else 0.0, 4)

    def as_dict(self) -> dict:
        return {"example_id": self.example_id, "term": self.term, "category": self.category,
                "start": self.start, "end": self.end, "distance": self.distance, "threshold": self.threshold}


@dataclass
class Spotter:
    default_threshold: float = DEFAULT_THRESHOLD

    def scan(self, recording: np.ndarray, examples: list[Example],
             thresholds: dict[str, float] | None = None) -> list[Hit]:
        """Hits in one recording's features (features.mfcc), in time order."""
        thresholds = thresholds or {}
        candidates: list[Hit] = []
        for example in examples:
            if len(example.frames) < features.MIN_SPOT_FRAMES or len(recording) < len(example.frames) // 2:
                continue
            limit = thresholds.get(example.term, self.default_threshold)
            for match in dtw.search(example.frames, recording, limit):
                candidates.append(Hit(example.id, example.term, example.category,
                                      features.seconds_of(match.start), features.seconds_of(match.end + 1),
                                      match.distance, limit))
        return _best_per_stretch(candidates)


def _best_per_stretch(candidates: list[Hit]) -> list[Hit]:
    """One hit per term where its examples' matches overlap: the closest match."""
    kept: list[Hit] = []
    for hit in sorted(candidates, key=lambda h: h.distance):
        if any(k.term == hit.term and hit.start < k.end and k.start < hit.end for k in kept):
            continue
        kept.append(hit)
    return sorted(kept, key=lambda h: h.start)
