"""`build`: make every missing or stale synthetic prompt, several at a time (a thread pool:
espeak-ng and ffmpeg run as processes, so the threads only wait)."""

from __future__ import annotations

import os
import tempfile
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import Callable

from core.audio import pydub_import

from .catalogue import COMMON, Catalogue
from .layout import audio_path
from .manifest import GENERATED, HUMAN, MISSING, PLACEHOLDER, SYNTHESISED, locked, read_manifest, staged, swap
from .processing import beep, to_telephone, write_segment
from .inventory import status
from .synth import synthesise

Progress = Callable[[int, int, str], None]   # (done, total, "lang/id: what happened")

# What `_make` says when a person recorded the prompt while it was being synthesised.
RECORDED_MEANWHILE = "kept: a person recorded it meanwhile"


def build(prompts_dir: Path, catalogue: Catalogue, *, languages: list[str] | None = None,
          ids: list[str] | None = None, force_synth: bool = False,
          progress: Progress | None = None, workers: int | None = None) -> dict[str, int]:
    """Make every missing prompt: synthesise speech, generate the beep.

    Redoes synthesised files whose words changed or whose format is wrong, and all
    synthesised ones with `force_synth`. Never touches a human (or unlisted) recording.
    Returns counts per outcome: built, kept (already fine), human (left alone, including
    one a person recorded while the build was making it).
    """
    pydub_import.load()  # before the worker threads
    todo, counts = [], {"built": 0, "kept": 0, "human": 0}
    for entry in status(prompts_dir, catalogue, languages):
        if ids is not None and entry.id not in ids:
            continue
        if entry.protected:
            counts["human"] += 1
        elif entry.source == MISSING or entry.stale or entry.problems or (
                force_synth and entry.source in (SYNTHESISED, PLACEHOLDER)):
            todo.append(entry)
        else:
            counts["kept"] += 1
    workers = workers or os.cpu_count() or 1
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {pool.submit(_make, prompts_dir, catalogue, e.lang, e.id): e for e in todo}
        for done, future in enumerate(as_completed(futures), 1):
            entry = futures[future]
            outcome = future.result()   # a failure stops the build with its message
            counts["human" if outcome == RECORDED_MEANWHILE else "built"] += 1
            if progress:
                progress(done, len(todo), f"{entry.lang}/{entry.id}: {outcome}")
    return counts


def _make(prompts_dir: Path, catalogue: Catalogue, lang: str, prompt_id: str) -> str:
    """Make one prompt; returns its source, or RECORDED_MEANWHILE if a person's recording won."""
    if lang == COMMON:
        with staged(audio_path(prompts_dir, lang, prompt_id)) as tmp:
            write_segment(beep(), tmp)
            swap(prompts_dir, lang, prompt_id, tmp, {"source": GENERATED}, backup=False)
        return GENERATED
    language, prompt = catalogue.language(lang), catalogue.get(prompt_id)
    source = PLACEHOLDER if language.placeholder else SYNTHESISED
    with tempfile.TemporaryDirectory(prefix="sauti-tts-") as work:
        speech = Path(work) / "espeak.wav"
        synthesise(prompt.words[lang], language.voice, language.speed, speech)
        with staged(audio_path(prompts_dir, lang, prompt_id)) as tmp:
            to_telephone(speech, tmp)
            entry = {"source": source, "voice": language.voice, "words": prompt.words_hash(lang)}
            with locked(Path(prompts_dir) / lang):
                current = read_manifest(Path(prompts_dir) / lang).get(prompt_id)
                target = audio_path(prompts_dir, lang, prompt_id)
                if target.exists() and (current is None or current.get("source") == HUMAN):
                    return RECORDED_MEANWHILE
                swap(prompts_dir, lang, prompt_id, tmp, entry, backup=False, is_locked=True)
    return source
