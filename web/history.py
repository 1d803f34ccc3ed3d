"""Audit entries as one line of plain text each, in the user's language (the template escapes it).

Every field the code writes into the audit log is one of: a code, said through the catalogue
(CODED: roles, statuses, outcomes, sources, results, states, formats, flags), a language, a
yes/no, a secret (only "changed"), a time, a number, or what a person typed or named
(AS_TYPED: names, notes, localities), shown as it is. The action and entity columns go
through `action.<name>` and `entity.<name>`. tests/test_web_audit_values.py writes every entry
the code can write and fails on a field in none of these or on a code without its words.
"""

from __future__ import annotations

from flask import current_app

from core import clock
from core.accounts import SERVICE_ACTORS
from core.model import ALERT_LANGUAGES, CATEGORIES

from .i18n import current_language, has_message, translate

CLIP = 120
# Actions whose entry says all there is to say by its name.
SELF_EXPLAINED = {"claim", "release", "listen"}
# A field whose value is a code → the catalogue prefix that says it.
CODED = {
    "role": "role.",
    "status": "status.",
    "outcome": "outcome.",
    "kind": "directory.kind.",
    "source": "response.source.",
    "result": "responder.state.",   # how a responder call ended (a call-back's: the callback_* branch)
    "reason": "responder.state.",   # why no responder was reached
    "now": "delivery.",             # a voice alert delivery's state after a call
    "answer": "delivery.",
    "format": "exports.download.",
    "flags": "flag.",
    "decision": "hit.decision.",    # a keyword hit confirmed or rejected (web/spotting.py)
    "state": "sms.state.",          # an SMS's delivery state (core/store/sms.py)
    "channel": "directory.channel.",  # how a directory entry is reached
}
LANGUAGE_FIELDS = {"language", "lang"}
YES_NO = {"disabled", "shareable", "complaints", "active", "stopped"}
SECRETS = {"password_hash", "pin"}     # written as "<changed>": never the value
TIMES = {"closed_before", "locked_until", "call_after"}
# Shown as written: what a person typed or named, files, and identifiers people use.
AS_TYPED = {"username", "name", "text", "action", "code", "territory", "province", "locality", "localities",
            "reference", "claimed_by", "address", "responder", "responders", "texted", "recipient", "recipients", "path",
            "backup", "prompt", "number", "latitude", "longitude", "term"}
# Who acts when no person does (the services, the CLI, a caller), said in words; a person is their username.
SYSTEM_ACTORS = (*SERVICE_ACTORS, "?")
PHONE_ACTOR = "phone:"     # someone on the line, by pseudonym (ivr/flows: prompts, responses, voice alerts)
# Kept in an update's line even when unchanged: they say which row it was.
IDENTIFYING = {"name", "code", "username"}


def describe(entry: dict) -> str:
    before, after, action = entry.get("before"), entry.get("after"), entry["action"]
    if action in ("status", "reopen") and isinstance(after, dict) and "status" in after:
        line = f"{_status((before or {}).get('status'))} → {_status(after.get('status'))}"
        if after.get("duplicate_of"):
            line += f" (#{after['duplicate_of']})"
        if action == "reopen" and (before or {}).get("duplicate_of"):
            line += f" ({translate('reopen.unmerged', id=before['duplicate_of'])})"
        return line
    if action == "tags":
        lang = current_language()
        return ", ".join(CATEGORIES.get(t, {}).get(lang, t) for t in (after or [])) or "—"
    if action in ("note", "transcript"):
        if action == "note" and (after or {}).get("text") == "":   # a spoken note (the verifier line)
            return translate("notes.spoken")
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
        return _fields(after, before if isinstance(before, dict) else {})
    if isinstance(before, dict):   # a delete: what went
        return _fields(before, {})
    return ""


def _fields(shown: dict, old: dict) -> str:
    """"name: value" for each field; an update says "old → new", and leaves out what it did not change."""
    changed = {key: value for key, value in shown.items()
               if key in IDENTIFYING or key not in old or old[key] != value}
    parts = []
    for key, value in (changed if len(changed) > len(set(changed) & IDENTIFYING) else shown).items():
        label = f"{field_name(key)} : " if current_language() == "fr" else f"{field_name(key)}: "
        if old.get(key) is not None and old[key] != value:
            label += f"{field_value(key, old[key])} → "
        parts.append(label + field_value(key, value))
    return "; ".join(parts)


def field_name(key: str) -> str:
    return translate(f"field.{key}") if has_message(f"field.{key}") else key


def field_value(key: str, value) -> str:
    if value is None:
        return "—"
    if key in SECRETS:
        return translate("field.changed")
    if key == "status":
        return _status(value)
    if key in CODED:
        if isinstance(value, (list, tuple)):
            return ", ".join(coded(key, item) for item in value) or "—"
        return coded(key, value)
    if key in LANGUAGE_FIELDS:
        return ALERT_LANGUAGES.get(value, str(value))
    if isinstance(value, bool) or key in YES_NO:
        return translate("field.yes") if value else translate("field.no")
    if key in TIMES:
        return clock.display(str(value), current_app.config["SAUTI_CONFIG"].site.timezone, current_language())
    if isinstance(value, (list, tuple)):   # alerts of an incident, localities of a responder
        return _clip(", ".join(str(item) for item in value)) or "—"
    return _clip(str(value))


def coded(key: str, value) -> str:
    """A code in words; a code the catalogue does not know (yet) is shown as written."""
    message = f"{CODED[key]}{value}"
    return translate(message) if has_message(message) else str(value)


def actor_name(actor: str) -> str:
    if actor in SYSTEM_ACTORS:
        return translate("actor.unknown" if actor == "?" else f"actor.{actor}")
    if actor.startswith(PHONE_ACTOR):
        who = actor[len(PHONE_ACTOR):]
        return translate("actor.phone", who=translate("actor.withheld") if who == "withheld" else who)
    return actor


RECORDED = "recorded "   # core/store/complaints.py: a take filed late says when it was recorded


def describe_complaint(entry: dict) -> str:
    """The detail of a complaints' audit entry: a status in words, when a late take was recorded,
    a name (the role's holder) as written."""
    detail = entry.get("detail")
    if entry["action"] == "status" and has_message(f"complaints.status.{detail}"):
        return translate(f"complaints.status.{detail}")
    if entry["action"] == "file" and detail and detail.startswith(RECORDED):
        zone = current_app.config["SAUTI_CONFIG"].site.timezone
        return translate("complaints.recorded_at",
                         when=clock.display(detail[len(RECORDED):], zone, current_language()))
    return detail or ""


def _status(value) -> str:
    return translate(f"status.{value}") if value else "—"


def _clip(text) -> str:
    text = text or ""
    return text if len(text) <= CLIP else text[: CLIP - 1] + "…"
