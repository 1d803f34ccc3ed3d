"""Exported alerts as a table with HXL hashtags (CSV) and as GeoJSON features."""

from __future__ import annotations

import io
import json

from ..csv_tables import CsvWriter
from .records import Record

# (column header, HXL hashtag, value): the second CSV row holds the hashtags.
COLUMNS = (
    ("Reference", "#event+id", lambda r: r.reference),
    ("Received (UTC)", "#date+reported", lambda r: r.received.isoformat(timespec="seconds")),
    ("Status", "#status", lambda r: r.status),
    ("Indicators", "#indicator+category", lambda r: "; ".join(r.categories)),
    ("Priority", "#severity+num", lambda r: f"{r.priority:.2f}"),
    ("Language", "#meta+lang", lambda r: r.language or ""),
    ("Source", "#meta+source", lambda r: r.source or ""),
    ("Locality code", "#loc+code", lambda r: r.locality or ""),
    ("Locality", "#loc+name", lambda r: r.place.name if r.place else ""),
    ("Territory", "#adm2+name", lambda r: (r.place.territory or "") if r.place else ""),
    ("Province", "#adm1+name", lambda r: (r.place.province or "") if r.place else ""),
    ("Latitude", "#geo+lat", lambda r: r.place.latitude if r.place and r.place.has_position else ""),
    ("Longitude", "#geo+lon", lambda r: r.place.longitude if r.place and r.place.has_position else ""),
    ("Incident", "#event+incident", lambda r: r.incident if r.incident is not None else ""),
    ("Transcript", "#description", lambda r: r.description),
)
RECORDING = ("Recording", "#meta+recording", lambda r: " ".join(x["path"] for x in r.recordings))


def hxl_csv(records: list[Record], include_recordings: bool = False) -> str:
    columns = COLUMNS + ((RECORDING,) if include_recordings else ())
    out = io.StringIO()
    writer = CsvWriter(out)
    writer.writerow([name for name, _, _ in columns])
    writer.writerow([tag for _, tag, _ in columns])
    for record in records:
        writer.writerow([value(record) for _, _, value in columns])
    return out.getvalue()


def geojson(records: list[Record], include_recordings: bool = False) -> str:
    """A FeatureCollection: a Point where the gazetteer knows the locality, else no geometry."""
    features = []
    for record in records:
        place = record.place
        geometry = ({"type": "Point", "coordinates": [place.longitude, place.latitude]}
                    if place and place.has_position else None)
        properties = {
            "reference": record.reference, "status": record.status,
            "received": record.received.isoformat(timespec="seconds"), "indicators": list(record.categories),
            "priority": round(record.priority, 2), "language": record.language, "source": record.source,
            "locality": record.locality, "locality_name": place.name if place else None,
            "territory": place.territory if place else None, "province": place.province if place else None,
            "incident": record.incident, "transcript": record.description,
        }
        if include_recordings:
            properties["recordings"] = [x["path"] for x in record.recordings]
        features.append({"type": "Feature", "id": record.reference, "geometry": geometry, "properties": properties})
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False, indent=1)
