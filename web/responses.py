"""What was done about an alert (the response form) and how long it all took (the report).

The report's figures come from core.response_times over the store's timelines; the
charts are SVG drawn here, the same figures as CSV.
"""

from __future__ import annotations

import datetime as dt

from flask import (Blueprint, Response, abort, current_app, flash, g, redirect, render_template, request, send_file,
                   url_for)

from core import response_times
from core.store.responses import OUTCOMES

from .charts import format_minutes, median_p90_bars
from .context import get_store, has_role
from .i18n import translate as _
from .inputs import InputError, free_text, text_value
from .security import role_required

bp = Blueprint("responses", __name__)

# The longest waits the report lists: at a whole mission's pace, 12 weeks leave thousands.
STUCK_SHOWN = 100


@bp.app_context_processor
def unreached_escalations() -> dict:
    """Every page tells supervisors about escalations no responder confirmed: someone must call."""
    supervisor = has_role("supervisor")
    return {"unreached": get_store().unreached_escalations() if supervisor else [],
            # Urgent alerts no verifier on duty took (core/store/duty.py): someone must decide.
            "unreached_duty": get_store().unreached_duty() if supervisor else []}


@bp.route("/alerts/<id:alert_id>/responses", methods=("POST",))
@role_required("supervisor")
def record(alert_id: int):
    store = get_store()
    if store.get_alert(alert_id) is None:
        return redirect(url_for("queue.index"))
    try:
        action = text_value(request.form.get("action", ""), "other")
        note = free_text(request.form.get("text", ""), "note")
        outcome = request.form.get("outcome", "")
        if not action or outcome not in OUTCOMES:
            raise InputError(_("response.incomplete"))
    except InputError as exc:
        flash(exc.message, "error")
        return redirect(url_for("alerts.show", alert_id=alert_id) + "#response-form")
    store.record_response(alert_id, action, outcome, note, g.user["username"])
    flash(_("response.saved"), "success")
    return redirect(url_for("alerts.show", alert_id=alert_id))


@bp.route("/alerts/<id:alert_id>/responses/<id:response_id>.wav")
@role_required("supervisor")
def recording(alert_id: int, response_id: int):
    """A response spoken by phone, as the line recorded it."""
    found = [r for r in get_store().responses_for(alert_id) if r["id"] == response_id and r["recording_path"]]
    if not found:
        abort(404)
    path = current_app.config["SAUTI_CONFIG"].data_dir / found[0]["recording_path"]
    if not path.is_file():
        abort(404)
    return send_file(path, mimetype="audio/wav")


def _timelines():
    config = current_app.config["SAUTI_CONFIG"]
    since = dt.datetime.now(dt.timezone.utc) - dt.timedelta(weeks=config.responses.report_weeks)
    return get_store().alert_timelines(since=since.isoformat(timespec="milliseconds"))


def requested_grouping(default: str | None) -> str | None:
    """The report's `by`, read the same way by the page and its CSV: one of GROUPINGS;
    absent or empty means `default`; anything else, or two of them, is a 400 saying what is taken."""
    values = [value.strip() for value in request.args.getlist("by") if value.strip()]
    if not values:
        return default
    if len(values) > 1 or values[0] not in response_times.GROUPINGS:
        raise InputError(_("report.bad_grouping"))
    return values[0]


@bp.route("/reports/response-times")
@role_required("supervisor")
def report():
    config = current_app.config["SAUTI_CONFIG"]
    grouping = requested_grouping("week")
    timelines = _timelines()
    found = response_times.figures(timelines, grouping, config.site.timezone)
    charts = []
    for name, _start, _end in response_times.INTERVALS:
        rows = [(f.group, f.median, f.p90) for f in found if f.interval == name]
        if rows:
            charts.append(median_p90_bars(rows, _("report.interval." + name), _("report.median"), _("report.p90")))
    stuck = response_times.stuck(timelines, dt.datetime.now(dt.timezone.utc), config.responses.stuck_hours)
    return render_template("report.html", grouping=grouping, groupings=response_times.GROUPINGS, figures=found,
                           charts=charts, stuck=stuck[:STUCK_SHOWN], stuck_count=len(stuck), stuck_hours=config.responses.stuck_hours,
                           weeks=config.responses.report_weeks, minutes=format_minutes, count=len(timelines))


@bp.route("/reports/response-times.csv")
@role_required("supervisor")
def report_csv():
    """The page's figures for `by` (the page's link sends its own); without `by`, every grouping,
    one after the other (the file's first column says which)."""
    zone = current_app.config["SAUTI_CONFIG"].site.timezone
    chosen = requested_grouping(None)
    timelines = _timelines()
    rows = [f for grouping in ((chosen,) if chosen else response_times.GROUPINGS)
            for f in response_times.figures(timelines, grouping, zone)]
    filename = f"response-times-{chosen}.csv" if chosen else "response-times.csv"
    return Response(response_times.write_csv(rows), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={filename}"})


def alert_context(store, alert_id: int) -> dict:
    """What the alert page shows of the response: its timeline, responder calls and responses."""
    timeline = store.alert_timeline(alert_id)
    steps = [(step, timeline.times.get(step)) for step in response_times.STEPS] if timeline else []
    if timeline:   # an escalation by SMS: its steps that happened, after "escalated"
        at = [step for step, _ in steps].index("escalated") + 1
        steps[at:at] = [(step, timeline.times[step]) for step in response_times.ESCALATION_STEPS
                        if step in timeline.times]
    return {"timeline": steps, "responses": store.responses_for(alert_id), "outcomes": OUTCOMES,
            "responder_calls": store.responder_calls_for(alert_id),
            "responder_sms": store.responder_sms_for(alert_id),
            "duty_calls": store.duty_calls_for(alert_id)}
