"""The queue: waiting alerts, highest priority and newest first, with filters and search."""

from __future__ import annotations

import dataclasses

from flask import Blueprint, current_app, g, jsonify, redirect, render_template, request, url_for

from core.identity import is_valid_reference
from core.store.queue import MY_AREAS, QueueFilter

from .context import get_store
from .inputs import query_date, query_int, text_value

# Deep enough for any real queue; the bound keeps OFFSET within SQLite's integers.
MAX_PAGE = 100_000

bp = Blueprint("queue", __name__)


@bp.route("/")
def index():
    store = get_store()
    f = QueueFilter.from_mapping(request.args, zone=current_app.config["SAUTI_CONFIG"].site.timezone,
                                 viewer=g.user["username"])
    has_areas = store.has_areas(g.user["username"])
    if has_areas and "areas" not in request.args:
        f = dataclasses.replace(f, areas=MY_AREAS)   # an account with areas starts on them
    text_value(f.q, "search")
    text_value(f.locality, "locality")
    query_date("date_from"), query_date("date_to")
    if is_valid_reference(f.q, current_app.config["SAUTI_CONFIG"].ivr.reference_digits):
        alert_id = store.find_alert_id(f.q)
        if alert_id is not None:
            return redirect(url_for("alerts.show", alert_id=alert_id))
    page = query_int("page", 1, maximum=MAX_PAGE)
    size = current_app.config["QUEUE_PAGE_SIZE"]
    rows = store.queue(f, limit=size + 1, offset=(page - 1) * size)
    return render_template(
        "queue.html",
        f=f,
        rows=rows[:size],
        more=len(rows) > size,
        page=page,
        localities=store.list_localities(),
        has_areas=has_areas,
        # The worker records which speech models load; one that fails is shown to everyone.
        model_problems=[m for m in store.model_statuses() if m["state"] == "failed"],
    )


@bp.route("/queue/stats")
def stats():
    """Polled by every page: the count of waiting alerts and the newest alert's id."""
    return jsonify(get_store().queue_stats())
