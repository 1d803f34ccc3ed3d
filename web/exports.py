"""Downloads of verified and escalated alerts (CAP, HXL CSV, GeoJSON), and the CAP feed
other systems pull with an API token instead of a login."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, abort, current_app, g, render_template, request

from core import api_tokens, clock, exports
from core.exports import cap, tables

from .context import get_store, has_role
from .i18n import translate as _
from .inputs import InputError, query_date
from .security import role_required
from .templating import refused

bp = Blueprint("exports", __name__)
FEED_ENDPOINT = "exports.feed"
DOWNLOADS = {
    "cap": ("application/atom+xml", "sauti-cap.atom.xml"),
    "hxl": ("text/csv", "sauti-alerts-hxl.csv"),
    "geojson": ("application/geo+json", "sauti-alerts.geojson"),
}


@bp.route("/exports")
@role_required("supervisor")
def index():
    return render_template("exports.html", formats=exports.FORMATS)


def _render(kind: str, records, include_recordings: bool) -> bytes | str:
    config = current_app.config["SAUTI_CONFIG"]
    if kind == "cap":
        return cap.feed(records, config, self_url=request.url)
    if kind == "hxl":
        return tables.hxl_csv(records, include_recordings)
    return tables.geojson(records, include_recordings)


@bp.route("/exports/<kind>")
@role_required("supervisor")
def download(kind: str):
    if kind not in DOWNLOADS:
        abort(404)
    include_recordings = request.args.get("recordings") == "1"
    if include_recordings and not has_role("admin"):
        raise refused(403, _("exports.recordings_admin"))
    try:
        day = query_date("since")   # years a report can carry: 0001-01-01 in UTC+2 would be before year 1
    except InputError:
        raise refused(400, _("exports.bad_date")) from None
    since = clock.day_start_utc(day, current_app.config["SAUTI_CONFIG"].site.timezone) if day else None
    store = get_store()
    records = exports.collect(store, since, include_recordings)
    if include_recordings:
        with store.transaction():
            store.audit(g.user["username"], "export", "exports", None, None,
                        {"format": kind, "alerts": len(records), "recordings": True})
    mimetype, filename = DOWNLOADS[kind]
    return Response(_render(kind, records, include_recordings), mimetype=mimetype,
                    headers={"Content-Disposition": f"attachment; filename={filename}"})


def presented_token() -> str | None:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.headers.get("X-Sauti-Token")


@bp.route("/feeds/cap.atom")
def feed():
    """Public route (no session): an API token in the Authorization header or X-Sauti-Token."""
    config = current_app.config["SAUTI_CONFIG"]
    if api_tokens.holder(config, presented_token()) is None:
        return Response("token required\n", status=401, mimetype="text/plain",
                        headers={"WWW-Authenticate": 'Bearer realm="sauti-feed"'})
    since = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=config.exports.feed_days)).isoformat()
    records = exports.collect(get_store(), since)
    return Response(cap.feed(records, config, self_url=request.url), mimetype="application/atom+xml")
