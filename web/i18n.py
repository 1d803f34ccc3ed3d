"""French and English, through one mechanism: `_(key, **values)` in Python, templates and JS.

The texts live in web/translations/fr.json and en.json (same keys; a test checks).

The language is the one the user chose (kept in the session), else the browser's
preference between the two, else French: verifiers in eastern DRC work in French.
Category labels come from core.model.CATEGORIES, which carries both languages.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

from flask import g, request, session

from core.accounts import ROLES

UI_LANGUAGES = ("fr", "en")
DEFAULT = "fr"

CATALOG_DIR = Path(__file__).resolve().parent / "translations"


@functools.cache
def catalogs() -> dict[str, dict[str, str]]:
    """web/translations/<lang>.json: one flat key → text mapping per language."""
    return {lang: json.loads((CATALOG_DIR / f"{lang}.json").read_text(encoding="utf-8")) for lang in UI_LANGUAGES}


# Strings the page's JavaScript needs, sent with every page.
JS_KEYS = ("js.saving", "js.saved", "js.failed", "js.offline", "queue.new_alerts")

# The help overlay: (keys, message key). Digit keys are matched by position, so
# they work on French AZERTY keyboards without Shift.
SHORTCUTS = (
    (("j",), "help.next"),
    (("k",), "help.previous"),
    (("o", "key.enter"), "help.open"),
    (("q",), "help.queue"),
    (("/",), "help.search"),
    (("key.space", "p"), "help.play_pause"),
    (("←", "→"), "help.seek"),
    (("-", "+"), "help.speed"),
    (("1 … 9",), "help.tag"),
    (("e",), "help.edit"),
    (("Ctrl+key.enter",), "help.save_text"),
    (("n",), "help.note"),
    (("c",), "help.claim"),
    (("v",), "help.verify"),
    (("u",), "help.unverified"),
    (("f",), "help.reject"),
    (("d",), "help.duplicate"),
    (("s",), "help.escalate"),
    (("?",), "help.help"),
)


def current_language() -> str:
    if "lang" not in g:
        chosen = session.get("lang")
        g.lang = chosen if chosen in UI_LANGUAGES else (request.accept_languages.best_match(UI_LANGUAGES) or DEFAULT)
    return g.lang


def translate(key: str, **values) -> str:
    catalog = catalogs()[current_language()]
    text = catalog.get(key) or catalogs()[DEFAULT].get(key) or key
    return text.format(**values) if values else text


def has_message(key: str) -> bool:
    return key in catalogs()[DEFAULT]


def js_strings() -> dict:
    return {key: translate(key) for key in JS_KEYS}


def shortcut_rows() -> list:
    """The help overlay's rows with key names translated (Space/Espace…)."""
    rows = []
    for keys, label in SHORTCUTS:
        shown = []
        for key in keys:
            for name in ("key.space", "key.enter", "key.escape"):
                key = key.replace(name, translate(name))
            shown.append(key)
        rows.append((shown, label))
    return rows


def init_i18n(app) -> None:
    app.jinja_env.globals.update(
        _=translate, has_message=has_message, js_strings=js_strings, ROLES=ROLES
    )
    app.context_processor(lambda: {"lang": current_language(), "shortcuts": shortcut_rows()})
