"""Admins keep the directory: responders and focal points, their localities and sealed numbers.

The page never shows a number after entry, only its last two digits; the sealing key is
the directory's own (core/directory.py), not the one that seals callers' numbers.
"""

from __future__ import annotations

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for

from core import directory
from core.model import ALERT_LANGUAGES

from .admin_lists import add_csv_routes, add_delete_route, add_index, refusal
from .context import get_store
from .csv_upload import limit_mb
from .i18n import translate as _
from .security import role_required

bp = Blueprint("directory", __name__, url_prefix="/admin/directory")


def page(status: int = 200, **extra):
    return render_template("directory.html", entries=get_store().directory(), kinds=directory.KINDS,
                           channels=directory.CHANNELS, languages=ALERT_LANGUAGES, csv_mb=limit_mb(), **extra), status


def _seal():
    return directory.NumberSeal.from_config(current_app.config["SAUTI_CONFIG"]).seal


add_index(bp, page)


def reason(exc: ValueError) -> str:
    """The refusal in the user's language (core's message is English, for the CLI and the log)."""
    if not isinstance(exc, directory.DirectoryError):
        return _("directory.reason.other")
    return refusal("directory", exc)


@bp.route("", methods=("POST",))
@role_required("admin")
def save():
    typed = {key: request.form.get(key, "") for key in directory.COLUMNS}
    try:
        entry = directory.make_entry(typed)
        get_store().save_directory_entry(entry, _seal(), g.user["username"])
    except ValueError as exc:
        typed["number"] = ""   # a number typed is never sent back to the browser
        return page(400, error=_("directory.invalid", detail=reason(exc)), typed=typed)
    flash(_("directory.saved", name=entry.name), "success")
    return redirect(url_for("directory.index"))


add_delete_route(
    bp, page, "id:entry_id",
    find=lambda entry_id: get_store().directory_entry(entry_id),
    delete=lambda entry_id: get_store().delete_directory_entry(entry_id, g.user["username"]),
    question=lambda found: _("directory.confirm_delete", kind=_(f"directory.kind.{found.kind}"), name=found.name),
    unknown=lambda entry_id: _("directory.unknown"),
    deleted=lambda found: _("directory.deleted"))


add_csv_routes(
    bp, page, filename="directory.csv",
    export=lambda: directory.write_csv(get_store().directory()),
    import_text=lambda text: get_store().import_directory(directory.read_csv(text), _seal(), g.user["username"]),
    invalid=lambda exc: _("directory.invalid", detail=reason(exc)))
