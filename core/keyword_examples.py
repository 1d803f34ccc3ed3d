"""Examples for keyword spotting: a verifier's marked span of a verified alert, cut to a clip.

    example_id = mark(config, store, alert_id, recording_id, "bunduki", "armed_movement", 6.9, 7.6, "vera")
    remove(config, store, example_id, "vera")
    ids = from_phone(config, store, "sw", term, take_wav, "phone:C-1234")   # a term said three times

By phone (the prompt line, ivr/flows/example_record.py), a trusted person keys a term's
number (`phone_terms`: the lexicon's whole-word terms in file order, listed on the console's
examples page) and says it three times in one take; each time becomes an example with no
alert (a consenting voice, kept until removed), its span in the take, which is its clip.

The clip (`examples/<alert id>-<n>.wav`, 8 kHz) is what the console plays beside a hit;
the spotter computes an example's features from its whole source recording
(asr/spotting/features.py), so the clip is only for listening. Clips follow their
alert's retention (core/store/retention.py).
"""

from __future__ import annotations

import secrets

from .audio import formats, speech
from .audio.wav import write_wav
from .config import Config
from .durable import make_durable
from .lexicon import Lexicons
from .store import Store
from .store.spotting import ExampleError

CLIP_RATE = 8000
EXAMPLES_DIR = "examples"
MIN_SECONDS = 0.2
MAX_SECONDS = 3.0   # a term, not a sentence: a long span matches nothing else
PHONE_TIMES = (2, 5)      # times a term said by phone must be heard (three asked)
PHONE_PAUSE_SECONDS = 0.35   # the pause that separates two sayings of the term
PHONE_MARGIN_SECONDS = 0.05


def mark(config: Config, store: Store, alert_id: int, recording_id: int, term: str, category: str,
         start: float, end: float, actor: str) -> int:
    """Cut and store an example; ExampleError says why not (not verified, bad span...)."""
    term = " ".join(term.split())
    if not term:
        raise ExampleError("the example needs its term")
    recording = store.get_recording(recording_id)
    if recording is None or recording["alert_id"] != alert_id:
        raise ExampleError("that recording is not this alert's")
    start, end = round(float(start), 2), round(float(end), 2)
    if not (0 <= start < end) or end - start < MIN_SECONDS or end - start > MAX_SECONDS:
        raise ExampleError(f"an example lasts {MIN_SECONDS} to {MAX_SECONDS} seconds")
    audio = formats.load(config.data_dir / recording["path"])
    if end > audio.seconds + 0.05:
        raise ExampleError("the span runs past the end of the recording")
    pcm = formats.to_rate(audio, CLIP_RATE)
    clip = pcm[int(start * CLIP_RATE):int(end * CLIP_RATE)]
    relative = f"{EXAMPLES_DIR}/{alert_id}-{secrets.token_hex(4)}.wav"
    path = config.data_dir / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    write_wav(path, clip, CLIP_RATE)
    make_durable(path, config.data_dir)   # on disk before the row that names it
    try:
        return store.add_example(alert_id, recording_id, term, category, start, end, relative, actor)
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def remove(config: Config, store: Store, example_id: int, actor: str) -> bool:
    row = store.remove_example(example_id, actor)
    if row is None:
        return False
    if not store.examples_with_path(row["path"]):   # a phone take holds several examples
        (config.data_dir / row["path"]).unlink(missing_ok=True)
    return True


def phone_terms(lexicons: Lexicons, language: str) -> list[tuple[str, str]]:
    """(term, category) of the language's lexicon terms a person can say (no `*`), in file
    order: the phone keys the position, from 1."""
    seen, terms = set(), []
    for term in lexicons.get(language).terms:
        if "*" not in term.text and term.text not in seen:
            seen.add(term.text)
            terms.append((term.text, term.category))
    return terms


def from_phone(config: Config, store: Store, language: str, term: str, category: str, take, actor: str) -> list[int]:
    """One take of the term said several times: each time, found between pauses, becomes an
    example with no alert. The take is kept whole (8 kHz) and each example is its span there,
    so the spotter normalises the word over the take as it does over an alert's recording.
    ExampleError when the take does not hold PHONE_TIMES sayings."""
    pcm = formats.to_rate(formats.load(take), CLIP_RATE)
    times = [s for s in speech.split_at_pauses(pcm, CLIP_RATE, PHONE_PAUSE_SECONDS, PHONE_MARGIN_SECONDS)
             if MIN_SECONDS <= s.end - s.start <= MAX_SECONDS]
    low, high = PHONE_TIMES
    if not low <= len(times) <= high:
        raise ExampleError(f"heard the term {len(times)} times, not {low} to {high}")
    relative = f"{EXAMPLES_DIR}/phone-{language}-{secrets.token_hex(4)}.wav"
    path = config.data_dir / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    write_wav(path, pcm, CLIP_RATE)
    make_durable(path, config.data_dir)   # the caller hears "saved" once the rows are committed
    try:
        with store.transaction():
            return [store.add_phone_example(language, term, category, relative, round(said.start, 2),
                                            round(said.end, 2), actor) for said in times]
    except BaseException:
        path.unlink(missing_ok=True)
        raise
