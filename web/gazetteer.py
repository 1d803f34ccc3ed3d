"""Admins edit the gazetteer: the localities callers key, with where they are."""

from __future__ import annotations

from flask import Blueprint, Response, flash, g, redirect, render_template, request, url_for

from core import gazetteer

from .context import get_store
from .csv_upload import CsvRefused, limit_mb, uploaded_csv
from .i18n import translate as _
from .security import role_required

bp = Blueprint("gazetteer", __name__, url_prefix="/admin/localities")


def page(status: int = 200, **extra):
    return render_template("localities.html", localities=get_store().localities(), csv_mb=limit_mb(), **extra), status


def reason(exc: gazetteer.GazetteerError) -> str:
    """The refusal in the user's language (core's message is English, for the CLI and the log)."""
    detail = _(f"gazetteer.reason.{exc.reason}", **exc.params)
    return _("gazetteer.at_line", line=exc.line, detail=detail) if exc.line else detail


@bp.route("")
@role_required("admin")
def index():
    return page()


@bp.route("", methods=("POST",))
@role_required("admin")
def save():
    typed = {key: request.form.get(key, "") for key in gazetteer.COLUMNS}
    try:
        locality = gazetteer.make_locality(typed)
    except gazetteer.GazetteerError as exc:
        return page(400, error=_("gazetteer.invalid", detail=reason(exc)), typed=typed)
    get_store().save_locality(locality, g.user["username"])
    flash(_("gazetteer.saved", name=locality.name, code=locality.code), "success")
    return redirect(url_for("gazetteer.index"))


@bp.route("/<code>/delete", methods=("POST",))
@role_required("admin")
def delete(code: str):
    if not get_store().delete_locality(code, g.user["username"]):
        return page(404, error=_("gazetteer.unknown", code=code))
    flash(_("gazetteer.deleted", code=code), "success")
    return redirect(url_for("gazetteer.index"))


@bp.route("/import", methods=("POST",))
@role_required("admin")
def import_csv():
    try:
        localities = gazetteer.read_csv(uploaded_csv())
    except CsvRefused as refused:
        return page(413 if refused.key == "csv.too_big" else 400, error=_(refused.key, mb=limit_mb()))
    except gazetteer.GazetteerError as exc:
        return page(400, error=_("gazetteer.invalid", detail=reason(exc)))
    summary = get_store().import_localities(localities, g.user["username"], replace=request.form.get("replace") == "1")
    flash(_("gazetteer.imported", **summary), "success")
    return redirect(url_for("gazetteer.index"))


@bp.route("/localities.csv")
@role_required("admin")
def export_csv():
    return Response(gazetteer.write_csv(get_store().localities()), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=localities.csv"})
