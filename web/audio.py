"""Recordings as browsers play them: converted once (core.audio.browser) and cached.

The IVR writes WAV files (often 8 kHz telephone audio, sometimes a format a browser
won't play); the converted copy lives in `<data>/cache/audio/` and is named by the
recording's id and checksum, so a replaced file is converted again. The folder is
kept under `[web] audio_cache_mb` by core.playback_cache.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from core.audio import browser, pydub_import
from core.playback_cache import PlaybackCache

MIMETYPES = {"mp3": "audio/mpeg", "wav": "audio/wav"}
_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


class RecordingMissing(Exception):
    pass


def import_pydub() -> None:
    """create_app calls this before any request thread starts (see core.audio.pydub_import)."""
    pydub_import.load()


def source_path(data_dir: Path, recording: dict) -> Path:
    data_dir = data_dir.resolve()
    path = (data_dir / recording["path"]).resolve()
    if not path.is_relative_to(data_dir):
        raise RecordingMissing(f"recording {recording['id']} points outside the data directory")
    if not path.is_file():
        raise RecordingMissing(f"recording file {recording['path']} is missing")
    return path


def playable(data_dir: Path, cache: PlaybackCache, recording: dict) -> tuple[Path, str]:
    """The cached browser-playable file for a recording, converting it when it is not cached."""
    source = source_path(data_dir, recording)
    stem = cache.stem(recording)
    cached = cache.lookup(stem, MIMETYPES)
    if cached is not None:
        return cached, MIMETYPES[cached.suffix[1:]]
    with _lock_for(stem):
        cached = cache.lookup(stem, MIMETYPES)
        if cached is not None:
            return cached, MIMETYPES[cached.suffix[1:]]
        cache.folder.mkdir(parents=True, exist_ok=True)
        path, mimetype = _convert(source, cache.folder, stem)
        cache.admit(path)
        return path, mimetype


def _lock_for(stem: str) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(stem, threading.Lock())


def _convert(source: Path, cache_dir: Path, stem: str) -> tuple[Path, str]:
    tmp = cache_dir / f".{stem}.{os.getpid()}.{threading.get_ident()}.tmp"
    try:
        target = cache_dir / f"{stem}.{browser.to_browser(source, tmp)}"
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target, MIMETYPES[target.suffix[1:]]
