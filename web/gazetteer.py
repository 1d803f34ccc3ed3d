"""Admins edit the gazetteer: the localities callers key, with where they are."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from core import gazetteer

from .admin_lists import add_csv_routes, add_delete_route, add_index, refusal
from .context import get_store
from .csv_upload import limit_mb
from .i18n import translate as _
from .security import role_required

bp = Blueprint("gazetteer", __name__, url_prefix="/admin/localities")
# What each field of the form takes (core.gazetteer checks the same); coordinates: decimal degrees, room to paste.
REMOVALS_NAMED = 20   # a replace's question names this many localities it removes, then "…"
LIMITS = {"code": gazetteer.MAX_CODE_DIGITS, "name": gazetteer.MAX_TEXT, "territory": gazetteer.MAX_TEXT,
          "province": gazetteer.MAX_TEXT, "latitude": 20, "longitude": 20}


def page(status: int = 200, **extra):
    return render_template("localities.html", localities=get_store().localities(), csv_mb=limit_mb(), limits=LIMITS,
                           **extra), status


add_index(bp, page)


@bp.route("", methods=("POST",))
@role_required("admin")
def save():
    typed = {key: request.form.get(key, "") for key in gazetteer.COLUMNS}
    try:
        locality = gazetteer.make_locality(typed)
    except gazetteer.GazetteerError as exc:
        return page(400, error=_("gazetteer.invalid", detail=refusal("gazetteer", exc)), typed=typed)
    get_store().save_locality(locality, g.user["username"])
    flash(_("gazetteer.saved", name=locality.name, code=locality.code), "success")
    return redirect(url_for("gazetteer.index"))


add_delete_route(
    bp, page, "code",
    find=lambda code: get_store().locality(code),
    delete=lambda code: get_store().delete_locality(code, g.user["username"]),
    question=lambda found: _("gazetteer.confirm_delete", code=found["code"], name=found["name"]),
    unknown=lambda code: _("gazetteer.unknown", code=code),
    deleted=lambda found: _("gazetteer.deleted", code=found["code"]))


def replaced_localities(text: str) -> str | None:
    """What an import with "replace" would remove, as the question to ask (None: it removes nothing)."""
    if request.form.get("replace") != "1":
        return None
    given = {locality.code for locality in gazetteer.read_csv(text)}
    gone = [locality for locality in get_store().localities() if locality.code not in given]
    if not gone:
        return None
    named = ", ".join(f"{locality.code} {locality.name}" for locality in gone[:REMOVALS_NAMED])
    return _("gazetteer.confirm_replace", n=len(gone), localities=named + (" …" if len(gone) > REMOVALS_NAMED else ""))


add_csv_routes(
    bp, page, filename="localities.csv",
    export=lambda: gazetteer.write_csv(get_store().localities()),
    import_text=lambda text: get_store().import_localities(gazetteer.read_csv(text), g.user["username"],
                                                           replace=request.form.get("replace") == "1"),
    invalid=lambda exc: _("gazetteer.invalid", detail=refusal("gazetteer", exc) if isinstance(
        exc, gazetteer.GazetteerError) else str(exc)),
    takes_away=replaced_localities)

