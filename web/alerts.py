"""One alert: listen, read, correct, tag, note and decide (claims are in claims.py).

A form refused for what was typed (too long, not a reference) shows the page again
with the text as typed and the reason, so nothing is lost.
"""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, flash, g, jsonify, redirect, render_template, request, send_file, url_for

from core import sms_texts
from core.accounts import DECISIONS_BY_ROLE
from core.model import ALERT_LANGUAGES, CATEGORIES, Status
from core.store.alerts import REOPENABLE

from . import audio, responses
from .claims import claim_holder, done, hold_claim, load_alert, me, not_held_by_other
from .context import get_store, wants_json
from .i18n import translate as _
from .inputs import InputError, free_text, parse_id, text_value
from .security import role_required
from .templating import clean_keywords, clean_words, http_error, refused

log = logging.getLogger(__name__)

bp = Blueprint("alerts", __name__, url_prefix="/alerts")

# Decision buttons in the order shown, with their keyboard shortcut. Duplicate has its own field.
DECISION_KEYS = (("verified", "v"), ("unverified", "u"), ("false", "f"), ("escalated", "s"))
# Decisions only a supervisor may take; a verifier cannot undo them either.
SUPERVISOR_STATES = {Status.DUPLICATE.value, Status.ESCALATED.value}
LOW_CONFIDENCE = 0.6
# What a refused form shows again, per view: {form field: the page's draft key}.
DRAFTS = {
    "alerts.transcript": {"text": "transcript"},
    "alerts.note": {"text": "note"},
    "alerts.question": {"text": "question"},
    "alerts.details": {"locality": "locality", "language": "language"},
    "alerts.decide": {"duplicate_of": "duplicate_of"},
}


# -- helpers ---------------------------------------------------------------------


def locked_for_role(alert: dict) -> bool:
    return alert["status"] in SUPERVISOR_STATES and g.user["role"] == "verifier"


def refuse(alert_id: int, message: str, code: int = 422):
    """A change refused: the reason in JSON for the page's script, else the page again
    with the reason and, in its forms, what the verifier typed."""
    if wants_json():
        return jsonify(ok=False, error=message), code
    typed = DRAFTS.get(request.endpoint, {})
    draft = {shown: request.form.get(sent, "") for sent, shown in typed.items()}
    return render_alert(alert_id, error=message, draft=draft), code


@bp.errorhandler(InputError)
def refuse_input(error: InputError):
    alert_id = request.view_args["alert_id"]
    if get_store().get_alert(alert_id) is None:  # no page to show the reason on: a 404, not a 500
        return http_error(refused(404, _("error.404")))
    return refuse(alert_id, error.message, error.status)


def sms_thread(store, alert: dict) -> dict:
    """An SMS alert's messages with its sender (receipt, questions, replies, acknowledgement:
    the alert's own text is its transcript), and the alert it follows if it came as a late reply."""
    if alert["source"] != "sms":
        return {"sms": [], "follows": None, "sms_stopped": False}
    messages = [m for m in store.sms_messages_for(alert["id"]) if m["entry_id"] is None]   # not the responders'
    first = next((m for m in messages if m["direction"] == "in" and m["kind"] == "alert"), None)
    follows = first and first["follows_alert"]
    return {"sms": [m for m in messages if m is not first],
            "follows": store.alert_summary(follows) if follows else None,
            "sms_stopped": bool(alert["caller_pseudonym"]) and store.sms_stopped(alert["caller_pseudonym"])}


# -- the page --------------------------------------------------------------------


@bp.route("/<id:alert_id>")
def show(alert_id: int):
    return render_alert(alert_id)


def render_alert(alert_id: int, error: str | None = None, draft: dict | None = None) -> str:
    store = get_store()
    alert = load_alert(alert_id)
    transcripts = store.transcripts_for(alert_id)
    asr = [t for t in transcripts if t["origin"] == "asr"]
    latest = transcripts[-1] if transcripts else None
    prev_id, next_id = store.queue_neighbours(alert_id)
    allowed = {s.value for s in DECISIONS_BY_ROLE[g.user["role"]]}
    pseudonym = alert["caller_pseudonym"]
    return render_template(
        "alert.html",
        alert=alert,
        place=store.locality(alert["locality"]) if alert["locality"] else None,
        localities=store.list_localities(),
        recordings=store.recordings_for(alert_id),
        hits=store.hits_for(alert_id),              # keyword spotting by example (web/spotting.py)
        examples=store.examples_of_alert(alert_id),
        asr=asr[-1] if asr else None,
        words=clean_words(asr[-1]["words"]) if asr else [],
        keywords=clean_keywords(alert["keywords"]),
        latest=latest,
        correction=latest if latest and latest["origin"] != "asr" else None,
        tags=set(store.tags_for(alert_id)),
        notes=store.notes_for(alert_id),
        history=store.audit_entries("alert", alert_id),
        callbacks=store.callbacks_for_alert(alert_id),
        **sms_thread(store, alert),
        **responses.alert_context(store, alert_id),
        earlier=store.alerts_from_pseudonym(pseudonym, before_alert_id=alert_id) if pseudonym else 0,
        original=store.alert_summary(alert["duplicate_of"]) if alert["duplicate_of"] else None,
        duplicates=store.duplicates_of(alert_id),
        committee_reports=[r for r in store.committee_reports(alert["locality"]) if r["id"] != alert_id]
        if alert["locality"] else [],
        prev_id=prev_id,
        next_id=next_id,
        claim_holder=claim_holder(alert),
        allowed=allowed,
        decision_buttons=[(s, k) for s, k in DECISION_KEYS if s in allowed],
        locked_for_role=locked_for_role(alert),
        reopenable=alert["status"] in REOPENABLE and not alert.get("purged_at"),
        low_confidence=LOW_CONFIDENCE,
        form_error=error,
        draft=draft or {},
    )


@bp.route("/<id:alert_id>/audio/<id:recording_id>", endpoint="audio")
def audio_file(alert_id: int, recording_id: int):
    recording = get_store().get_recording(recording_id)
    if recording is None or recording["alert_id"] != alert_id:
        raise refused(404, _("error.404"))
    config = current_app.config["SAUTI_CONFIG"]
    try:
        path, mimetype = audio.playable(config.data_dir, current_app.config["AUDIO_CACHE"], recording)
    except audio.RecordingMissing as exc:
        log.error("alert %s: %s", alert_id, exc)
        raise refused(404, _("alert.recording_missing"))
    if not request.range or request.range.ranges[0][0] == 0:
        get_store().record_listen(alert_id, me())  # once per user; Range requests continue a listen
    response = send_file(path, mimetype=mimetype, conditional=True, max_age=0)
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response


@bp.route("/<id:alert_id>/notes/<id:note_id>/audio", endpoint="note_audio")
def note_audio(alert_id: int, note_id: int):
    """A spoken note (the verifier line): a verifier's voice, as recorded (8 kHz WAV plays everywhere)."""
    note = get_store().note(note_id)
    if note is None or note["alert_id"] != alert_id or not note["recording_path"]:
        raise refused(404, _("error.404"))
    try:
        path = audio.source_path(current_app.config["SAUTI_CONFIG"].data_dir,
                                 {"id": note_id, "path": note["recording_path"]})
    except audio.RecordingMissing as exc:
        log.error("alert %s: note %s: %s", alert_id, note_id, exc)
        raise refused(404, _("alert.recording_missing"))
    response = send_file(path, mimetype="audio/wav", conditional=True, max_age=0)
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response


# -- changes ---------------------------------------------------------------------


@bp.route("/<id:alert_id>/transcript", methods=("POST",))
def transcript(alert_id: int):
    store = get_store()
    alert = load_alert(alert_id)
    text = free_text(request.form.get("text", ""), "transcript")
    latest = store.latest_transcript(alert_id)
    if latest is not None and latest["text"] == text or (latest is None and not text):
        return done(alert_id, _("transcript.unchanged"))
    hold_claim(alert)
    store.add_transcript(alert_id, text, language=alert["language"], origin="verifier", author=me())
    return done(alert_id, _("transcript.saved"))


@bp.route("/<id:alert_id>/tags", methods=("POST",))
def tags(alert_id: int):
    alert = load_alert(alert_id)
    chosen = set(request.form.getlist("tag"))
    if not chosen <= set(CATEGORIES):
        return refuse(alert_id, _("tags.unknown"), 400)
    not_held_by_other(alert)  # a tag key must not claim the alert for the claim's minutes
    get_store().set_tags(alert_id, chosen, actor=me())
    return done(alert_id, _("tags.saved"), tags=sorted(chosen))


@bp.route("/<id:alert_id>/details", methods=("POST",))
def details(alert_id: int):
    alert = load_alert(alert_id)
    language = text_value(request.form.get("language", ""), "other") or None
    locality = text_value(request.form.get("locality", ""), "locality") or None
    if language is not None and language not in ALERT_LANGUAGES:
        raise InputError(_("details.unknown_language"))
    changes = {k: v for k, v in (("language", language), ("locality", locality)) if alert[k] != v}
    if changes:
        hold_claim(alert)
        get_store().update_alert(alert_id, me(), **changes)
    return done(alert_id, _("details.saved"))


@bp.route("/<id:alert_id>/notes", methods=("POST",))
def note(alert_id: int):
    alert = load_alert(alert_id)
    text = free_text(request.form.get("text", ""), "note")
    if not text:
        return refuse(alert_id, _("notes.empty"))
    not_held_by_other(alert)
    get_store().add_note(alert_id, me(), text)
    return done(alert_id, _("notes.added"))


@bp.route("/<id:alert_id>/question", methods=("POST",))
def question(alert_id: int):
    """A follow-up question to an SMS alert's sender, in the alert's language; the verifier
    never sees the number. The SMS service sends it; the reply threads into this alert."""
    store = get_store()
    alert = load_alert(alert_id)
    if alert["source"] != "sms" or not alert["caller_pseudonym"]:
        return refuse(alert_id, _("sms.not_sms"), 400)
    text = " ".join(free_text(request.form.get("text", ""), "sms_question").split())
    if not text:
        return refuse(alert_id, _("sms.question_empty"))
    if store.sms_stopped(alert["caller_pseudonym"]):
        return refuse(alert_id, _("sms.sender_stopped"), 409)
    hold_claim(alert)
    config = current_app.config["SAUTI_CONFIG"]
    words = sms_texts.words(sms_texts.load_texts(), sms_texts.QUESTION, alert["language"],
                            config.ivr.default_language, reference=alert["reference"], question=text)
    store.queue_sms(alert_id, "question", words, actor=me())
    return done(alert_id, _("sms.asked"))


def duplicate_target(typed: str) -> int | None:
    """The alert a verifier names as the original: its reference, or #id."""
    typed = text_value(typed, "alert_ref")
    if parse_id(typed.removeprefix("#")) is None:  # ASCII digits within SQLite's integers
        return None
    return get_store().find_alert_id(typed)


@bp.route("/<id:alert_id>/decision", methods=("POST",))
def decide(alert_id: int):
    store = get_store()
    alert = load_alert(alert_id)
    try:
        status = Status(request.form.get("status", ""))
    except ValueError:
        return refuse(alert_id, _("decide.unknown"), 400)
    if status not in DECISIONS_BY_ROLE[g.user["role"]] or locked_for_role(alert):
        raise refused(403, _("decide.forbidden"))
    seen = request.form.get("seen_status")
    if seen and seen != alert["status"]:
        # Someone decided while this page was open: show them the new state, never overwrite it.
        message = _("decide.changed", status=_(f"status.{alert['status']}"))
        if wants_json():
            return jsonify(ok=False, error=message), 409
        flash(message, "error")
        return redirect(url_for("alerts.show", alert_id=alert_id))
    original = None
    if status is Status.DUPLICATE:
        target = duplicate_target(request.form.get("duplicate_of", ""))
        original = store.root_alert(target) if target is not None else None
        if original is None or original == alert_id:
            raise InputError(_("decide.no_original"), 422)
    hold_claim(alert)
    prev_id, next_id = store.queue_neighbours(alert_id)
    store.set_status(alert_id, status, actor=me(), duplicate_of=original)
    flash(_("decide.done", reference=alert["reference"], status=_(f"status.{status.value}")), "success")
    following = next_id or prev_id or store.first_waiting()
    if wants_json():
        return jsonify(ok=True, status=status.value, next=following)
    if following:
        return redirect(url_for("alerts.show", alert_id=following))
    return redirect(url_for("queue.index"))


@bp.route("/<id:alert_id>/reopen", methods=("POST",))
@role_required("supervisor")
def reopen(alert_id: int):
    """A supervisor takes a decision back: the alert returns to the queue, a duplicate is un-merged."""
    alert = load_alert(alert_id)
    seen = request.form.get("seen_status")
    if (seen and seen != alert["status"]) or alert["status"] not in REOPENABLE:
        raise refused(409, _("decide.changed", status=_(f"status.{alert['status']}")))
    try:
        get_store().reopen(alert_id, me())
    except ValueError:  # purged by retention: nothing left to verify
        raise refused(409, _("reopen.purged")) from None
    return done(alert_id, _("reopen.done", reference=alert["reference"]), status=Status.NEW.value)
