"""The confidential complaints queue, for users holding the `complaints` role only.

The role is a mark on the account apart from the verifier < supervisor < admin rank:
an admin grants it (admin.py) but, without it, gets 403 here like anyone else. Every
page seen, every recording heard and every change goes to the complaints' own audit,
which only this page shows. Recordings are opened here, in memory, with the private
key (core/complaints.py); nothing decrypted is written to disk or cached.
"""

from __future__ import annotations

import functools
import io
import logging
import tempfile
import uuid
from pathlib import Path

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, send_file, url_for

from core import complaints
from core.audio import formats, wav
from core.durable import make_durable

from .context import get_store
from .i18n import translate as _
from .inputs import upload_suffix

log = logging.getLogger(__name__)

bp = Blueprint("complaints", __name__, url_prefix="/complaints")

MAX_MESSAGE_SECONDS = 120
MESSAGE_RATE = 8000


def holds_role() -> bool:
    return g.get("user") is not None and bool(g.user["complaints"])


def complaints_role(view):
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if not holds_role():
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def _config():
    return current_app.config["SAUTI_CONFIG"]


def _existing(complaint_id: int) -> dict:
    row = get_store().complaint(complaint_id)
    if row is None:
        abort(404)
    return row


@bp.route("")
@complaints_role
def index():
    store = get_store()
    store.complaint_access(g.user["username"], "view_queue", None)
    return render_template("complaints.html", complaints=store.complaints(), audit=store.complaint_audit(limit=100),
                           statuses=complaints.STATUSES)


@bp.route("/<id:complaint_id>")
@complaints_role
def show(complaint_id: int):
    row = _existing(complaint_id)
    store = get_store()
    store.complaint_access(g.user["username"], "view", complaint_id)
    return render_template("complaint.html", complaint=row, audit=store.complaint_audit(complaint_id),
                           statuses=complaints.STATUSES)


@bp.route("/<id:complaint_id>/audio")
@complaints_role
def audio(complaint_id: int):
    row = _existing(complaint_id)
    if not row["path"]:
        abort(404)
    try:
        sealed = (_config().data_dir / row["path"]).read_bytes()
        data = complaints.ComplaintOpener.from_config(_config()).open(sealed, row["reference"])
    except (OSError, ValueError, complaints.ComplaintSealError) as exc:   # gone, cut short, or another key's
        log.error("complaint %s: its recording does not open: %s", complaint_id, exc)
        abort(404)
    get_store().complaint_access(g.user["username"], "listen", complaint_id)
    response = send_file(io.BytesIO(data), mimetype="audio/wav", max_age=0)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/<id:complaint_id>", methods=("POST",))
@complaints_role
def update(complaint_id: int):
    row = _existing(complaint_id)
    status = request.form.get("status", "")
    if status not in complaints.STATUSES:
        abort(400)
    upload = request.files.get("message")
    message = None
    if upload is not None and upload.filename:
        message = _save_message(upload)
        if message is None:
            flash(_("complaints.message_unreadable"), "error")
            return redirect(url_for("complaints.show", complaint_id=complaint_id))
        if row["status_message"]:
            (_config().data_dir / row["status_message"]).unlink(missing_ok=True)
    get_store().update_complaint(complaint_id, g.user["username"],
                                 status=status if status != row["status"] else None, status_message=message)
    flash(_("complaints.saved"), "success")
    return redirect(url_for("complaints.show", complaint_id=complaint_id))


def _save_message(upload) -> str | None:
    """The team's answer as the 8 kHz WAV Asterisk plays; its path relative to the data directory."""
    with tempfile.TemporaryDirectory() as scratch:
        source = Path(scratch) / ("upload" + upload_suffix(upload.filename))
        upload.save(source)
        try:
            loaded = formats.load(source)
        except formats.AudioError:
            return None
    if not 0.5 <= loaded.seconds <= MAX_MESSAGE_SECONDS:
        return None
    target = complaints.status_dir(_config()) / f"{uuid.uuid4().hex}.wav"
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    wav.write_wav(target, formats.to_rate(loaded, MESSAGE_RATE), MESSAGE_RATE)
    make_durable(target, _config().data_dir)   # the caller who keys the reference is promised it
    return str(target.relative_to(_config().data_dir))
