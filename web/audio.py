"""Recordings as browsers play them: MP3 (mono), converted once with pydub and cached.

The IVR writes WAV files (often 8 kHz telephone audio, sometimes a format a browser
won't play); the converted copy lives in `<data>/cache/audio/` and is named by the
recording's id and checksum, so a replaced file is converted again.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import warnings
from pathlib import Path

log = logging.getLogger(__name__)

MIMETYPES = {"mp3": "audio/mpeg", "wav": "audio/wav"}
_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


class RecordingMissing(Exception):
    pass


_import_lock = threading.Lock()


def import_pydub():
    """pydub, imported once without the warning its `audioop` import raises on 3.11/3.12.

    create_app calls this before any request thread starts: `warnings.catch_warnings`
    is not thread-safe.
    """
    with _import_lock:
        if "pydub.exceptions" not in sys.modules:
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message=".*audioop.*", category=DeprecationWarning)
                import pydub.exceptions  # noqa: F401
    return sys.modules["pydub"].AudioSegment, sys.modules["pydub.exceptions"].CouldntEncodeError


def source_path(data_dir: Path, recording: dict) -> Path:
    data_dir = data_dir.resolve()
    path = (data_dir / recording["path"]).resolve()
    if not path.is_relative_to(data_dir):
        raise RecordingMissing(f"recording {recording['id']} points outside the data directory")
    if not path.is_file():
        raise RecordingMissing(f"recording file {recording['path']} is missing")
    return path


def playable(data_dir: Path, cache_dir: Path, recording: dict) -> tuple[Path, str]:
    """The cached browser-playable file for a recording, converting it on first use."""
    source = source_path(data_dir, recording)
    stem = f"{int(recording['id'])}-{(recording.get('sha256') or 'nosum')[:16]}"
    for ext in MIMETYPES:
        cached = cache_dir / f"{stem}.{ext}"
        if cached.exists():
            return cached, MIMETYPES[ext]
    with _lock_for(stem):
        for ext in MIMETYPES:
            cached = cache_dir / f"{stem}.{ext}"
            if cached.exists():
                return cached, MIMETYPES[ext]
        cache_dir.mkdir(parents=True, exist_ok=True)
        return _convert(source, cache_dir, stem)


def _lock_for(stem: str) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(stem, threading.Lock())


def _convert(source: Path, cache_dir: Path, stem: str) -> tuple[Path, str]:
    AudioSegment, CouldntEncodeError = import_pydub()
    with open(source, "rb") as handle:
        audio = AudioSegment.from_file(handle).set_channels(1)
    if audio.frame_rate < 16000:
        audio = audio.set_frame_rate(16000)  # MPEG-2 rates play everywhere; 8 kHz (MPEG-2.5) may not
    target = cache_dir / f"{stem}.mp3"
    tmp = cache_dir / f".{stem}.{os.getpid()}.{threading.get_ident()}.tmp"
    try:
        try:
            audio.export(tmp, format="mp3", bitrate="32k").close()
        except CouldntEncodeError as exc:
            log.warning("no MP3 encoder (%s); serving 16-bit WAV", exc)
            target = cache_dir / f"{stem}.wav"
            audio.set_sample_width(2).export(tmp, format="wav").close()
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target, MIMETYPES[target.suffix[1:]]
