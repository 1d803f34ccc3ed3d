"""The store's one representation of time.

Every time the store keeps (columns ending in `_at` or `_until`) is ISO 8601 text in
UTC to the millisecond, e.g. `2026-11-26T04:07:08.123+00:00`. The format has a fixed
width, so times sort and compare as text in SQL (`claimed_until < ?`, date filters).
Migration 0015 converted the one column that held epoch seconds (`jobs.lease_until`).
"""

from __future__ import annotations

import datetime as dt


def as_text(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).isoformat(timespec="milliseconds")


def utcnow() -> str:
    return as_text(dt.datetime.now(dt.timezone.utc))


def utc_after(seconds: float) -> str:
    return as_text(dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=seconds))
