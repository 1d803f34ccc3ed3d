"""The console's cache of browser-playable copies of recordings, kept under a size limit.

    cache = PlaybackCache(config.audio_cache_dir, config.web.audio_cache_mb * 2**20)
    path = cache.lookup(stem)              # a copy, marked as just played; None: make it
    cache.admit(new_path)                  # after making one: the least recently played go first
    PlaybackCache.forget(folder, [recording ids])   # the purge of closed alerts

A copy is named "<recording id>-<checksum prefix>.<ext>". Its modification time is
when it was last played: every lookup touches it, so eviction by oldest
modification time removes the least recently played first. A copy played in the
last `in_use_seconds` is not removed, so a request never loses the file it was
just handed; the cache may run over its limit by those. A removed copy is made
again the next time someone plays it, so a full cache never stops playback, and
a copy being streamed when it is removed plays to its end (the open file lives on).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path

log = logging.getLogger(__name__)

IN_USE_SECONDS = 60


class PlaybackCache:
    def __init__(self, folder: Path, max_bytes: int, in_use_seconds: float = IN_USE_SECONDS):
        self.folder = Path(folder)
        self.max_bytes = max_bytes
        self.in_use_seconds = in_use_seconds
        self._lock = threading.Lock()  # a lookup's touch and an eviction never interleave
        self._last_touch = 0

    @staticmethod
    def stem(recording: dict) -> str:
        return f"{int(recording['id'])}-{(recording.get('sha256') or 'nosum')[:16]}"

    def lookup(self, stem: str, extensions) -> Path | None:
        """The cached copy with one of `extensions`, marked as played now; None if there is none."""
        with self._lock:
            for ext in extensions:
                path = self.folder / f"{stem}.{ext}"
                try:
                    self._touch(path)
                except FileNotFoundError:
                    continue
                return path
        return None

    def _touch(self, path: Path) -> None:
        # Strictly increasing times, so two plays in the same clock tick still have an order.
        now = max(time.time_ns(), self._last_touch + 1)
        self._last_touch = now
        os.utime(path, ns=(now, now))

    def admit(self, path: Path) -> list[Path]:
        """A copy was just made: mark it played, then trim the cache; returns the copies removed."""
        with self._lock:
            self._touch(path)
            return self._evict(keep=path)

    def _evict(self, keep: Path) -> list[Path]:
        entries = []
        for entry in os.scandir(self.folder):
            if entry.name.startswith(".") or not entry.is_file():
                continue  # conversions in progress are hidden temporary files
            stat = entry.stat()
            entries.append((stat.st_mtime_ns, stat.st_size, Path(entry.path)))
        total = sum(size for _, size, _ in entries)
        in_use_since = time.time_ns() - int(self.in_use_seconds * 1e9)
        removed = []
        for mtime, size, path in sorted(entries):
            if total <= self.max_bytes:
                break
            if path == keep or mtime >= in_use_since:
                continue
            path.unlink(missing_ok=True)
            total -= size
            removed.append(path)
        if total > self.max_bytes:
            log.info("audio cache over its limit (%d > %d bytes) with copies played in the last %d s",
                     total, self.max_bytes, self.in_use_seconds)
        return removed

    @staticmethod
    def forget(folder: Path, recording_ids) -> int:
        """Remove every cached copy of these recordings (their alerts were purged); returns how many."""
        folder = Path(folder)
        if not folder.is_dir():
            return 0
        count = 0
        for recording_id in recording_ids:
            for copy in folder.glob(f"{int(recording_id)}-*"):
                copy.unlink(missing_ok=True)
                count += 1
        return count
