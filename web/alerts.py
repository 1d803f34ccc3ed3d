"""One alert: listen, read, correct, tag, note, claim and decide."""

from __future__ import annotations

import logging

from flask import Blueprint, abort, current_app, flash, g, jsonify, redirect, render_template, request, send_file, url_for

from core.accounts import DECISIONS_BY_ROLE
from core.model import ALERT_LANGUAGES, CATEGORIES, Status
from core.store import utcnow

from . import audio
from .i18n import translate as _
from .context import get_store, wants_json
from .templating import clean_keywords, clean_words

log = logging.getLogger(__name__)

bp = Blueprint("alerts", __name__, url_prefix="/alerts")

# Decision buttons in the order shown, with their keyboard shortcut. Duplicate has its own field.
DECISION_KEYS = (("verified", "v"), ("unverified", "u"), ("false", "f"), ("escalated", "s"))
# Decisions only a supervisor may take; a verifier cannot undo them either.
SUPERVISOR_STATES = {Status.DUPLICATE.value, Status.ESCALATED.value}
LOW_CONFIDENCE = 0.6
MAX_TRANSCRIPT = 20000
MAX_NOTE = 4000
MAX_LOCALITY = 200


# -- helpers ---------------------------------------------------------------------


def load_alert(alert_id: int) -> dict:
    alert = get_store().get_alert(alert_id)
    if alert is None:
        abort(404)
    return alert


def me() -> str:
    return g.user["username"]


def claim_holder(alert: dict) -> str | None:
    if alert["claimed_by"] and alert["claimed_until"] and alert["claimed_until"] > utcnow():
        return alert["claimed_by"]
    return None


def hold_claim(alert: dict) -> None:
    """Changes need the alert's claim: take it if free, refuse (409) if someone else has it."""
    holder = claim_holder(alert)
    if holder == me():
        return
    if holder is None and get_store().claim_alert(alert["id"], me(), current_app.config["CLAIM_MINUTES"]):
        return
    abort(409, description=_("alert.claimed_other", user=holder or "?"))


def locked_for_role(alert: dict) -> bool:
    return alert["status"] in SUPERVISOR_STATES and g.user["role"] == "verifier"


def done(alert_id: int, message: str, **payload):
    if wants_json():
        return jsonify(ok=True, message=message, **payload)
    flash(message, "success")
    return redirect(url_for("alerts.show", alert_id=alert_id))


def refuse(alert_id: int, message: str, code: int = 422):
    if wants_json():
        return jsonify(ok=False, error=message), code
    flash(message, "error")
    return redirect(url_for("alerts.show", alert_id=alert_id))


# -- the page --------------------------------------------------------------------


@bp.route("/<int:alert_id>")
def show(alert_id: int):
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
        recordings=store.recordings_for(alert_id),
        asr=asr[-1] if asr else None,
        words=clean_words(asr[-1]["words"]) if asr else [],
        keywords=clean_keywords(alert["keywords"]),
        latest=latest,
        correction=latest if latest and latest["origin"] != "asr" else None,
        tags=set(store.tags_for(alert_id)),
        notes=store.notes_for(alert_id),
        history=store.audit_entries("alert", alert_id),
        earlier=store.alerts_from_pseudonym(pseudonym, before_alert_id=alert_id) if pseudonym else 0,
        original=store.alert_summary(alert["duplicate_of"]) if alert["duplicate_of"] else None,
        duplicates=store.duplicates_of(alert_id),
        prev_id=prev_id,
        next_id=next_id,
        claim_holder=claim_holder(alert),
        allowed=allowed,
        decision_buttons=[(s, k) for s, k in DECISION_KEYS if s in allowed],
        locked_for_role=locked_for_role(alert),
        low_confidence=LOW_CONFIDENCE,
    )


@bp.route("/<int:alert_id>/audio/<int:recording_id>", endpoint="audio")
def audio_file(alert_id: int, recording_id: int):
    recording = get_store().get_recording(recording_id)
    if recording is None or recording["alert_id"] != alert_id:
        abort(404)
    config = current_app.config["SAUTI_CONFIG"]
    try:
        path, mimetype = audio.playable(config.data_dir, current_app.config["AUDIO_CACHE"], recording)
    except audio.RecordingMissing as exc:
        log.error("alert %s: %s", alert_id, exc)
        abort(404)
    if not request.range or request.range.ranges[0][0] == 0:
        get_store().record_listen(alert_id, me())  # once per user; Range requests continue a listen
    response = send_file(path, mimetype=mimetype, conditional=True, max_age=0)
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response


# -- changes ---------------------------------------------------------------------


@bp.route("/<int:alert_id>/claim", methods=("POST",))
def claim(alert_id: int):
    alert = load_alert(alert_id)
    hold_claim(alert)
    return done(alert_id, _("alert.claimed"), claimed_by=me())


@bp.route("/<int:alert_id>/release", methods=("POST",))
def release(alert_id: int):
    load_alert(alert_id)
    get_store().release_alert(alert_id, me())
    return done(alert_id, _("alert.released"))


@bp.route("/<int:alert_id>/transcript", methods=("POST",))
def transcript(alert_id: int):
    store = get_store()
    alert = load_alert(alert_id)
    text = request.form.get("text", "").replace("\r\n", "\n").strip()
    if len(text) > MAX_TRANSCRIPT:
        abort(400)
    latest = store.latest_transcript(alert_id)
    if latest is not None and latest["text"] == text or (latest is None and not text):
        return done(alert_id, _("transcript.unchanged"))
    hold_claim(alert)
    store.add_transcript(alert_id, text, language=alert["language"], origin="verifier", author=me())
    return done(alert_id, _("transcript.saved"))


@bp.route("/<int:alert_id>/tags", methods=("POST",))
def tags(alert_id: int):
    alert = load_alert(alert_id)
    chosen = set(request.form.getlist("tag"))
    if not chosen <= set(CATEGORIES):
        return refuse(alert_id, _("tags.unknown"), 400)
    hold_claim(alert)
    get_store().set_tags(alert_id, chosen, actor=me())
    return done(alert_id, _("tags.saved"), tags=sorted(chosen))


@bp.route("/<int:alert_id>/details", methods=("POST",))
def details(alert_id: int):
    alert = load_alert(alert_id)
    language = request.form.get("language", "").strip() or None
    locality = request.form.get("locality", "").strip()[:MAX_LOCALITY] or None
    if language is not None and language not in ALERT_LANGUAGES:
        abort(400)
    changes = {k: v for k, v in (("language", language), ("locality", locality)) if alert[k] != v}
    if changes:
        hold_claim(alert)
        get_store().update_alert(alert_id, me(), **changes)
    return done(alert_id, _("details.saved"))


@bp.route("/<int:alert_id>/notes", methods=("POST",))
def note(alert_id: int):
    load_alert(alert_id)
    text = request.form.get("text", "").replace("\r\n", "\n").strip()
    if not text:
        return refuse(alert_id, _("notes.empty"))
    if len(text) > MAX_NOTE:
        abort(400)
    get_store().add_note(alert_id, me(), text)
    return done(alert_id, _("notes.added"))


@bp.route("/<int:alert_id>/decision", methods=("POST",))
def decide(alert_id: int):
    store = get_store()
    alert = load_alert(alert_id)
    try:
        status = Status(request.form.get("status", ""))
    except ValueError:
        abort(400)
    if status not in DECISIONS_BY_ROLE[g.user["role"]] or locked_for_role(alert):
        abort(403, description=_("decide.forbidden"))
    seen = request.form.get("seen_status")
    if seen and seen != alert["status"]:
        # Someone decided while this page was open: show them the new state, never overwrite it.
        return refuse(alert_id, _("decide.changed", status=_(f"status.{alert['status']}")), 409)
    original = None
    if status is Status.DUPLICATE:
        target = store.find_alert_id(request.form.get("duplicate_of", ""))
        original = store.root_alert(target) if target is not None else None
        if original is None or original == alert_id:
            return refuse(alert_id, _("decide.no_original"))
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
