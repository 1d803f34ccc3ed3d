"""The directory: who the line calls outside itself.

Responders (bases, duty officers) cover localities and are called in their order when
an alert of theirs is escalated; focal points are community contacts of one or more
localities, who receive voice alerts. Their numbers are sealed with AES-GCM as callers'
contacts are, but under their own key (`<data>/secrets/directory.key`), so the console
that enters them never holds the key to callers' numbers. After entry a number is shown
as its last two digits at most.

Each entry has a channel: voice (called), sms (texted) or both; an escalation texts the
responders who take SMS first and calls those who take calls if none confirms in time.

CSV, one entry a row: `kind,name,localities,language,order,channel,number`; localities are
codes separated by spaces or `;`; channel is voice, sms or both (empty: voice); on export
the number is masked (`**42`), and a masked or empty number on import keeps the entry's
sealed one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import secrets
from .config import Config
from .contacts import ContactCipher
from .csv_tables import RowError, read_table, write_table
from .dialplan import TEST_PHONE_PREFIX
from .model import ALERT_LANGUAGES

KINDS = ("responder", "focal_point")
CHANNELS = ("voice", "sms", "both")
COLUMNS = ("kind", "name", "localities", "language", "order", "channel", "number")
MAX_NAME = 80
MAX_LOCALITIES = 50
MASK = "**"


class DirectoryError(RowError):
    """A row or form that cannot be a directory entry (the console's directory.reason.<reason>)."""


@dataclass(frozen=True)
class Entry:
    kind: str
    name: str
    localities: tuple[str, ...]
    language: str = "fr"
    order: int = 1
    number: str | None = field(default=None, repr=False)   # in clear only between entry and sealing
    number_tail: str | None = None
    id: int | None = None
    channel: str = "voice"

    @property
    def calls(self) -> bool:
        return self.channel in ("voice", "both")

    @property
    def texts(self) -> bool:
        return self.channel in ("sms", "both")

    @property
    def masked_number(self) -> str:
        return f"{MASK}{self.number_tail}" if self.number_tail else ""


def normalise_number(text: str, line: int | None = None) -> str:
    """Digits with an optional leading +, spaces, dots and dashes dropped; 6 to 15 digits.

    A local test phone (test-phone-N) is accepted too, for drills and the test suite."""
    if re.fullmatch(rf"{TEST_PHONE_PREFIX}\d{{1,3}}", text.strip()):
        return text.strip()
    compact = "".join(ch for ch in text.strip() if ch not in " .-()")
    digits = compact[1:] if compact.startswith("+") else compact
    if not (digits.isascii() and digits.isdigit() and 6 <= len(digits) <= 15):
        raise DirectoryError("a number is 6 to 15 digits, with an optional leading +", "number", line)
    return compact


def make_entry(values: dict, line: int | None = None) -> Entry:
    """An Entry from strings (a form, or a CSV row and its line), checked field by field."""
    kind = str(values.get("kind") or "").strip()
    if kind not in KINDS:
        raise DirectoryError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}", "kind", line, kind=kind)
    name = " ".join(str(values.get("name") or "").split())
    if not name or len(name) > MAX_NAME:
        raise DirectoryError(f"a name is 1 to {MAX_NAME} characters", "name", line, max=MAX_NAME)
    codes = tuple(dict.fromkeys(str(values.get("localities") or "").replace(";", " ").replace(",", " ").split()))
    if not codes or len(codes) > MAX_LOCALITIES:
        raise DirectoryError(f"give 1 to {MAX_LOCALITIES} locality codes", "localities", line, max=MAX_LOCALITIES)
    for code in codes:
        if not (code.isascii() and code.isdigit() and len(code) <= 6):
            raise DirectoryError(f"locality codes are 1 to 6 digits, not {code!r}", "locality_code", line, code=code)
    language = str(values.get("language") or "fr").strip()
    if language not in ALERT_LANGUAGES:
        raise DirectoryError(f"language must be one of {', '.join(ALERT_LANGUAGES)}", "language", line)
    order_text = str(values.get("order") or "1").strip()
    if not (order_text.isascii() and order_text.isdigit() and 1 <= int(order_text) <= 99):
        raise DirectoryError("order must be a whole number from 1 to 99", "order", line)
    channel = str(values.get("channel") or "voice").strip().lower()
    if channel not in CHANNELS:
        raise DirectoryError(f"channel must be one of {', '.join(CHANNELS)}, not {channel!r}", "channel", line,
                             channel=channel)
    number_text = str(values.get("number") or "").strip()
    number = None if not number_text or number_text.startswith(MASK) else normalise_number(number_text, line)
    return Entry(kind, name, codes, language, int(order_text), number, number[-2:] if number else None,
                 channel=channel)


def read_csv(text: str) -> list[Entry]:
    """Parse a directory CSV (header required); one bad row refuses the whole file."""
    return read_table(
        text, ("kind", "name", "localities"), lambda row, line: make_entry(row, line=line),
        key=lambda entry: (entry.kind, entry.name),
        missing_columns=lambda names: DirectoryError(
            f"the header must name kind, name and localities (missing: {', '.join(names)})", "header",
            missing=", ".join(names)),
        repeated=lambda entry, line: DirectoryError(f"{entry.kind} {entry.name!r} appears twice", "twice", line,
                                                    name=entry.name), error=DirectoryError)


def write_csv(entries) -> str:
    """The directory as CSV with masked numbers: it can be imported back without losing them."""
    return write_table(COLUMNS, ({"kind": entry.kind, "name": entry.name, "localities": " ".join(entry.localities),
                                  "language": entry.language, "order": entry.order, "channel": entry.channel,
                                  "number": entry.masked_number}
                                 for entry in entries))


class NumberSeal:
    """Seals and opens directory numbers, each bound to its entry's seal id."""

    def __init__(self, key: bytes):
        self._cipher = ContactCipher(key)

    @classmethod
    def from_config(cls, config: Config) -> "NumberSeal":
        return cls(secrets.installation_key(config, secrets.DIRECTORY_KEY))

    def seal(self, number: str, seal_id: str) -> bytes:
        return self._cipher.seal(number, f"directory:{seal_id}")

    def open(self, sealed: bytes, seal_id: str) -> str:
        return self._cipher.open(sealed, f"directory:{seal_id}")
