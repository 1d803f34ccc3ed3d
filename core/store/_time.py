import datetime as dt
import time


def utcnow() -> str:
    """Timestamps are ISO 8601 in UTC, so they sort as text."""
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")


def utc_after(seconds: float) -> str:
    return (dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=seconds)).isoformat(timespec="milliseconds")


def epoch() -> float:
    return time.time()
