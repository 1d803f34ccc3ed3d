"""Purging closed alerts' recordings and transcripts once `[retention] days` have passed.

`sauti purge` runs it on demand and `sauti up` once a day. The store chooses the
alerts and deletes their rows; this module deletes the files: each recording and
every cached, browser-playable copy of it.
"""

from __future__ import annotations

import datetime as dt
import logging

from .config import Config
from .playback_cache import PlaybackCache
from .store import CLOSED_STATUSES, Store

__all__ = ["CLOSED_STATUSES", "cutoff", "purge", "purge_complaints", "remove_files"]

log = logging.getLogger(__name__)


def cutoff(days: int, now: dt.datetime | None = None) -> str:
    now = now or dt.datetime.now(dt.timezone.utc)
    return (now - dt.timedelta(days=days)).isoformat(timespec="milliseconds")


def purge(config: Config, store: Store, days: int | None = None, actor: str = "retention",
          now: dt.datetime | None = None) -> dict:
    """Purge closed alerts untouched for `days` (default: the configured retention).

    Returns the store's summary: {"alerts": [ids], "recordings": n, "transcripts": n}.
    `days` of 0 or less means keep everything, and nothing is purged.
    """
    days = config.retention.days if days is None else days
    if days <= 0:
        summary = {"alerts": [], "recordings": 0, "transcripts": 0}
    else:
        summary = store.purge_closed(cutoff(days, now), lambda recordings: remove_files(config, recordings),
                                     actor=actor)
    summary["complaints"] = purge_complaints(config, store, actor, now)
    if summary["alerts"]:
        log.info("retention: purged %d alert(s), %d recording(s), %d transcript(s)",
                 len(summary["alerts"]), summary["recordings"], summary["transcripts"])
    return summary


def purge_complaints(config: Config, store: Store, actor: str = "retention",
                     now: dt.datetime | None = None) -> list[int]:
    """Complaints keep their own period, `[complaints] retention_days`, whatever their status."""
    days = config.complaints.retention_days
    if days <= 0:
        return []
    ids = store.purge_complaints(cutoff(days, now), lambda paths: _remove_paths(config, paths), actor=actor)
    if ids:
        log.info("retention: purged %d complaint recording(s)", len(ids))
    return ids


def _remove_paths(config: Config, paths: list[str]) -> None:
    data_dir = config.data_dir.resolve()
    for relative in paths:
        path = (data_dir / relative).resolve()
        if not path.is_relative_to(data_dir):
            raise ValueError(f"{relative} points outside the data directory: not purged")
        path.unlink(missing_ok=True)


def remove_files(config: Config, recordings: list[dict]) -> None:
    """Delete each recording and its cached copies, and each example clip (id None); a file
    already gone is fine (a rerun after a crash)."""
    data_dir = config.data_dir.resolve()
    for recording in recordings:
        path = (data_dir / recording["path"]).resolve()
        if not path.is_relative_to(data_dir):
            raise ValueError(f"{recording['path']} points outside the data directory: not purged")
        path.unlink(missing_ok=True)
    PlaybackCache.forget(config.audio_cache_dir, [r["id"] for r in recordings if r["id"] is not None])
