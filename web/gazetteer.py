"""Admins edit the gazetteer: the localities callers key, with where they are."""

from __future__ import annotations

from flask import Blueprint, Response, flash, g, redirect, render_template, request, url_for

from core import gazetteer

from .context import get_store
from .i18n import translate as _
from .security import role_required

bp = Blueprint("gazetteer", __name__, url_prefix="/admin/localities")


def page(status: int = 200, **extra):
    return render_template("localities.html", localities=get_store().localities(), **extra), status


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
        return page(400, error=_("gazetteer.invalid", detail=str(exc)), typed=typed)
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
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return page(400, error=_("gazetteer.no_file"))
    try:
        localities = gazetteer.read_csv(upload.read().decode("utf-8"))
    except UnicodeDecodeError:
        return page(400, error=_("gazetteer.not_utf8"))
    except gazetteer.GazetteerError as exc:
        return page(400, error=_("gazetteer.invalid", detail=str(exc)))
    summary = get_store().import_localities(localities, g.user["username"], replace=request.form.get("replace") == "1")
    flash(_("gazetteer.imported", **summary), "success")
    return redirect(url_for("gazetteer.index"))


@bp.route("/localities.csv")
@role_required("admin")
def export_csv():
    return Response(gazetteer.write_csv(get_store().localities()), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=localities.csv"})
