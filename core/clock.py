"""Times as people read them: the installation's zone for display, UTC for storage.

The store keeps ISO 8601 UTC timestamps ("2026-11-26T04:07:08.123+00:00", they sort
as text). Everything a person reads is shown in `[site] timezone`, with the offset
next to it; a date a person types (a filter's day) means that day in the same zone.

    clock.display("2026-11-26T04:07:08+00:00", "Africa/Lubumbashi", "fr")
        -> "26 nov. 06:07 UTC+2"
    clock.day_start_utc("2026-11-26", "Africa/Lubumbashi")
        -> "2026-11-25T22:00:00.000+00:00"
    clock.export_timestamp("2026-11-26T04:07:08.123+00:00") -> "2026-11-26T04:07:08+00:00"
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import zoneinfo
from dataclasses import dataclass

UTC = dt.timezone.utc
DEFAULT_ZONE = "Africa/Lubumbashi"

MONTHS = {
    "fr": ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}


@functools.cache
def zone(name: str) -> dt.tzinfo:
    """The zone for an IANA name ("Africa/Lubumbashi", "UTC"); ValueError if unknown."""
    if name in ("UTC", "Etc/UTC", "Z"):
        return UTC
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r} (use an IANA name such as Africa/Lubumbashi)") from None


def parse(value: str) -> dt.datetime:
    """A stored timestamp as an aware datetime (a naive one is taken as UTC)."""
    moment = dt.datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def local(value: str | dt.datetime, zone_name: str) -> dt.datetime:
    moment = parse(value) if isinstance(value, str) else value
    return moment.astimezone(zone(zone_name))


def offset_label(moment: dt.datetime) -> str:
    """"UTC+2", "UTC-3:30", or "UTC" itself: the offset a reader needs, never a guessable abbreviation."""
    offset = moment.utcoffset() or dt.timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    if minutes == 0:
        return "UTC"
    sign = "+" if minutes > 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def display(value: str | None, zone_name: str, language: str = "en", now: dt.datetime | None = None) -> str:
    """'26 nov. 06:07 UTC+2' (French) or '26 Nov 06:07 UTC+2'; the year when it is not this year."""
    if not value:
        return ""
    try:
        moment = local(value, zone_name)
    except ValueError:
        return value
    today = (now or dt.datetime.now(UTC)).astimezone(moment.tzinfo)
    month = MONTHS.get(language, MONTHS["en"])[moment.month - 1]
    date = f"{moment.day} {month}" + ("" if moment.year == today.year else f" {moment.year}")
    return f"{date} {moment:%H:%M} {offset_label(moment)}"


def display_full(value: str | None, zone_name: str) -> str:
    """ISO-like local time with its offset, for the CLI: '2026-11-26 06:07:08 UTC+2'."""
    if not value:
        return ""
    moment = local(value, zone_name)
    return f"{moment:%Y-%m-%d %H:%M:%S} {offset_label(moment)}"


def day_start_utc(day: str, zone_name: str) -> str:
    """The UTC instant a local calendar day (YYYY-MM-DD) begins, as stored timestamps are written."""
    start = dt.datetime.combine(dt.date.fromisoformat(day), dt.time(0), tzinfo=zone(zone_name))
    return start.astimezone(UTC).isoformat(timespec="milliseconds")


def next_day(day: str) -> str:
    return (dt.date.fromisoformat(day) + dt.timedelta(days=1)).isoformat()


def export_timestamp(value: str | None) -> str:
    """A stored time for files other programs read (CSV): UTC, with its explicit +00:00 offset."""
    if not value:
        return ""
    return parse(value).astimezone(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class CallingHours:
    """Hours of the day (HH:MM-HH:MM, in the installation's zone; may wrap midnight) when
    the line may call people back, put surveys, or text focal points."""
    start: dt.time
    end: dt.time

    @classmethod
    def parse(cls, text: str) -> "CallingHours":
        match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*", text)
        if not match:
            raise ValueError(f"calling hours {text!r}: expected HH:MM-HH:MM")
        h1, m1, h2, m2 = map(int, match.groups())
        end = dt.time(23, 59, 59, 999999) if (h2, m2) == (24, 0) else dt.time(h2, m2)
        return cls(dt.time(h1, m1), end)

    def __contains__(self, moment: dt.time) -> bool:
        if self.start <= self.end:
            return self.start <= moment <= self.end
        return moment >= self.start or moment <= self.end  # wraps midnight

    def opens_at(self, moment: dt.datetime) -> dt.datetime:
        """`moment` itself when it is within the hours, else the next start (in moment's zone)."""
        if moment.time() in self:
            return moment
        start = moment.replace(hour=self.start.hour, minute=self.start.minute, second=0, microsecond=0)
        return start if start > moment else start + dt.timedelta(days=1)

