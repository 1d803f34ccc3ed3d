"""Voice alerts to communities: a supervisor sends a message to the focal points of localities
and follows each delivery live (the page refreshes itself while calls or SMS are pending).

The message is an uploaded recording (any common audio, converted for the telephone as
prompts are), one recorded by phone on extension 510, or one sent before; and/or a written
message in each language, sent by SMS to the focal points who take SMS (the form counts
the SMS parts each costs as it is typed). The dialler places the calls and the SMS
service sends the SMS; this page only writes the broadcast and reads its progress.
"""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
import uuid
from collections import Counter
from pathlib import Path

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, send_file, url_for

from core import clock, prompts, sms_texts
from core.durable import make_durable
from core.model import ALERT_LANGUAGES
from core.store.broadcasts import OPEN

from .context import get_store
from .i18n import translate as _
from .inputs import free_text, text_value
from .security import role_required

log = logging.getLogger(__name__)

bp = Blueprint("broadcasts", __name__, url_prefix="/broadcasts")
FOLDER = "broadcasts"   # under the data directory
REFRESH_SECONDS = 3
SMS_PENDING = ("queued", "sent")   # an SMS whose delivery report may still come


def messages() -> list[str]:
    """Messages that can be sent: uploaded or recorded by phone (extension 510), newest first."""
    config = current_app.config["SAUTI_CONFIG"]
    found = sorted((config.data_dir / FOLDER).glob("*.wav"), key=lambda p: p.stat().st_mtime, reverse=True)
    return [str(p.relative_to(config.data_dir)) for p in found]


def page(status: int = 200, **extra):
    return render_template("broadcasts.html", broadcasts=get_store().broadcasts(), messages=messages(),
                           languages=ALERT_LANGUAGES, gsm="".join(sorted(sms_texts.GSM_ALPHABET)), **extra), status


@bp.route("")
@role_required("supervisor")
def index():
    return page()


@bp.route("", methods=("POST",))
@role_required("supervisor")
def create():
    store = get_store()
    codes = text_value(request.form.get("localities", ""), "other").replace(",", " ").split()
    if not codes or not all(c.isascii() and c.isdigit() and len(c) <= 6 for c in codes):
        return page(400, error=_("broadcast.bad_localities"))
    if not store.focal_points_for(codes):
        return page(400, error=_("broadcast.nobody"))
    texts = {lang: text for lang in ALERT_LANGUAGES
             if (text := free_text(request.form.get(f"sms_{lang}", ""), "sms_broadcast"))}
    typed = {f"sms_{lang}": text for lang, text in texts.items()}
    message = _upload() if request.files.get("file") and request.files["file"].filename else None
    if message is None:
        picked = request.form.get("message", "")
        if picked not in messages() and not (texts and not picked):
            return page(400, error=_("broadcast.no_message"), typed=typed)
        message = picked
    if isinstance(message, tuple):
        return page(400, error=message[1], typed=typed)
    broadcast_id = store.create_broadcast(message, codes, g.user["username"], texts=texts,
                                          sms_not_before=_sms_opens() if texts else None)
    flash(_("broadcast.sent"), "success")
    return redirect(url_for("broadcasts.show", broadcast_id=broadcast_id))


def _sms_opens() -> str | None:
    """When SMS to focal points may go, if not now ([sms] focal_point_hours): stored UTC text."""
    config = current_app.config["SAUTI_CONFIG"]
    if not config.sms.focal_point_hours:
        return None
    now = dt.datetime.now(clock.zone(config.site.timezone))
    opens = clock.CallingHours.parse(config.sms.focal_point_hours).opens_at(now)
    return None if opens == now else opens.astimezone(clock.UTC).isoformat(timespec="milliseconds")


def _upload():
    """The upload converted to the line's format under data/broadcasts/; (None, reason) if refused."""
    config = current_app.config["SAUTI_CONFIG"]
    folder = config.data_dir / FOLDER
    folder.mkdir(exist_ok=True)
    target = folder / f"{uuid.uuid4().hex}.wav"
    with tempfile.TemporaryDirectory(prefix="sauti-broadcast-") as work:
        source = Path(work) / "upload"
        request.files["file"].save(source)
        try:
            prompts.processing.to_telephone(source, target)
        except (prompts.PromptError, OSError) as exc:
            log.warning("broadcast upload refused: %s", exc)
            return None, _("broadcast.unreadable")
    make_durable(target, config.data_dir)   # the supervisor is told it is saved
    return str(target.relative_to(config.data_dir))


@bp.route("/<id:broadcast_id>")
@role_required("supervisor")
def show(broadcast_id: int):
    found = get_store().broadcast(broadcast_id)
    if found is None:
        abort(404)
    deliveries = found["deliveries"]
    live = any(d["state"] in OPEN or d["sms_state"] in SMS_PENDING for d in deliveries)
    calls, sms = Counter(d["state"] for d in deliveries), Counter(d["sms_state"] for d in deliveries if d["sms_state"])
    return render_template("broadcast.html", broadcast=found, refresh=REFRESH_SECONDS if live else None,
                           call_counts=sorted(calls.items()), sms_counts=sorted(sms.items()),
                           parts={lang: sms_texts.parts(text) for lang, text in found["texts"].items()},
                           languages=ALERT_LANGUAGES, held_until=get_store().broadcast_sms_held_until(broadcast_id))


@bp.route("/<id:broadcast_id>/message.wav")
@role_required("supervisor")
def message(broadcast_id: int):
    found = get_store().broadcast(broadcast_id)
    if found is None:
        abort(404)
    path = current_app.config["SAUTI_CONFIG"].data_dir / found["message_path"]
    # None (SMS only), or removed by hand or by a purge: the page stays, the audio is gone
    if not found["message_path"] or not path.is_file():
        abort(404)
    return send_file(path, mimetype="audio/wav")
