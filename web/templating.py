"""What every page shows alike: template filters and globals, the page context, error pages."""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

from flask import current_app, g, jsonify, render_template, url_for
from werkzeug.exceptions import HTTPException, default_exceptions

from core import clock, disk
from core.model import ALERT_LANGUAGES, CATEGORIES, Source, Status
from core.store import utcnow

from .context import get_store, has_role, wants_json
from .i18n import current_language, has_message, translate
from .history import actor_name, describe, describe_complaint
from .inputs import InputError, field_limit


def init_templating(app) -> None:
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(InputError, input_error)
    app.jinja_env.filters["when"] = format_when
    app.jinja_env.filters["seconds"] = format_seconds
    app.jinja_env.globals.update(
        static_url=static_url,
        field_limit=field_limit,
        describe=describe,
        actor_name=actor_name,
        describe_complaint=describe_complaint,
        priority_class=priority_class,
        keyword_categories=keyword_categories,
        CATEGORIES=CATEGORIES,
        ALERT_LANGUAGES=ALERT_LANGUAGES,
        STATUSES=[s.value for s in Status],
        SOURCES=[s.value for s in Source],
    )
    app.context_processor(page_context)


@functools.cache
def _static_version(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:10]


def static_url(filename: str) -> str:
    """A static file's URL with its content hash, so browsers may cache it for a year
    (slow connections load the script and style once) and still get a new version."""
    path = Path(current_app.static_folder) / filename
    return url_for("static", filename=filename, v=_static_version(path))


def page_context() -> dict:
    stats = get_store().queue_stats() if g.get("user") else {"waiting": 0, "latest_id": 0}
    return {
        "stats": stats,
        "has_role": has_role,
        "poll_seconds": current_app.config["POLL_SECONDS"],
        "now": utcnow(),
        # Checked on every page: a full disk silences the line, so whoever is on duty must see it.
        "disk": disk.space(current_app.config["SAUTI_CONFIG"]) if g.get("user") else None,
    }


def http_error(error: HTTPException):
    """Every error page and JSON error, in the user's language. A view that aborts
    with a translated description (`refused`) has it shown; otherwise the code's text."""
    code = error.code or 500
    message = getattr(error, "translated", None)
    if message is None:
        message = translate(f"error.{code}") if has_message(f"error.{code}") else translate("error.other", code=code)
    return error_response(code, message)


def input_error(error: InputError):
    return error_response(error.status, error.message)


def error_response(code: int, message: str):
    if wants_json():
        return jsonify(ok=False, error=message), code
    return render_template("error.html", code=code, message=message), code


def refused(code: int, message: str) -> HTTPException:
    """An HTTP error carrying a message already in the user's language: `raise refused(409, ...)`."""
    error = default_exceptions[code](description=message)
    error.translated = message
    return error


def format_when(value: str | None) -> str:
    """A stored UTC time as a person reads it: in the installation's zone, with its offset,
    the date written the way the page's language writes it ('26 nov. 06:07 UTC+2')."""
    return clock.display(value, current_app.config["SAUTI_CONFIG"].site.timezone, current_language())


def format_seconds(value) -> str:
    if value is None:
        return ""
    value = int(round(float(value)))
    return f"{value // 60}:{value % 60:02d}"


# Priority bands for colour only; the number itself is shown too.
PRIORITY_BANDS = ((5.0, "high"), (2.0, "mid"), (0.0001, "low"))


def priority_class(priority) -> str:
    for floor, name in PRIORITY_BANDS:
        if (priority or 0) >= floor:
            return name
    return "none"


def keyword_categories(keywords) -> list[str]:
    """The known categories among an alert's keywords, each once, in order."""
    seen = []
    for keyword in keywords or []:
        category = keyword.get("category") if isinstance(keyword, dict) else None
        if category in CATEGORIES and category not in seen:
            seen.append(category)
    return seen


def _number(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def clean_words(words) -> list[dict]:
    """Vosk's word list as the page shows it, tolerant of missing or odd fields."""
    cleaned = []
    for word in words or []:
        if isinstance(word, dict) and word.get("word") is not None:
            cleaned.append({"word": str(word["word"]), "start": _number(word.get("start")),
                            "conf": _number(word.get("conf"))})
    return cleaned


def clean_keywords(keywords) -> list[dict]:
    return [
        {"term": str(k.get("term", "")), "category": k.get("category") if k.get("category") in CATEGORIES else None}
        for k in keywords or [] if isinstance(k, dict)
    ]
