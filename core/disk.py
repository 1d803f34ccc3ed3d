"""Free space in the data directory, watched so a full disk is an alarm before it is a silence.

On a full disk the line cannot keep what callers say: the IVR's first write fails and
the caller hears the failure path's apology. Below `[site] min_free_mb` the IVR logs
an error at every call and the console shows a banner on every page, so someone frees
space while alerts can still be recorded.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

from core.config import Config

MB = 1024 * 1024


@dataclass(frozen=True)
class Space:
    free_mb: int
    total_mb: int
    min_free_mb: int

    @property
    def low(self) -> bool:
        return self.free_mb < self.min_free_mb


def space(config: Config) -> Space:
    stats = os.statvfs(config.data_dir)
    return Space(stats.f_bavail * stats.f_frsize // MB, stats.f_blocks * stats.f_frsize // MB,
                 config.site.min_free_mb)


def alarm(config: Config) -> str | None:
    """The log line for a low disk, or None while there is room."""
    current = space(config)
    if not current.low:
        return None
    return (f"DISK ALARM: {current.free_mb} MB free of {current.total_mb} MB in {config.data_dir} "
            f"(alarm below [site] min_free_mb = {current.min_free_mb}); once it is full, callers hear "
            f"an apology and nothing is recorded: free space now")


class Watch:
    """Logs the alarm when space runs low, again every `repeat_seconds` while it stays low,
    and once when it is back; for a service's periodic loop."""

    def __init__(self, config: Config, log, repeat_seconds: float = 600.0):
        self.config = config
        self.log = log
        self.repeat_seconds = repeat_seconds
        self._last: float | None = None

    def check(self) -> None:
        try:
            message = alarm(self.config)
        except OSError as exc:
            self.log.error("cannot read the free space of %s: %s", self.config.data_dir, exc)
            return
        now = time.monotonic()
        if message and (self._last is None or now - self._last >= self.repeat_seconds):
            self.log.error(message)
            self._last = now
        elif not message and self._last is not None:
            self.log.warning("disk space is back above [site] min_free_mb in %s", self.config.data_dir)
            self._last = None
