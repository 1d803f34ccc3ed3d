"""Keyword spotting by example in the console: mark an example on a verified alert, decide
hits, and the examples page (docs/spotting.md).

    POST /alerts/<id>/examples (recording_id, start, end, term, category)   verified alerts only
    POST /alerts/<id>/hits/<hit_id> (decision = confirmed | rejected)
    GET  /examples  GET /examples/<example_id>.wav  POST /examples/<example_id>/remove
"""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, send_file, url_for

from core import keyword_examples
from core.dialplan import EXTEN_PROMPTS
from core.lexicon import Lexicons
from core.model import ALERT_LANGUAGES, CATEGORIES
from core.store.spotting import DECISIONS, ExampleError

from .claims import done, load_alert, me, not_held_by_other
from .context import get_store
from .i18n import translate as _
from .inputs import InputError, text_value
from .templating import refused

bp = Blueprint("spotting", __name__)


def _seconds(name: str) -> float:
    try:
        return float(text_value(request.form.get(name, ""), "other"))
    except ValueError:
        raise InputError(_("examples.bad_span"), 422) from None


@bp.route("/alerts/<id:alert_id>/examples", methods=("POST",))
def mark(alert_id: int):
    alert = load_alert(alert_id)
    category = text_value(request.form.get("category", ""), "other")
    if category not in CATEGORIES:
        raise InputError(_("tags.unknown"), 400)
    term = text_value(request.form.get("term", ""), "other")
    try:
        recording_id = int(text_value(request.form.get("recording_id", ""), "other"))
    except ValueError:
        raise InputError(_("examples.bad_span"), 422) from None
    not_held_by_other(alert)
    try:
        example_id = keyword_examples.mark(current_app.config["SAUTI_CONFIG"], get_store(), alert_id, recording_id,
                                           term, category, _seconds("start"), _seconds("end"), me())
    except ExampleError as exc:
        raise InputError(str(exc), 422) from None
    return done(alert_id, _("examples.marked", term=term), example_id=example_id)


@bp.route("/alerts/<id:alert_id>/hits/<id:hit_id>", methods=("POST",))
def decide(alert_id: int, hit_id: int):
    load_alert(alert_id)
    store = get_store()
    hit = store.get_hit(hit_id)
    if hit is None or hit["alert_id"] != alert_id:
        raise refused(404, _("error.404"))
    decision = request.form.get("decision", "")
    if decision not in DECISIONS:
        raise InputError(_("decide.unknown"), 400)
    store.decide_hit(hit_id, decision, me())
    return done(alert_id, _(f"hits.{decision}", term=hit["term"]), decision=decision)


@bp.route("/examples")
def index():
    store = get_store()
    terms = store.example_terms()
    for row in terms:
        row["items"] = store.examples_of_term(row["language"], row["term"])
    lexicons = Lexicons(current_app.config["SAUTI_CONFIG"].data_dir / "lexicons")
    by_phone = {language: keyword_examples.phone_terms(lexicons, language) for language in ALERT_LANGUAGES}
    return render_template("examples.html", terms=terms, by_phone=by_phone, extension=EXTEN_PROMPTS)


@bp.route("/examples/<id:example_id>.wav")
def clip(example_id: int):
    row = get_store().get_example(example_id)
    if row is None:
        raise refused(404, _("error.404"))
    data_dir = current_app.config["SAUTI_CONFIG"].data_dir.resolve()
    path = (data_dir / row["path"]).resolve()
    if not path.is_relative_to(data_dir) or not path.is_file():
        raise refused(404, _("error.404"))
    response = send_file(path, mimetype="audio/wav", conditional=True, max_age=0)
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response


@bp.route("/examples/<id:example_id>/remove", methods=("POST",))
def remove(example_id: int):
    if keyword_examples.remove(current_app.config["SAUTI_CONFIG"], get_store(), example_id, me()):
        flash(_("examples.removed"), "success")
    return redirect(url_for("spotting.index"))
