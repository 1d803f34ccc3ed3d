"""Admins hear the line's prompts and replace one with a person's recording.

The same installation path as the phone recording line and `sauti prompts import`:
any common audio format is converted, trimmed and normalised by core.prompts,
swapped in atomically, the old file kept as a backup, and the change audited.
"""

from __future__ import annotations

import io
import logging
import tempfile
from pathlib import Path

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, send_file, url_for

from core import prompts
from core.prompts.processing import MAX_SECONDS as MAX_PROMPT_SECONDS

from .i18n import translate as _
from .security import role_required
from .context import get_store

log = logging.getLogger(__name__)

bp = Blueprint("prompts", __name__, url_prefix="/admin/prompts")

MAX_UPLOAD_BYTES = 20 * 1024 * 1024  # a prompt recording; minutes of WAV from a phone recorder
FORM_BYTES = 64 * 1024  # the rest of the upload form: its token and field names


def allow_large_upload() -> None:
    """Every other POST keeps the app-wide MAX_CONTENT_LENGTH; a prompt (or voice alert) upload may carry
    a recording up to MAX_UPLOAD_BYTES. Registered before any hook reads the form."""
    if request.endpoint in ("prompts.upload", "complaints.update", "broadcasts.create", "surveys.upload"):
        request.max_content_length = MAX_UPLOAD_BYTES + FORM_BYTES


# What core.prompts says when it refuses a recording → the catalogue's words for a person.
# Anything else (a missing tool, a damaged manifest) is for the administrator: the log
# has the detail, the page says so.
REFUSALS = (
    ("silent", "prompts.reason_silent"),
    ("too short", "prompts.reason_short"),
    ("too long", "prompts.reason_long"),
    ("cannot read the audio", "prompts.reason_unreadable"),
    ("not a PCM WAV", "prompts.reason_unreadable"),
    ("ffmpeg failed", "prompts.reason_unreadable"),
)


def refusal_reason(message: str) -> str:
    for words, key in REFUSALS:
        if words in message:
            return _(key, seconds=f"{MAX_PROMPT_SECONDS:.0f}")
    return _("prompts.reason_other")


def prompts_dir() -> Path:
    return current_app.config["SAUTI_CONFIG"].prompts_dir


def catalogue() -> prompts.Catalogue:
    if "prompt_catalogue" not in current_app.extensions:
        current_app.extensions["prompt_catalogue"] = prompts.load_catalogue()
    return current_app.extensions["prompt_catalogue"]


def page(status: int = 200, error: str | None = None):
    rows: dict[str, dict] = {}
    for item in prompts.status(prompts_dir(), catalogue()):
        if item.number is not None:  # the beep is generated, not recorded
            rows.setdefault(item.id, {"number": item.number, "by_lang": {}})["by_lang"][item.lang] = item
    return render_template("prompts.html", rows=rows, catalogue=catalogue(), error=error), status


@bp.route("")
@role_required("admin")
def index():
    return page()


@bp.route("/<lang>/<prompt_id>.wav")
@role_required("admin")
def audio(lang: str, prompt_id: str):
    try:
        catalogue().language(lang)
        path = prompts.audio_path(prompts_dir(), lang, catalogue().get(prompt_id).id)
    except prompts.PromptError:
        abort(404)
    if not path.exists():
        abort(404)
    # Prompts are small; reading them whole never leaves a file open behind the response.
    return send_file(io.BytesIO(path.read_bytes()), mimetype="audio/wav", max_age=0)


@bp.route("/<lang>/<prompt_id>", methods=("POST",))
@role_required("admin")
def upload(lang: str, prompt_id: str):
    try:
        catalogue().language(lang)
        prompt = catalogue().get(prompt_id)
    except prompts.PromptError:
        abort(404)
    upload = request.files.get("recording")
    if upload is None or not upload.filename:
        return page(400, _("prompts.no_file"))
    user = g.user["username"]
    with tempfile.TemporaryDirectory(prefix="sauti-upload-") as folder:
        source = Path(folder) / "upload"
        upload.save(source)
        if source.stat().st_size > MAX_UPLOAD_BYTES:
            return page(413, _("prompts.too_big", mb=MAX_UPLOAD_BYTES // (1024 * 1024)))
        try:
            installed = prompts.install_recording(prompts_dir(), catalogue(), lang, prompt.id, source, by=user)
        except prompts.PromptError as exc:
            log.info("prompt upload %s/%s refused: %s", lang, prompt.id, exc)
            return page(400, _("prompts.refused", reason=refusal_reason(str(exc))))
    after = {"language": lang, "prompt": prompt.id, "backup": str(installed.backup) if installed.backup else None}
    get_store().audit(user, "record", "prompt", prompt.number, None, after)
    flash(_("prompts.saved", prompt=prompt.id, lang=lang), "success")
    return redirect(url_for("prompts.index"))
