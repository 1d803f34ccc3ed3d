"""Examples for keyword spotting: a verifier's marked span of a verified alert, cut to a clip.

    example_id = mark(config, store, alert_id, recording_id, "bunduki", "armed_movement", 6.9, 7.6, "vera")
    remove(config, store, example_id, "vera")

The clip (`examples/<alert id>-<n>.wav`, 8 kHz) is what the console plays beside a hit;
the spotter computes an example's features from its whole source recording
(asr/spotting/features.py), so the clip is only for listening. Clips follow their
alert's retention (core/store/retention.py).
"""

from __future__ import annotations

import secrets

from .audio import formats
from .audio.wav import write_wav
from .config import Config
from .store import Store
from .store.spotting import ExampleError

CLIP_RATE = 8000
EXAMPLES_DIR = "examples"
MIN_SECONDS = 0.2
MAX_SECONDS = 3.0   # a term, not a sentence: a long span matches nothing else


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
    try:
        return store.add_example(alert_id, recording_id, term, category, start, end, relative, actor)
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def remove(config: Config, store: Store, example_id: int, actor: str) -> bool:
    row = store.remove_example(example_id, actor)
    if row is None:
        return False
    (config.data_dir / row["path"]).unlink(missing_ok=True)
    return True
