"""Incidents: the console suggests groups of alerts about one event; a verifier confirms or splits them."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for

from core import incidents

from .context import get_store
from .i18n import translate as _
from .inputs import parse_id
from .templating import refused

bp = Blueprint("incidents", __name__, url_prefix="/incidents")


@bp.route("")
def index():
    store, config = get_store(), current_app.config["SAUTI_CONFIG"]
    now = dt.datetime.now(dt.timezone.utc)
    return render_template(
        "incidents.html",
        suggestions=incidents.suggestions(store, config, now),
        incidents=incidents.confirmed(store),
        gaps=incidents.gaps(store, config, now),
        settings=config.incidents,
        places=store.localities_by_code(),
    )


def _ids(values: list[str]) -> list[int]:
    ids = [parse_id(part) for value in values for part in value.split()]
    if not ids or None in ids:
        raise refused(400, _("incidents.bad_ids"))
    return ids


@bp.route("", methods=("POST",))
def confirm():
    try:
        incident_id = get_store().create_incident(_ids(request.form.getlist("alerts")), g.user["username"])
    except KeyError:
        raise refused(404, _("incidents.unknown_alert")) from None
    except ValueError:
        raise refused(409, _("incidents.already_grouped")) from None
    flash(_("incidents.confirmed", id=incident_id), "success")
    return redirect(url_for("incidents.index"))


@bp.route("/<id:incident_id>/split", methods=("POST",))
def split(incident_id: int):
    try:
        new_id = get_store().split_incident(incident_id, _ids(request.form.getlist("alert")), g.user["username"])
    except KeyError:
        raise refused(404, _("incidents.unknown", id=incident_id)) from None
    except ValueError:
        raise refused(400, _("incidents.choose")) from None
    flash(_("incidents.split_into", id=new_id) if new_id else _("incidents.split_done"), "success")
    return redirect(url_for("incidents.index"))
