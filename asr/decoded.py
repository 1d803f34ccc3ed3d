"""What every engine gives back: words with times and confidences, and the error a model raises."""

from __future__ import annotations

from dataclasses import dataclass


class ModelError(Exception):
    """A configured model is missing, malformed or does not load."""


@dataclass(frozen=True)
class Word:
    word: str
    start: float
    end: float
    conf: float

    def as_dict(self) -> dict:
        return {"word": self.word, "start": round(self.start, 3), "end": round(self.end, 3), "conf": round(self.conf, 4)}


@dataclass(frozen=True)
class Decoded:
    text: str
    words: tuple[Word, ...]

    @property
    def confidence(self) -> float | None:
        if not self.words:
            return None
        return sum(w.conf for w in self.words) / len(self.words)

    def shifted(self, seconds: float) -> "Decoded":
        if not seconds:
            return self
        return Decoded(self.text, tuple(Word(w.word, w.start + seconds, w.end + seconds, w.conf) for w in self.words))
