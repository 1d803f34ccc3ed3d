"""The verification queue: its order, filters, full-text search, counts and neighbours.

The queue order is "highest priority, then newest": (priority DESC, created_at DESC, id DESC).
Full-text search runs on SQLite FTS5 over every version of an alert's transcript
(the ASR original and the verifiers' corrections).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields

from .. import clock
from ..model import Status
from ._base import Base
from .areas import in_areas
from ._rows import decode, split_tags, to_json

QUEUE_ORDER = "alerts.priority DESC, alerts.created_at DESC, alerts.id DESC"
ALL = "all"
MY_AREAS = "mine"   # QueueFilter.areas: the viewer's areas (core/store/areas.py)
# A search matching more transcripts than this walks the queue in order and checks
# each alert against the matches; fewer matches are looked up and sorted.
SEARCH_WALK_THRESHOLD = 2000
# Dates that hold at most this many alerts are read as a range of the time index
# (alerts_received) and sorted; wider ones walk the queue in order like other filters.
# Walking stops at the page's last row, but with rare other filters it can walk most
# of the history, and a few weeks of alerts sort in a few milliseconds.
DATE_RANGE_THRESHOLD = 50_000


@dataclass(frozen=True)
class QueueFilter:
    """What the verifier asked for; empty strings mean "no filter"."""

    status: str = Status.NEW.value   # a Status value, or "all"
    language: str = ""
    locality: str = ""               # prefix match, case-insensitive
    source: str = ""                 # a Source value
    date_from: str = ""              # YYYY-MM-DD, inclusive, a day in `zone`
    date_to: str = ""                # YYYY-MM-DD, inclusive, a day in `zone`
    category: str = ""               # keyword category found by ASR, or a verifier's tag
    q: str = ""                      # full-text search over transcripts
    areas: str = ""                  # "mine": the viewer's areas; "all" (or ""): every locality
    zone: str = "UTC"                # the installation's time zone: what the dates mean, not a filter
    viewer: str = ""                 # whose areas "mine" means: the account looking, not a filter

    @classmethod
    def from_mapping(cls, values, zone: str = "UTC", viewer: str = "") -> "QueueFilter":
        known = {f.name for f in fields(cls)} - CONTEXT
        return cls(zone=zone, viewer=viewer, **{k: str(values.get(k, "")).strip() for k in known
                                                if values.get(k) is not None and str(values.get(k, "")).strip() != ""})

    def active(self) -> dict:
        """The filters that differ from the defaults (for links and the UI)."""
        default = QueueFilter()
        return {f.name: getattr(self, f.name) for f in fields(self)
                if f.name not in CONTEXT and getattr(self, f.name) != getattr(default, f.name)}

    def day_bounds(self) -> tuple[str | None, str | None]:
        """date_from and date_to as UTC instants: from the start of the first local day to
        the start of the day after the last. A malformed date is no bound."""
        return _day_start(self.date_from, self.zone, 0), _day_start(self.date_to, self.zone, 1)


CONTEXT = {"zone", "viewer"}   # what a filter is read with, never typed in
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _day_start(day: str, zone: str, days_after: int) -> str | None:
    if not day or not _DATE.match(day):
        return None
    try:
        return clock.day_start_utc(clock.next_day(day) if days_after else day, zone)
    except ValueError:  # 2026-02-31, or an unknown zone
        return None


def fts_query(text: str) -> str:
    """Turn what a person typed into a safe FTS5 query: every word must match.

    Each word is quoted, so FTS syntax in the input (AND, NEAR, column filters,
    quotes) is searched for literally; a trailing * keeps its prefix meaning.
    """
    terms = []
    for token in text.split():
        prefix = token.endswith("*")
        token = token.rstrip("*")
        if not token:
            continue
        quoted = '"' + token.replace('"', '""') + '"'
        terms.append(quoted + ("*" if prefix else ""))
    return " ".join(terms)


class Queue(Base):
    def _queue_where(self, f: QueueFilter) -> tuple[list[str], list]:
        """WHERE terms for a filter. A leading + on a column keeps SQLite from driving
        the query from that term, so it walks the queue index in order and stops at
        the page's last row instead of sorting every match."""
        where, params = [], []
        if f.status and f.status != ALL:
            where.append("alerts.status = ?")
            params.append(f.status)
        if f.language:
            where.append("alerts.language = ?")
            params.append(f.language)
        if f.locality:
            where.append("alerts.locality LIKE ? ESCAPE '\\'")
            params.append(_like_prefix(f.locality))
        if f.areas == MY_AREAS and f.viewer:
            term, values = in_areas(f.viewer)
            where.append(term)
            params += values
        if f.source:
            # Per row, by the call's key: an IN list would first gather every call of that source.
            where.append("(SELECT source FROM calls WHERE calls.id = alerts.call_id) = ?")
            params.append(f.source)
        start, end = f.day_bounds()
        if start:
            where.append("alerts.created_at >= ?")
            params.append(start)
        if end:
            where.append("alerts.created_at < ?")
            params.append(end)
        if f.category:
            # instr() is a cheap prefilter; json_each() makes the match exact.
            where.append(
                "((instr(alerts.keywords, ?) AND EXISTS (SELECT 1 FROM json_each(alerts.keywords)"
                " WHERE json_extract(value, '$.category') = ?))"
                " OR EXISTS (SELECT 1 FROM tags WHERE tags.alert_id = alerts.id AND tags.tag = ?))"
            )
            params += [to_json(f.category), f.category, f.category]
        if f.q:
            match = fts_query(f.q)
            if match:
                walk = self._search_hits(match, SEARCH_WALK_THRESHOLD + 1) > SEARCH_WALK_THRESHOLD
                where.append(
                    ("+" if walk else "") + "alerts.id IN (SELECT transcripts.alert_id FROM transcripts_fts"
                    " JOIN transcripts INDEXED BY transcripts_search ON transcripts.id = transcripts_fts.rowid"
                    " WHERE transcripts_fts MATCH ?)"
                )
                params.append(match)
        return where, params

    def _by_dates(self, f: QueueFilter, rows: int) -> bool:
        """Whether to read the dates' range of the time index and sort it, rather than walk the
        queue in order until `rows` match. A range of at most DATE_RANGE_THRESHOLD alerts is
        read, unless the dates are the only filter besides the status and the walk's expected
        length (rows x alerts / alerts in the range) is shorter than the range."""
        start, end = f.day_bounds()
        if not start and not end:
            return False
        in_range = self.conn.execute(
            "SELECT count(*) FROM (SELECT 1 FROM alerts WHERE created_at >= ? AND created_at < ? LIMIT ?)",
            (start or "", end or "~", DATE_RANGE_THRESHOLD + 1)).fetchone()[0]
        if in_range > DATE_RANGE_THRESHOLD:
            return False
        others = {k for k in f.active() if k not in ("status", "date_from", "date_to")}
        if others or not in_range:
            return True
        total = self._value("SELECT max(id) FROM alerts") or 0   # alerts are never deleted
        return rows * total / in_range > in_range

    def _search_hits(self, match: str, cap: int) -> int:
        return self.conn.execute(
            "SELECT count(*) FROM (SELECT rowid FROM transcripts_fts WHERE transcripts_fts MATCH ? LIMIT ?)",
            (match, cap),
        ).fetchone()[0]

    def queue(self, f: QueueFilter | None = None, limit: int = 50, offset: int = 0) -> list[dict]:
        """One page of the queue, each row with its latest transcript text and its tags."""
        f = f or QueueFilter()
        where, params = self._queue_where(f)
        # The page's ids first, from the filters alone; the columns that cost a lookup each
        # (transcript, tags, a radio session's reports) only for the rows shown.
        page = ("SELECT alerts.id FROM alerts" + (" INDEXED BY alerts_received" if self._by_dates(f, limit + offset) else "")
                + (" WHERE " + " AND ".join(where) if where else "") + f" ORDER BY {QUEUE_ORDER} LIMIT ? OFFSET ?")
        sql = (
            "SELECT alerts.id, alerts.reference, alerts.status, alerts.priority, alerts.language,"
            " alerts.locality, alerts.segment, alerts.flags, alerts.keywords, alerts.transcript_state,"
            " alerts.claimed_by, alerts.claimed_until, alerts.duplicate_of, alerts.created_at,"
            " calls.source, calls.station, calls.caller_pseudonym,"
            # A radio session's reports, so the queue can say "report 2 of 3".
            " CASE WHEN calls.source = 'radio' THEN (SELECT count(*) FROM alerts AS report"
            "  WHERE report.call_id = alerts.call_id) END AS reports,"
            " (SELECT text FROM transcripts WHERE transcripts.alert_id = alerts.id"
            "  ORDER BY transcripts.id DESC LIMIT 1) AS transcript,"
            " (SELECT group_concat(tag, ' ') FROM tags WHERE tags.alert_id = alerts.id) AS tags"
            f" FROM alerts LEFT JOIN calls ON calls.id = alerts.call_id WHERE alerts.id IN ({page})"
            f" ORDER BY {QUEUE_ORDER}"
        )
        rows = self._rows(sql, params + [int(limit), int(offset)])
        for row in rows:
            split_tags(decode(row, "flags", "keywords"))
        return rows

    def queue_stats(self) -> dict:
        """What the console polls: alerts waiting for a decision and the newest alert's id."""
        waiting = self.conn.execute("SELECT count(*) FROM alerts WHERE status = ?", (Status.NEW.value,)).fetchone()[0]
        latest = self.conn.execute("SELECT max(id) FROM alerts").fetchone()[0]
        return {"waiting": waiting, "latest_id": latest or 0}

    def queue_neighbours(self, alert_id: int) -> tuple[int | None, int | None]:
        """The waiting alerts just before and just after this one in queue order."""
        row = self.conn.execute(
            "SELECT priority, created_at, id FROM alerts WHERE id = ?", (alert_id,)
        ).fetchone()
        if row is None:
            return None, None
        key = (row[0], row[1], row[2])
        after = self.conn.execute(
            "SELECT id FROM alerts WHERE status = ? AND (priority, created_at, id) < (?, ?, ?)"
            " ORDER BY priority DESC, created_at DESC, id DESC LIMIT 1",
            (Status.NEW.value, *key),
        ).fetchone()
        before = self.conn.execute(
            "SELECT id FROM alerts WHERE status = ? AND (priority, created_at, id) > (?, ?, ?)"
            " ORDER BY priority ASC, created_at ASC, id ASC LIMIT 1",
            (Status.NEW.value, *key),
        ).fetchone()
        return (before[0] if before else None), (after[0] if after else None)

    def first_waiting(self) -> int | None:
        row = self.conn.execute(
            f"SELECT id FROM alerts WHERE status = ? ORDER BY {QUEUE_ORDER} LIMIT 1", (Status.NEW.value,)
        ).fetchone()
        return row[0] if row else None


def _like_prefix(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
