"""The worker's side of spotting by example: one alert's recordings against every example
of its language, hits stored, and the provisional keywords they give.

    scanner = ExampleScanner(data_dir, default_threshold=0.33, decisions=50)
    hits = scanner.scan(store, "sw", paths)         # hit dicts, times on the alert's timeline

An example's features are computed once per process (cached by example id) from its
whole source recording, normalised over it; one said by phone from the whole take it
was said in; one whose recording is gone from its own clip.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import numpy as np

from core.audio import formats

from . import features
from .spotter import Example, Hit, Spotter

log = logging.getLogger("sauti.asr.spotting")


class ExampleScanner:
    def __init__(self, data_dir: Path, default_threshold: float, decisions: int):
        self.data_dir = Path(data_dir)
        self.spotter = Spotter(default_threshold)
        self.decisions = decisions
        self._frames: dict[int, np.ndarray] = {}
        self._languages: dict[int, str] = {}
        self._lock = threading.Lock()

    def _example_frames(self, row: dict) -> np.ndarray | None:
        with self._lock:
            cached = self._frames.get(row["id"])
        if cached is not None:
            return cached
        try:
            if row.get("recording_path"):
                pcm = formats.to_rate(formats.load(self.data_dir / row["recording_path"]), features.RATE)
                frames = features.example(pcm, row["start"], row["end"])
            elif row["alert_id"] is None:   # said by phone: its span in the take (core/keyword_examples.py)
                pcm = formats.to_rate(formats.load(self.data_dir / row["path"]), features.RATE)
                frames = features.example(pcm, row["start"], row["end"])
            else:
                pcm = formats.to_rate(formats.load(self.data_dir / row["path"]), features.RATE)
                frames = features.example(pcm, 0.0, len(pcm) / features.RATE)
        except formats.AudioError as exc:
            log.warning("example %s does not load: %s", row["id"], exc)
            return None
        with self._lock:
            self._frames[row["id"]] = frames
            self._languages[row["id"]] = row["language"]
        return frames

    def examples(self, store, language: str) -> list[Example]:
        found = []
        rows = store.examples_for_language(language)
        for row in rows:
            frames = self._example_frames(row)
            if frames is not None and len(frames):
                found.append(Example(row["id"], row["term"], row["category"], frames, row["alert_id"]))
        self._forget(language, {row["id"] for row in rows})
        return found

    def _forget(self, language: str, kept: set[int]) -> None:
        """Features of examples removed or purged since (a caller's voice, in another form)
        are not kept in memory either."""
        with self._lock:
            for example_id in [i for i, lang in self._languages.items() if lang == language and i not in kept]:
                self._frames.pop(example_id, None)
                self._languages.pop(example_id, None)

    def scan(self, store, language: str | None, paths: list[Path]) -> list[dict]:
        """Hit dicts (Hit.as_dict) across an alert's recordings, in order; [] without examples."""
        if not language:
            return []
        examples = self.examples(store, language)
        if not examples:
            return []
        thresholds = store.term_thresholds(language, self.spotter.default_threshold, self.decisions)
        hits, offset = [], 0.0
        for path in paths:
            audio = formats.load(path)
            for hit in self.spotter.scan(features.mfcc(formats.to_rate(audio, features.RATE)), examples, thresholds):
                hits.append({**hit.as_dict(), "start": round(hit.start + offset, 2), "end": round(hit.end + offset, 2)})
            offset += audio.seconds
        return hits


def as_keywords(hits: list[dict]) -> list[dict]:
    """Hits as the alert's provisional keywords: each counts its category's full weight
    (lexicon priority), marked as heard by example."""
    return [{"term": h["term"], "category": h["category"], "start": h["start"], "end": h["end"], "confidence": 1.0,
             "pattern": h["term"], "spotted": True, "example_id": h["example_id"]} for h in hits]


__all__ = ["ExampleScanner", "Hit", "as_keywords"]
