"""The verifier on duty: per area, who the dialler calls for an urgent alert, and each account's number.

Admins keep the rotas: an area (a gazetteer code or a territory, as verifiers' areas are) and
the accounts on duty in call order. An account's duty number is sealed as the directory's
numbers are; the console shows its last digits only.
"""

from __future__ import annotations

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for

from core.directory import MASK, DirectoryError, NumberSeal, normalise_number

from .context import get_store
from .i18n import translate as _
from .inputs import text_value
from .security import role_required
from .templating import refused

bp = Blueprint("duty", __name__, url_prefix="/admin/duty")


def page(status: int = 200, **extra):
    store = get_store()
    config = current_app.config["SAUTI_CONFIG"]
    return render_template("duty.html", rotas=store.duty_rotas(), users=store.list_users(),
                           numbers=store.duty_numbers(), localities=store.list_localities(),
                           priority=config.verifiers.duty_priority, **extra), status


@bp.route("/")
@role_required("admin")
def index():
    return page()


@bp.route("/", methods=("POST",))
@role_required("admin")
def save_rota():
    """An area's rota: the accounts in call order, comma-separated; none ends it."""
    store = get_store()
    typed = {"area": text_value(request.form.get("area", ""), "other"),
             "accounts": text_value(request.form.get("accounts", ""), "areas")}
    found = store.find_area(typed["area"])
    if found is None:
        return page(400, error=_("users.areas_unknown", area=typed["area"]), typed=typed)
    usernames = list(dict.fromkeys(name.strip() for name in typed["accounts"].split(",") if name.strip()))
    unknown = [name for name in usernames if store.get_user(name) is None]
    if unknown:
        return page(400, error=_("duty.unknown_accounts", users=", ".join(unknown)), typed=typed)
    store.set_duty_rota(*found, usernames, g.user["username"])
    flash(_("duty.saved", area=found[1]), "success")
    return redirect(url_for("duty.index"))


@bp.route("/number/<username>", methods=("POST",))
@role_required("admin")
def set_number(username: str):
    """The account's number for duty calls; empty takes it away. Sealed at once, never shown again."""
    store = get_store()
    if store.get_user(username) is None:
        raise refused(404, _("users.unknown", user=username))
    typed = text_value(request.form.get("number", ""), "other")
    if typed.startswith(MASK):   # the masked number shown in the form, sent back unchanged
        return redirect(url_for("duty.index"))
    try:
        number = normalise_number(typed) if typed else None
    except DirectoryError:
        return page(400, error=_("duty.bad_number"))
    seal = NumberSeal.from_config(current_app.config["SAUTI_CONFIG"]).seal
    store.set_duty_number(username, number, seal, number[-2:] if number else None, g.user["username"])
    flash(_("users.updated"), "success")
    return redirect(url_for("duty.index"))
