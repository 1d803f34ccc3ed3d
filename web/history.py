"""Audit entries as one line of plain text each, in the user's language (the template escapes it).

Field names, roles, languages, statuses and yes/no go through the catalogue; what a
person typed (notes, transcripts, localities) is shown as typed.
"""

from __future__ import annotations

from core.model import ALERT_LANGUAGES, CATEGORIES

from .i18n import current_language, has_message, translate

CLIP = 120
# Actions whose entry says all there is to say by its name.
SELF_EXPLAINED = {"claim", "release", "listen"}


def describe(entry: dict) -> str:
    before, after, action = entry.get("before"), entry.get("after"), entry["action"]
    if action in ("status", "reopen"):
        line = f"{_status((before or {}).get('status'))} → {_status((after or {}).get('status'))}"
        if (after or {}).get("duplicate_of"):
            line += f" (#{after['duplicate_of']})"
        if action == "reopen" and (before or {}).get("duplicate_of"):
            line += f" ({translate('reopen.unmerged', id=before['duplicate_of'])})"
        return line
    if action == "tags":
        lang = current_language()
        return ", ".join(CATEGORIES.get(t, {}).get(lang, t) for t in (after or [])) or "—"
    if action in ("note", "transcript"):
        return _clip((after or {}).get("text"))
    if action in SELF_EXPLAINED:
        return ""
    if action == "takeover":
        return f"{(before or {}).get('claimed_by', '?')} → {(after or {}).get('claimed_by', '?')}"
    if action.startswith(("callback_", "acknowledgement_")):  # calls the line placed (core/store/callbacks.py)
        after = after if isinstance(after, dict) else {}
        parts = [translate(f"callback.result.{after['result']}")] if after.get("result") else []
        if after.get("attempt"):
            parts.append(translate("callback.attempts", n=after["attempt"]))
        return " · ".join(parts)
    if action == "create" and isinstance(after, dict) and "reference" in after:
        return f"{translate('alert.reference')} {after['reference']}"
    if isinstance(after, dict):
        old = before if isinstance(before, dict) else {}
        parts = []
        for key, value in after.items():
            shown = f"{field_name(key)} : " if current_language() == "fr" else f"{field_name(key)}: "
            if old.get(key) is not None:
                shown += f"{field_value(key, old[key])} → "
            parts.append(shown + field_value(key, value))
        return "; ".join(parts)
    return ""


def field_name(key: str) -> str:
    return translate(f"field.{key}") if has_message(f"field.{key}") else key


def field_value(key: str, value) -> str:
    if value is None:
        return "—"
    if key == "password_hash":
        return translate("field.changed")
    if key == "role" and has_message(f"role.{value}"):
        return translate(f"role.{value}")
    if key == "language":
        return ALERT_LANGUAGES.get(value, str(value))
    if key == "status":
        return _status(value)
    if key == "flags" and isinstance(value, list):
        return ", ".join(translate(f"flag.{f}") if has_message(f"flag.{f}") else str(f) for f in value) or "—"
    if isinstance(value, bool) or key in ("disabled", "shareable", "complaints"):
        return translate("field.yes") if value else translate("field.no")
    if key == "outcome" and has_message(f"outcome.{value}"):
        return translate(f"outcome.{value}")
    if key == "kind" and has_message(f"directory.kind.{value}"):
        return translate(f"directory.kind.{value}")
    if isinstance(value, (list, tuple)):   # alerts of an incident, localities of a responder
        return _clip(", ".join(str(item) for item in value)) or "—"
    return _clip(str(value))


def _status(value) -> str:
    return translate(f"status.{value}") if value else "—"


def _clip(text) -> str:
    text = text or ""
    return text if len(text) <= CLIP else text[: CLIP - 1] + "…"
