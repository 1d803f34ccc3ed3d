"""Exports of verified and escalated alerts for other early-warning systems.

    records = exports.collect(store, since="2026-11-01T00:00:00+00:00")
    exports.cap.feed(records, config)      # Atom feed of CAP 1.2 alerts
    exports.tables.hxl_csv(records)        # CSV with HXL hashtags in the second row
    exports.tables.geojson(records)        # a GeoJSON FeatureCollection

A record never holds a phone number, a caller pseudonym, a channel or a radio
station's name; digit runs that look like a phone number in a transcript are
replaced. Recordings are named (path, size, checksum) only when an admin asks for them.
"""

from __future__ import annotations

from .records import FORMATS, PHONE_LIKE, Record, collect, redact

__all__ = ["FORMATS", "PHONE_LIKE", "Record", "collect", "redact"]
