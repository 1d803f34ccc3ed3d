"""One alert's recordings in, one transcript out: the steps the worker and `sauti transcribe` share.

    pipeline = Pipeline(models, lexicons)
    result = pipeline.run([path], language="sw")     # or language=None to identify it

Steps: decode the file (core.audio.formats) -> 16 kHz for VAD -> silent? stop -> language
(given, or identified: Whisper's language detection among the languages a Whisper model
serves, Vosk by decoding the first seconds with each model) -> the model's rate -> trim
long leading/trailing silence -> Vosk or Whisper (with the lexicon's terms as hot words)
-> keywords and priority.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from core.audio import formats, pydub_import, vad
from core.lexicon import Lexicons, grammar_words, hotwords, read_fillers

from . import whisper
from .engine import WHISPER, Decoded, LoadedModel, ModelError, Models, decode, has_runtime_grammar

LANGID_SECONDS = 8.0  # speech decoded with each model to identify the language
# A grammar-constrained recogniser forces speech onto the words it knows: only words
# heard with at least this confidence count in the keyword pass.
SPOT_MIN_CONFIDENCE = 0.7


@dataclass
class Timings:
    convert: float = 0.0   # reading, decoding the file format, resampling
    vad: float = 0.0
    langid: float = 0.0
    decode: float = 0.0    # the engine itself

    def add(self, name: str, started: float) -> None:
        setattr(self, name, getattr(self, name) + time.perf_counter() - started)


@dataclass
class Transcription:
    language: str | None
    language_inferred: bool
    model: str | None           # model folder name; None: no model for the language
    engine: str | None = None   # "vosk" or "whisper"
    text: str = ""
    words: list[dict] = field(default_factory=list)
    confidence: float | None = None
    speech_seconds: float = 0.0
    duration: float = 0.0
    silent: bool = False
    keywords: list[dict] = field(default_factory=list)
    priority: float = 0.0
    no_model_reason: str | None = None
    timings: Timings = field(default_factory=Timings)

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class _Prepared:
    audio: formats.Audio
    vad_pcm: np.ndarray
    speech: vad.Speech
    offset: float           # start of this recording on the alert's timeline
    recording_id: int | None


@dataclass
class Pipeline:
    models: Models
    lexicons: Lexicons
    langid_seconds: float = LANGID_SECONDS
    whisper_hotwords: bool = False   # [asr] whisper_hotwords

    def __post_init__(self) -> None:
        pydub_import.load()  # before the worker's decoding threads share this pipeline

    def run(
        self,
        paths: list[Path] | list[str],
        language: str | None = None,
        heartbeat: Callable[[], None] | None = None,
        recording_ids: list[int] | None = None,
    ) -> Transcription:
        """Transcribe an alert's recordings (in order; word times run on across them).

        Raises AudioError for a file that does not decode, ModelError for a configured
        model that does not load. No model for the language is not an error: the
        result has model=None and no_model_reason."""
        beat = heartbeat or (lambda: None)
        timings = Timings()
        prepared, offset = self._prepare(paths, beat, timings, recording_ids)
        result = Transcription(language=language or None, language_inferred=False, model=None,
                               duration=round(offset, 3), timings=timings)
        voiced = [p for p in prepared if not p.speech.silent]
        result.silent = not voiced

        if result.silent:
            return result  # nothing to recognise: no model needed, no language to identify
        model = self._choose_model(result, voiced, beat)
        if model is None:
            return result
        result.model, result.engine = model.name, model.engine

        lexicon = self.lexicons.get(result.language)
        prefer = hotwords(lexicon) if model.engine == WHISPER and self.whisper_hotwords else None
        words = self._decode_voiced(result, model, voiced, len(prepared) > 1, beat, hotwords=prefer)
        result.words = words
        result.confidence = round(sum(w["conf"] for w in words) / len(words), 4) if words else None
        result.speech_seconds = round(_covered(words), 3)
        result.keywords = lexicon.match(words)
        result.priority = lexicon.priority(result.keywords)
        return result

    def spot(self, paths, language: str | None, heartbeat: Callable[[], None] | None = None) -> Transcription | None:
        """The fast keyword pass: Vosk restricted to the lexicon's whole words (grammar mode).

        None when it cannot run: no language yet, no model for it, a model without a
        runtime grammar (no HCLr.fst/Gr.fst), or a lexicon with no whole word to listen for."""
        model = self.models.get(language) if language else None
        if model is None or not has_runtime_grammar(model.path):
            return None
        lexicon = self.lexicons.get(language)
        grammar = grammar_words(lexicon)
        if not grammar:
            return None
        beat = heartbeat or (lambda: None)
        timings = Timings()
        prepared, offset = self._prepare(paths, beat, timings)
        result = Transcription(language=language, language_inferred=False, model=model.name,
                               engine=model.engine, duration=round(offset, 3), timings=timings)
        voiced = [p for p in prepared if not p.speech.silent]
        result.silent = not voiced
        fillers = sorted(set(read_fillers(self.lexicons, language)) - set(grammar))
        words = self._decode_voiced(result, model, voiced, False, beat, grammar=[*grammar, *fillers, "[unk]"])
        spotted = set(grammar)
        result.words = [w for w in words if w["word"] in spotted and w["conf"] >= SPOT_MIN_CONFIDENCE]
        result.keywords = lexicon.match(result.words)
        result.priority = lexicon.priority(result.keywords)
        return result

    def _prepare(self, paths, beat, timings: Timings, recording_ids=None) -> tuple[list[_Prepared], float]:
        prepared, offset = [], 0.0
        for index, path in enumerate(paths):
            beat()
            started = time.perf_counter()
            audio = formats.load(path)
            vad_pcm = formats.to_rate(audio, vad.VAD_RATE)
            timings.add("convert", started)
            started = time.perf_counter()
            speech = vad.bounds(vad_pcm)
            timings.add("vad", started)
            ids = recording_ids[index] if recording_ids else None
            prepared.append(_Prepared(audio, vad_pcm, speech, offset, ids))
            offset += audio.seconds
        return prepared, offset

    def _decode_voiced(self, result: Transcription, model: LoadedModel, voiced: list[_Prepared], several: bool,
                       beat, grammar: list[str] | None = None, hotwords: list[str] | None = None) -> list[dict]:
        """Decode each recording's speech (long leading and trailing silence trimmed); words
        carry times on the alert's timeline; the text goes into result.text."""
        words, timings = [], result.timings
        for p in voiced:
            started = time.perf_counter()
            pcm = p.vad_pcm if model.rate == vad.VAD_RATE else formats.to_rate(p.audio, model.rate)
            start, end = vad.trim_bounds(p.speech, p.audio.seconds)
            first, last = int(round(start * model.rate)), int(round(end * model.rate))
            timings.add("convert", started)
            started = time.perf_counter()
            decoded = decode(model, pcm[first:last], grammar=grammar, heartbeat=beat, hotwords=hotwords).shifted(
                p.offset + first / model.rate)
            timings.add("decode", started)
            for w in decoded.words:
                item = w.as_dict()
                if p.recording_id is not None and several:
                    item["recording_id"] = p.recording_id
                words.append(item)
            if decoded.text:
                result.text = f"{result.text} {decoded.text}".strip()
        return words

    def _choose_model(self, result: Transcription, voiced: list[_Prepared], beat) -> LoadedModel | None:
        if result.language:
            model = self.models.get(result.language)  # ModelError propagates: a broken model
            if model is None:
                result.no_model_reason = f"no speech model for language {result.language!r}: listen to the recording"
            return model
        if not self.models.languages:
            result.no_model_reason = "language unknown and no speech model installed: listen to the recording"
            return None
        started = time.perf_counter()
        language, model = self.identify(voiced, beat)
        result.timings.add("langid", started)
        result.language, result.language_inferred = language, True
        return model

    def identify(self, voiced: list[_Prepared], beat=None) -> tuple[str, LoadedModel]:
        """The configured language the first seconds of speech are most likely in.

        A Whisper model answers by its language detection, restricted to the languages
        it is configured for; a Vosk model by the mean word confidence of its decode.
        One model for one language: nothing to decide. Models that fail to load are
        skipped; if all fail, the first error is raised."""
        candidates, errors = [], []
        for language in self.models.languages:
            try:
                candidates.append((language, self.models.get(language)))
            except ModelError as exc:
                errors.append(exc)
        if not candidates:
            raise errors[0]
        if len(candidates) == 1 or not voiced:
            return candidates[0]
        sample = voiced[0]
        by_path: dict[Path, list[tuple[str, LoadedModel]]] = {}
        for language, model in candidates:
            by_path.setdefault(model.path, []).append((language, model))
        best = None
        for served in by_path.values():
            model = served[0][1]
            pcm = sample.vad_pcm if model.rate == vad.VAD_RATE else formats.to_rate(sample.audio, model.rate)
            start, _ = vad.trim_bounds(sample.speech, sample.audio.seconds)
            first = int(round(start * model.rate))
            if beat is not None:
                beat()
            if model.engine == WHISPER:
                language, score = whisper.detect_language(
                    model.handle, pcm[first:first + int(self.langid_seconds * model.rate)],
                    [language for language, _ in served])
                chosen = dict(served)[language]
            else:
                decoded = decode(model, pcm[first:], heartbeat=beat, max_seconds=self.langid_seconds)
                language, chosen, score = served[0][0], model, language_score(decoded)
            if best is None or score > best[0]:
                best = (score, language, chosen)
        return best[1], best[2]


def language_score(decoded: Decoded) -> float:
    """Mean word confidence, with words weighted by duration: a model that hears the speech
    as a few long confident words beats one that hears scattered short guesses."""
    total = sum(w.end - w.start for w in decoded.words)
    if not total:
        return 0.0
    return sum(w.conf * (w.end - w.start) for w in decoded.words) / total


def _covered(words: list[dict]) -> float:
    """Seconds covered by recognised words (overlaps counted once)."""
    spans = sorted((w["start"], w["end"]) for w in words)
    total, current = 0.0, None
    for start, end in spans:
        if current is None or start > current[1]:
            if current:
                total += current[1] - current[0]
            current = [start, end]
        else:
            current[1] = max(current[1], end)
    if current:
        total += current[1] - current[0]
    return total
