"""The speech models: one per language, Vosk or Whisper, loaded once per process and
shared by decoding threads.

    models = Models({"sw": "/srv/models/whisper-base", "ko": "/srv/models/vosk-ko"})
    model = models.get("sw")               # loads on first use, then reused; None: no model
    decoded = decode(model, pcm, heartbeat=renew)

A folder's files say its engine (`model_engine`): Vosk's am/, conf/ and graph/, or a
CTranslate2 Whisper model.bin with its tokenizer (asr/whisper.py). Several languages
given the same folder share one loaded model: a multilingual Whisper is loaded once.

Vosk: a `KaldiRecognizer` is made per recording, fed 4000-frame chunks; each finished
utterance's `Result()` is collected, then `FinalResult()`.
"""

from __future__ import annotations

import ctypes
import json
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from . import whisper
from .decoded import Decoded, ModelError, Word

VOSK, WHISPER = "vosk", "whisper"
CHUNK_FRAMES = 4000
DEFAULT_RATE = 16000
DITHER_SEED = 0
# CTranslate2's threads for one Whisper decode; 0: every core (the worker decodes one
# alert at a time with Whisper; two decodes at once would halve each other's speed).
WHISPER_THREADS = 0


def _vosk():
    import vosk

    vosk.SetLogLevel(-1)
    return vosk


@dataclass
class LoadedModel:
    language: str
    path: Path
    rate: int
    handle: object          # vosk.Model or faster_whisper.WhisperModel
    load_seconds: float
    engine: str = VOSK

    def for_language(self, language: str) -> "LoadedModel":
        """The same loaded files serving another language (no second load)."""
        return LoadedModel(language, self.path, self.rate, self.handle, 0.0, self.engine)

    @property
    def name(self) -> str:
        """The model's folder name (with its parent's when the folder is just "model"), and
        "(whisper)" after a Whisper model's: the transcript and the console say which wrote it."""
        folder = f"{self.path.parent.name}/{self.path.name}" if self.path.name == "model" else self.path.name
        return f"{folder} (whisper)" if self.engine == WHISPER else folder


# -- model directories ---------------------------------------------------------


def model_engine(path: Path | str) -> str:
    """The engine a model folder is for, by its files."""
    return WHISPER if whisper.is_whisper_dir(path) else VOSK


def validate_model_dir(path: Path | str) -> list[str]:
    """Problems with a Vosk or Whisper model directory's structure; empty when it looks usable."""
    path = Path(path)
    if not path.is_dir():
        return [f"{path} is not a directory"]
    if model_engine(path) == WHISPER:
        return whisper.validate_whisper_dir(path)
    problems = []
    if not (path / "am" / "final.mdl").is_file():
        problems.append("am/final.mdl is missing")
    if not (path / "conf" / "mfcc.conf").is_file() and not (path / "conf" / "fbank.conf").is_file():
        problems.append("conf/mfcc.conf is missing")
    if not (path / "conf" / "model.conf").is_file():
        problems.append("conf/model.conf is missing")
    graph = path / "graph"
    full = (graph / "HCLG.fst").is_file()
    lookahead = (graph / "HCLr.fst").is_file() and (graph / "Gr.fst").is_file()
    if not (full or lookahead):
        problems.append("graph/ has neither HCLG.fst nor HCLr.fst with Gr.fst")
    return problems


def find_model_root(path: Path) -> Path | None:
    """The model directory at or below `path` (zips usually hold one top-level folder)."""
    if not validate_model_dir(path):
        return path
    candidates = [p.parent.parent for p in path.rglob("am/final.mdl")]
    candidates += [p.parent for p in path.rglob("model.bin")]
    for candidate in sorted(set(candidates)):
        if not validate_model_dir(candidate):
            return candidate
    return None


def model_rate(path: Path | str) -> int:
    """The sample rate the model was trained at (conf/mfcc.conf --sample-frequency; Whisper: 16 kHz)."""
    if model_engine(path) == WHISPER:
        return whisper.RATE
    for name in ("mfcc.conf", "fbank.conf"):
        conf = Path(path) / "conf" / name
        if conf.is_file():
            match = re.search(r"--sample-frequency\s*=\s*(\d+)", conf.read_text(errors="replace"))
            if match:
                return int(match.group(1))
    return DEFAULT_RATE


def has_runtime_grammar(path: Path | str) -> bool:
    """Lookahead Vosk models (HCLr.fst + Gr.fst) accept a word list at recognition time."""
    graph = Path(path) / "graph"
    return (graph / "HCLr.fst").is_file() and (graph / "Gr.fst").is_file()


def load_model(language: str, path: Path | str) -> LoadedModel:
    path = Path(path).expanduser()
    problems = validate_model_dir(path)
    if problems:
        raise ModelError(f"model for {language!r} at {path} is not usable: {'; '.join(problems)}")
    started = time.perf_counter()
    if model_engine(path) == WHISPER:
        try:
            handle = whisper.load_whisper(path, threads=WHISPER_THREADS)
        except ModelError as exc:
            raise ModelError(f"model for {language!r}: {exc}") from None
        return LoadedModel(language, path, whisper.RATE, handle, time.perf_counter() - started, WHISPER)
    vosk = _vosk()
    try:
        # Always a path: Model(lang=...) would try to download.
        vosk_model = vosk.Model(model_path=str(path))
    except Exception as exc:  # vosk raises a bare Exception when Kaldi fails
        raise ModelError(f"model for {language!r} at {path} does not load: {exc}") from None
    return LoadedModel(language, path, model_rate(path), vosk_model, time.perf_counter() - started)


@dataclass
class Models:
    """The configured models, each loaded once on first use and shared by every thread."""

    paths: dict[str, str]
    _loaded: dict[str, LoadedModel] = field(default_factory=dict)
    _errors: dict[str, str] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def languages(self) -> list[str]:
        return sorted(self.paths)

    def get(self, language: str | None) -> LoadedModel | None:
        """The loaded model for a language, or None if none is configured.

        Raises ModelError when one is configured but does not load (remembered, so a
        broken model is not reloaded for every recording)."""
        if not language or language not in self.paths:
            return None
        with self._lock:
            if language in self._loaded:
                return self._loaded[language]
            if language in self._errors:
                raise ModelError(self._errors[language])
            same = [m for m in self._loaded.values() if m.path == Path(self.paths[language]).expanduser()]
            try:
                model = same[0].for_language(language) if same else load_model(language, self.paths[language])
            except ModelError as exc:
                self._errors[language] = str(exc)
                raise
            self._loaded[language] = model
            return model

    def share(self, language: str, loaded: LoadedModel) -> None:
        """Use an already loaded model for `language` (tests and tools that load once)."""
        with self._lock:
            self.paths.setdefault(language, str(loaded.path))
            self._loaded[language] = loaded.for_language(language)

    def update(self, paths: dict[str, str]) -> dict[str, str]:
        """Switch to a new set of models while decoding goes on; returns language -> error.

        New models load before the switch, outside the lock, so jobs keep being served
        meanwhile; an unchanged model is kept as it is; a decode already running keeps
        the model it started with, even one just removed. A model that does not load
        is left out; the others are used."""
        wanted = {language: str(path) for language, path in paths.items()}
        with self._lock:
            current = dict(self._loaded)
        loaded: dict[str, LoadedModel] = {}
        errors: dict[str, str] = {}
        for language, path in sorted(wanted.items()):
            resolved = Path(path).expanduser()
            kept = current.get(language)
            if kept is not None and kept.path == resolved:
                loaded[language] = kept
                continue
            same = [m for m in (*current.values(), *loaded.values()) if m.path == resolved]
            try:
                loaded[language] = same[0].for_language(language) if same else load_model(language, resolved)
            except ModelError as exc:
                errors[language] = str(exc)
        with self._lock:
            self.paths, self._loaded, self._errors = wanted, loaded, dict(errors)
        return errors

    def errors(self) -> dict[str, str]:
        with self._lock:
            return dict(self._errors)

    def load_all(self) -> dict[str, str]:
        """Load every model now; returns language -> error for those that fail."""
        errors = {}
        for language in self.languages:
            try:
                self.get(language)
            except ModelError as exc:
                errors[language] = str(exc)
        return errors


# -- decoding ------------------------------------------------------------------


def seed_dither(seed: int = DITHER_SEED) -> None:
    """Kaldi adds random dither to the features, drawn from the C library's rand(): two
    decodes of the same audio differ. Seeding rand() before a decode makes it repeatable
    (exactly so while no other decode runs in the process at the same time)."""
    ctypes.CDLL(None).srand(seed)


def decode(
    model: LoadedModel,
    pcm: np.ndarray,
    grammar: list[str] | None = None,
    heartbeat: Callable[[], None] | None = None,
    max_seconds: float | None = None,
    hotwords: list[str] | None = None,
) -> Decoded:
    """Recognise int16 mono samples at the model's rate.

    `grammar` restricts recognition to those words (plus "[unk]"), for lookahead Vosk
    models. `hotwords` are words a Whisper model should prefer (Vosk ignores them).
    `heartbeat` is called between chunks (renews leases; may raise to abort).
    `max_seconds` decodes only the beginning (language identification).
    """
    if model.engine == WHISPER:
        return whisper.decode_whisper(model.handle, pcm, model.language, hotwords=hotwords,
                                      heartbeat=heartbeat, max_seconds=max_seconds)
    vosk = _vosk()
    seed_dither()
    if grammar is not None:
        recognizer = vosk.KaldiRecognizer(model.handle, model.rate, json.dumps(list(grammar), ensure_ascii=False))
    else:
        recognizer = vosk.KaldiRecognizer(model.handle, model.rate)
    recognizer.SetWords(True)
    data = np.ascontiguousarray(pcm, dtype="<i2").tobytes()
    end = len(data) if max_seconds is None else min(len(data), int(max_seconds * model.rate) * 2)
    step = CHUNK_FRAMES * 2
    results = []
    for offset in range(0, end, step):
        if heartbeat is not None:
            heartbeat()
        if recognizer.AcceptWaveform(data[offset:min(offset + step, end)]):
            results.append(recognizer.Result())
    results.append(recognizer.FinalResult())
    return _collect(results)


def _collect(results: list[str]) -> Decoded:
    texts, words = [], []
    for raw in results:
        result = json.loads(raw)
        if result.get("text"):
            texts.append(result["text"])
        for w in result.get("result", []):
            words.append(Word(w["word"], float(w["start"]), float(w["end"]), float(w["conf"])))
    return Decoded(" ".join(texts), tuple(words))
