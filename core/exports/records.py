"""One exported alert, built from the store's rows: what may leave the installation."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from ..gazetteer import Locality
from ..model import CATEGORIES

FORMATS = ("cap", "hxl", "geojson")
# Seven or more digits, spaces, dots or dashes between them: a number a caller spoke.
PHONE_LIKE = re.compile(r"\+?\d(?:[\s.\-]?\d){6,}")


def redact(text: str | None) -> str:
    return PHONE_LIKE.sub("[…]", text or "")


@dataclass(frozen=True)
class Record:
    reference: str
    status: str
    received: dt.datetime          # UTC
    updated: dt.datetime           # UTC
    language: str | None
    source: str | None             # phone, radio, callback, failover: the kind, never who
    priority: float
    categories: tuple[str, ...]
    description: str
    locality: str | None
    place: Locality | None
    incident: int | None
    recordings: tuple[dict, ...] = field(default=())   # {path, bytes, sha256, format}: admins only

    @property
    def category_names(self) -> list[str]:
        return [CATEGORIES[c]["en"] for c in self.categories if c in CATEGORIES]


def _utc(text: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(text)
    return (moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)).astimezone(dt.timezone.utc)


def collect(store, since: str | None = None, include_recordings: bool = False) -> list[Record]:
    """Every verified or escalated alert received since `since` (UTC ISO), oldest first."""
    places = store.localities_by_code()
    records = []
    for row in store.exportable_alerts(since):
        found = [k.get("category") for k in row["keywords"] if isinstance(k, dict)]
        categories = tuple(sorted({c for c in [*found, *row["tags"]] if c in CATEGORIES}))
        recordings = ()
        if include_recordings:
            recordings = tuple({"path": r["path"], "bytes": r["bytes"], "sha256": r["sha256"], "format": r["format"]}
                               for r in store.recordings_for(row["id"]))
        records.append(Record(
            reference=row["reference"], status=row["status"], received=_utc(row["created_at"]),
            updated=_utc(row["updated_at"]), language=row["language"], source=row["source"],
            priority=float(row["priority"] or 0), categories=categories, description=redact(row["transcript"]),
            locality=row["locality"], place=places.get(row["locality"] or ""), incident=row["incident"],
            recordings=recordings,
        ))
    return records
