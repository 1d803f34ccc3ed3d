"""The gazetteer: localities callers key by number, with where they are.

A CSV file, one locality a row: `code,name,territory,province,latitude,longitude`.
The code is what a caller keys on the phone (ASCII digits); coordinates are decimal
degrees (WGS 84). `starter.csv` ships a starter set for North Kivu and Ituri from
public knowledge, with approximate coordinates: an installation corrects and extends
it in the console or with `sauti gazetteer import`.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from pathlib import Path

from ..csv_tables import RowError, read_table, write_table

COLUMNS = ("code", "name", "territory", "province", "latitude", "longitude")
STARTER = Path(__file__).with_name("starter.csv")
MAX_CODE_DIGITS = 6      # the IVR's locality step reads at most this many keys
MAX_TEXT = 120


class GazetteerError(RowError):
    """A row or form that cannot be a locality (the console's gazetteer.reason.<reason>)."""


@dataclass(frozen=True)
class Locality:
    code: str
    name: str
    territory: str | None = None
    province: str | None = None
    latitude: float | None = None
    longitude: float | None = None

    def as_row(self) -> dict:
        return asdict(self)

    @property
    def has_position(self) -> bool:
        return self.latitude is not None and self.longitude is not None


def make_locality(values: dict, line: int | None = None) -> Locality:
    """A Locality from strings (a form, or a CSV row and its line), checked field by field."""
    code = str(values.get("code") or "").strip()
    if not (code.isascii() and code.isdigit() and 1 <= len(code) <= MAX_CODE_DIGITS):
        raise GazetteerError(f"code must be 1 to {MAX_CODE_DIGITS} digits, not {code!r}", "code", line,
                             digits=MAX_CODE_DIGITS, code=code)
    texts = {}
    for key in ("name", "territory", "province"):
        text = " ".join(str(values.get(key) or "").split())
        if len(text) > MAX_TEXT:
            raise GazetteerError(f"{key} is longer than {MAX_TEXT} characters", f"{key}_long", line, max=MAX_TEXT)
        texts[key] = text or None
    if not texts["name"]:
        raise GazetteerError("a locality needs a name", "name", line)
    latitude = _coordinate(values.get("latitude"), 90, "latitude", line)
    longitude = _coordinate(values.get("longitude"), 180, "longitude", line)
    if (latitude is None) != (longitude is None):
        raise GazetteerError("give both latitude and longitude, or neither", "both", line)
    return Locality(code, texts["name"], texts["territory"], texts["province"], latitude, longitude)


def _coordinate(value, bound: float, name: str, line: int | None) -> float | None:
    text = str(value if value is not None else "").strip().replace(",", ".")
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        raise GazetteerError(f"{name} must be a number of degrees, not {text!r}", f"{name}_number", line,
                             text=text) from None
    if not math.isfinite(number) or abs(number) > bound:
        raise GazetteerError(f"{name} must lie between -{bound} and {bound}", f"{name}_range", line, bound=bound)
    return round(number, 6)


def read_csv(text: str) -> list[Locality]:
    """Parse a gazetteer CSV (header required); one bad row refuses the whole file."""
    def missing_columns(names: list[str]) -> GazetteerError:
        joined = ", ".join(names)
        return GazetteerError(f"the header must name at least code and name (missing: {joined})", "header",
                              missing=joined)

    return read_table(
        text, ("code", "name"), lambda row, line: make_locality(row, line=line), key=lambda locality: locality.code,
        missing_columns=missing_columns,
        repeated=lambda locality, line: GazetteerError(f"code {locality.code} appears twice", "twice", line,
                                                       code=locality.code), error=GazetteerError)


def write_csv(localities) -> str:
    def row(locality) -> dict:
        values = locality.as_row() if isinstance(locality, Locality) else {k: locality.get(k) for k in COLUMNS}
        return {k: "" if v is None else v for k, v in values.items()}

    return write_table(COLUMNS, (row(locality) for locality in localities))


def starter() -> list[Locality]:
    return read_csv(STARTER.read_text(encoding="utf-8"))


def distance_km(a: Locality | dict, b: Locality | dict) -> float | None:
    """Great-circle distance between two localities; None if either has no position."""
    pa, pb = _position(a), _position(b)
    if pa is None or pb is None:
        return None
    lat1, lon1, lat2, lon2 = map(math.radians, (*pa, *pb))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))


def _position(locality) -> tuple[float, float] | None:
    get = locality.get if isinstance(locality, dict) else lambda k: getattr(locality, k)
    lat, lon = get("latitude"), get("longitude")
    return None if lat is None or lon is None else (lat, lon)
