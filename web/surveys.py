"""Perception surveys: admins define them (questions, keys, words and audio per language),
start one on the survey line, or put one to focal points by phone (a run: the dialler
calls them; the run's page follows each call); supervisors read the results per locality
and period, inbound and outbound, as bar charts drawn on the server and as CSV.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, flash, g, redirect, render_template, request, url_for

from core import names, surveys
from core.prompts import PromptError
from core.store.surveys import AnsweredQuestion

from .charts import share_bars
from .context import get_store
from .i18n import translate as _
from .inputs import text_value, upload_suffix
from .prompts import refusal_reason
from .security import role_required

log = logging.getLogger(__name__)

bp = Blueprint("surveys", __name__, url_prefix="/surveys")
REFRESH_SECONDS = 3

WORDS_MAX = 300


def _config():
    return current_app.config["SAUTI_CONFIG"]


def _survey(survey_id: int) -> dict:
    found = get_store().survey(survey_id)
    if found is None:
        abort(404)
    return found


@bp.route("")
@role_required("supervisor")
def index():
    return render_template("surveys.html", surveys=get_store().surveys())


@bp.route("", methods=("POST",))
@role_required("admin")
def create():
    name = " ".join(request.form.get("name", "").split())
    if not surveys.valid_name(name):
        abort(400)
    if names.taken((s["name"] for s in get_store().surveys()), name):
        return render_template("surveys.html", surveys=get_store().surveys(), error=_("surveys.name_taken")), 409
    survey_id = get_store().create_survey(name, g.user["username"])
    return redirect(url_for("surveys.edit", survey_id=survey_id))


def editor(survey_id: int, status: int = 200, error: str | None = None):
    questions = get_store().survey_questions(survey_id)
    audio = {(q["id"], lang): surveys.prompt_path(_config(), survey_id, lang, q["id"]).exists()
             for q in questions for lang in surveys.LANGUAGES}
    return render_template("survey.html", survey=_survey(survey_id), questions=questions, audio=audio,
                           languages=surveys.LANGUAGES, error=error, max_questions=surveys.MAX_QUESTIONS,
                           problems=surveys.problems(questions, _config(), survey_id), runs=_runs(survey_id)), status


@bp.route("/<id:survey_id>/edit")
@role_required("admin")
def edit(survey_id: int):
    return editor(survey_id)


@bp.route("/<id:survey_id>/questions", methods=("POST",))
@role_required("admin")
def save_question(survey_id: int):
    """A question's keys and words; words new or changed are synthesised until a recording is uploaded."""
    _survey(survey_id)
    try:
        position, answers = int(request.form.get("position", "")), int(request.form.get("answers", ""))
    except ValueError:
        return editor(survey_id, 400, _("surveys.invalid"))
    words = {lang: request.form.get(f"words_{lang}", "").strip()[:WORDS_MAX] for lang in surveys.LANGUAGES}
    if not surveys.valid_question(position, answers, words):
        return editor(survey_id, 400, _("surveys.invalid"))
    try:
        surveys.save_question(get_store(), _config(), survey_id, position, answers, words, g.user["username"])
    except AnsweredQuestion as exc:
        return editor(survey_id, 409, _("surveys.answered", position=exc.position, answers=exc.answers))
    except PromptError as exc:   # espeak-ng or ffmpeg missing or failing: the administrator's log has it
        log.warning("survey %s question %s not synthesised: %s", survey_id, position, exc)
        return editor(survey_id, 503, _("surveys.not_synthesised"))
    flash(_("surveys.saved"), "success")
    return redirect(url_for("surveys.edit", survey_id=survey_id))


@bp.route("/<id:survey_id>/questions/<id:question_id>/<lang>", methods=("POST",))
@role_required("admin")
def upload(survey_id: int, question_id: int, lang: str):
    """A person's recording of a question replaces the synthesised one."""
    if lang not in surveys.LANGUAGES or question_id not in {q["id"] for q in get_store().survey_questions(survey_id)}:
        abort(404)
    file = request.files.get("file")
    if file is None or not file.filename:
        return editor(survey_id, 400, _("surveys.no_file"))
    with tempfile.TemporaryDirectory() as work:
        source = Path(work) / ("upload" + upload_suffix(file.filename))
        file.save(source)
        try:
            surveys.install(_config(), survey_id, question_id, lang, source)
        except PromptError as exc:
            log.info("survey %s recording refused: %s", survey_id, exc)
            return editor(survey_id, 400, _("prompts.refused", reason=refusal_reason(str(exc))))
    get_store().audit(g.user["username"], "record", "survey", survey_id, None, {"question": question_id, "lang": lang})
    flash(_("surveys.saved"), "success")
    return redirect(url_for("surveys.edit", survey_id=survey_id))


@bp.route("/<id:survey_id>/active", methods=("POST",))
@role_required("admin")
def set_active(survey_id: int):
    active = request.form.get("active") == "1"
    if active and surveys.problems(get_store().survey_questions(survey_id), _config(), survey_id):
        return editor(survey_id, 400, _("surveys.not_ready"))
    get_store().set_survey_active(survey_id, active, g.user["username"])
    flash(_("surveys.started") if active else _("surveys.stopped"), "success")
    return redirect(url_for("surveys.edit", survey_id=survey_id))


def _results(survey_id: int) -> tuple[str, str | None, list[dict]]:
    period, channel = request.args.get("period", "week"), request.args.get("channel") or None
    if period not in surveys.PERIODS or channel not in (None, *surveys.CHANNELS):
        abort(400)
    return period, channel, surveys.aggregate(*get_store().survey_answers(survey_id), period, channel)


@bp.route("/<id:survey_id>/results")
@role_required("supervisor")
def results(survey_id: int):
    survey = _survey(survey_id)
    period, channel, groups = _results(survey_id)
    charts = {(g_["locality"], g_["period"], q["position"]):
              share_bars(q["counts"], q["shares"], _("surveys.question", n=q["position"]))
              for g_ in groups for q in g_["questions"]}
    return render_template("survey_results.html", survey=survey, groups=groups, charts=charts, period=period,
                           periods=surveys.PERIODS, channel=channel, channels=surveys.CHANNELS,
                           runs=_runs(survey_id))


@bp.route("/<id:survey_id>/results.csv")
@role_required("supervisor")
def results_csv(survey_id: int):
    survey = _survey(survey_id)
    period, channel, groups = _results(survey_id)
    return Response(surveys.to_csv(survey["name"], groups), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename=survey-{survey_id}-{period}.csv"})


def _runs(survey_id: int) -> list[dict]:
    return [{**run, "progress": surveys.progress(run["deliveries"])} for run in get_store().survey_runs(survey_id)]


@bp.route("/<id:survey_id>/runs", methods=("POST",))
@role_required("admin")
def call(survey_id: int):
    """Put the survey to the focal points of the localities given, or to all of them."""
    store = get_store()
    codes = text_value(request.form.get("localities", ""), "other").replace(",", " ").split()
    if not all(c.isascii() and c.isdigit() and len(c) <= 6 for c in codes):
        return editor(survey_id, 400, _("broadcast.bad_localities"))
    if surveys.problems(store.survey_questions(survey_id), _config(), survey_id):
        return editor(survey_id, 400, _("surveys.not_ready"))
    if not (store.focal_points_for(codes) if codes else store.directory("focal_point")):
        return editor(survey_id, 400, _("broadcast.nobody"))
    run_id = store.create_survey_run(survey_id, codes, g.user["username"])
    flash(_("surveys.run_started"), "success")
    return redirect(url_for("surveys.run", survey_id=survey_id, run_id=run_id))


def _run(survey_id: int, run_id: int) -> dict:
    found = get_store().survey_run(run_id)
    if found is None or found["survey_id"] != survey_id:
        abort(404)
    return found


@bp.route("/<id:survey_id>/runs/<id:run_id>")
@role_required("supervisor")
def run(survey_id: int, run_id: int):
    found = _run(survey_id, run_id)
    progress = surveys.progress(found["deliveries"])
    return render_template("survey_run.html", run=found, progress=progress, figures=surveys.PROGRESS,
                           refresh=REFRESH_SECONDS if progress["pending"] else None)


@bp.route("/<id:survey_id>/runs/<id:run_id>/stop", methods=("POST",))
@role_required("admin")
def stop_run(survey_id: int, run_id: int):
    _run(survey_id, run_id)
    get_store().stop_survey_run(run_id, g.user["username"])
    flash(_("surveys.run_stopped"), "success")
    return redirect(url_for("surveys.run", survey_id=survey_id, run_id=run_id))
