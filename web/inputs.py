"""What a request may send: every number, id and text the console reads passes here.

Bad input is the sender's mistake, never the server's: it gets a 4xx whose message
is in the user's language (an `InputError`), not an exception from deep in SQLite.

- Numbers are ASCII digits that fit SQLite's 64-bit INTEGER. Superscripts, Arabic-
  Indic digits and the like are refused: `int()` reads some of them and not others.
- Control characters (NUL and the like) are refused everywhere, in paths, queries
  and form fields; free text (transcripts, notes) may keep line breaks and tabs.
- Each text field has its own limit (FIELD_LIMITS, shown in its form and in the
  README). A form refused for its input is shown again with what was typed.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from flask import request
from werkzeug.routing import IntegerConverter

from .csv_upload import CARRIED_CSV
from .i18n import translate as _

MAX_ID = 2**63 - 1  # SQLite's INTEGER

# Characters per field. The queue's locality filter and an alert's locality share one.
FIELD_LIMITS = {
    "search": 200,
    "locality": 200,
    "transcript": 20000,
    "note": 4000,
    "sms_question": 120,   # with the reference and the closing words it stays one SMS
    "sms_broadcast": 459,  # a voice alert's written message: three GSM parts at most
    "alert_ref": 20,       # "duplicate of": a reference or #id
    "username": 40,
    "areas": 2000,         # an account's areas: codes and territories, comma-separated
    "password": 256,       # scrypt runs on all of it: a bound keeps login cheap
    "audit_filter": 64,
    "next": 2000,          # where to go after login: a local path with its query
    "other": 200,          # any other query or form value (filters' codes, dates, roles)
}
QUERY_FIELDS = {"next"}  # query values with a limit other than "other"'s
# Form fields holding free text: line breaks and tabs are kept, other control
# characters removed (they are invisible, and pasted text carries them).
FREE_TEXT_FIELDS = {"text", "sms_sw", "sms_ln", "sms_fr"}   # sms_*: a voice alert's written message
# Form fields that are not read as text here (secrets and tokens are compared whole; a CSV file
# carried through an import's confirmation is read as the file it was, by its own parser).
UNCHECKED_FIELDS = {"csrf_token", CARRIED_CSV}

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_FREE_TEXT_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_ID = re.compile(r"[0-9]{1,19}")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
FIRST_YEAR, LAST_YEAR = 2000, 2999


class InputError(ValueError):
    """Input the console refuses; `message` is already in the user's language."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message, self.status = message, status


class IdConverter(IntegerConverter):
    """`<id:name>` in a route: ASCII digits within SQLite's range; anything else is 404."""

    regex = r"[0-9]{1,19}"

    def __init__(self, map, *args, **kwargs):
        super().__init__(map, min=0, max=MAX_ID)


def parse_id(text: str) -> int | None:
    """An id or a reference as a verifier types it; None when it is not one."""
    if not _ID.fullmatch(text):
        return None
    value = int(text)
    return value if value <= MAX_ID else None


def query_int(name: str, default: int, maximum: int = MAX_ID, minimum: int = 1) -> int:
    """A whole number from the query string: absent or empty means `default`."""
    text = request.args.get(name, "").strip()
    if not text:
        return default
    value = parse_id(text)
    if value is None or not minimum <= value <= maximum:
        raise InputError(_("input.number", field=name, low=minimum, high=maximum))
    return value


def query_date(name: str) -> str:
    """A day typed in a filter (YYYY-MM-DD, as <input type=date> sends it), or ""."""
    text = request.args.get(name, "").strip()
    if not text:
        return ""
    try:
        day = dt.date.fromisoformat(text) if _DATE.fullmatch(text) else None
    except ValueError:
        day = None
    # The years a report can carry; the bound also keeps "the next day" within datetime's range.
    if day is None or not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise InputError(_("input.date", field=name, low=FIRST_YEAR, high=LAST_YEAR))
    return text


def text_value(value: str, field: str) -> str:
    """One line of text within its field's limit, stripped; no control characters."""
    value = value.strip()
    if _CONTROL.search(value):
        raise InputError(_("input.control"))
    limit = FIELD_LIMITS[field]
    if len(value) > limit:
        raise InputError(_("input.too_long", n=limit, got=len(value)))
    return value


def free_text(value: str, field: str) -> str:
    """A multi-line text (transcript, note): Windows line ends unified, within its limit."""
    value = _FREE_TEXT_CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n")).strip()
    limit = FIELD_LIMITS[field]
    if len(value) > limit:
        raise InputError(_("input.too_long", n=limit, got=len(value)))
    return value


def check_request() -> None:
    """Run before every view: refuse control characters anywhere (path, query, form)
    and overlong path or query values, so no view has to think of them. Views then
    apply the limits of their own form fields."""
    for value in (request.view_args or {}).values():
        if isinstance(value, str):
            text_value(value, "other")
    for key, value in request.args.items(multi=True):
        text_value(key, "other")
        text_value(value, key if key in QUERY_FIELDS else "other")
    if request.method == "POST":
        for key, value in request.form.items(multi=True):
            text_value(key, "other")
            if key not in FREE_TEXT_FIELDS and key not in UNCHECKED_FIELDS and _CONTROL.search(value):
                raise InputError(_("input.control"))


def field_limit(field: str) -> int:
    return FIELD_LIMITS[field]


_SUFFIX = re.compile(r"\.[a-z0-9]{1,5}")


def upload_suffix(filename: str | None) -> str:
    """An uploaded file's extension (".mp3") as a hint for the audio decoder, or "": the name is the
    browser's, so a 300-character or NUL-bearing one must not reach the file system."""
    suffix = Path(filename or "").suffix.lower()
    return suffix if _SUFFIX.fullmatch(suffix) else ""
