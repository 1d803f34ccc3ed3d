"""The gazetteer: localities callers key by number, with where they are.

A CSV file, one locality a row: `code,name,territory,province,latitude,longitude`.
The code is what a caller keys on the phone (ASCII digits); coordinates are decimal
degrees (WGS 84). `starter.csv` ships a starter set for North Kivu and Ituri from
public knowledge, with approximate coordinates: an installation corrects and extends
it in the console or with `sauti gazetteer import`.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import asdict, dataclass
from pathlib import Path

COLUMNS = ("code", "name", "territory", "province", "latitude", "longitude")
STARTER = Path(__file__).with_name("starter.csv")
MAX_CODE_DIGITS = 6      # the IVR's locality step reads at most this many keys
MAX_TEXT = 120


class GazetteerError(ValueError):
    """A row that cannot be a locality; the message names the row and the field."""


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


def make_locality(values: dict, where: str = "") -> Locality:
    """A Locality from strings (a form or a CSV row), checked field by field."""
    prefix = f"{where}: " if where else ""
    code = str(values.get("code") or "").strip()
    if not (code.isascii() and code.isdigit() and 1 <= len(code) <= MAX_CODE_DIGITS):
        raise GazetteerError(f"{prefix}code must be 1 to {MAX_CODE_DIGITS} digits, not {code!r}")
    texts = {}
    for key in ("name", "territory", "province"):
        text = " ".join(str(values.get(key) or "").split())
        if len(text) > MAX_TEXT:
            raise GazetteerError(f"{prefix}{key} is longer than {MAX_TEXT} characters")
        texts[key] = text or None
    if not texts["name"]:
        raise GazetteerError(f"{prefix}a locality needs a name")
    latitude = _coordinate(values.get("latitude"), 90, "latitude", prefix)
    longitude = _coordinate(values.get("longitude"), 180, "longitude", prefix)
    if (latitude is None) != (longitude is None):
        raise GazetteerError(f"{prefix}give both latitude and longitude, or neither")
    return Locality(code, texts["name"], texts["territory"], texts["province"], latitude, longitude)


def _coordinate(value, bound: float, name: str, prefix: str) -> float | None:
    text = str(value if value is not None else "").strip().replace(",", ".")
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        raise GazetteerError(f"{prefix}{name} must be a number of degrees, not {text!r}") from None
    if not math.isfinite(number) or abs(number) > bound:
        raise GazetteerError(f"{prefix}{name} must lie between -{bound} and {bound}")
    return round(number, 6)


def read_csv(text: str) -> list[Locality]:
    """Parse a gazetteer CSV (header required); one bad row refuses the whole file."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = {"code", "name"} - set(reader.fieldnames or ())
    if missing:
        raise GazetteerError(f"the header must name at least code and name (missing: {', '.join(sorted(missing))})")
    localities, seen = [], set()
    for number, row in enumerate(reader, start=2):
        locality = make_locality(row, where=f"line {number}")
        if locality.code in seen:
            raise GazetteerError(f"line {number}: code {locality.code} appears twice")
        seen.add(locality.code)
        localities.append(locality)
    return localities


def write_csv(localities) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for locality in localities:
        row = locality.as_row() if isinstance(locality, Locality) else {k: locality.get(k) for k in COLUMNS}
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return out.getvalue()


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
