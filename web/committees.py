"""Admins keep the Local Protection Committees: name, locality and PIN (stored hashed, never shown).

A committee's reports are alerts whose call names it; a committee with reports cannot be
deleted, so the reports keep their source. The page says how many wrong PINs the line took
in the last window and, when too many locked it, until when; an admin can unlock it.
"""

from __future__ import annotations

import datetime as dt
import sqlite3

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for

from core import names
from core.committees import PinHasher, outside_gazetteer, pin_limits, valid_locality, valid_name, valid_pin
from core.store.committee_pins import COMMITTEE

from .admin_lists import add_delete_route, add_index
from .context import get_store
from .i18n import translate as _
from .security import role_required

bp = Blueprint("committees", __name__, url_prefix="/admin/committees")


def page(status: int = 200, **extra):
    return render_template("committees.html", committees=get_store().committees(),
                           localities=get_store().localities(), line=line_state(), **extra), status


def line_state(line: str = COMMITTEE) -> dict:
    """A PIN line's wrong PINs in its window and the lock in force (None when open): the committee
    line's, or the verifier line's (the accounts page)."""
    now, limits = dt.datetime.now(dt.timezone.utc), pin_limits(current_app.config["SAUTI_CONFIG"])
    return {"wrong_pins": get_store().committee_wrong_pins(now, limits.line_window_minutes, line),
            "minutes": limits.line_window_minutes, "lock": get_store().committee_line_lock(now, line)}


add_index(bp, page)


@bp.route("", methods=("POST",))
@role_required("admin")
def save():
    name, locality, pin = (request.form.get(k, "").strip() for k in ("name", "locality", "pin"))
    typed = {"name": name, "locality": locality}
    if not valid_name(name) or not valid_locality(locality):
        return page(400, error=_("committees.invalid"), typed=typed)
    if pin and not valid_pin(pin):
        return page(400, error=_("committees.pin_rule"), typed=typed)
    same = names.taken((c["name"] for c in get_store().committees()), name)
    if same and same != name:   # the name as stored changes that committee
        return page(409, error=_("committees.name_taken", name=same), typed=typed)
    if outside_gazetteer(get_store(), locality):
        return page(400, error=_("committees.unknown_locality", locality=locality), typed=typed)
    pin_hash = PinHasher.from_config(current_app.config["SAUTI_CONFIG"]).hash(pin) if pin else None
    try:
        get_store().save_committee(name, locality, pin_hash, g.user["username"])
    except ValueError:
        return page(400, error=_("committees.pin_needed"), typed=typed)
    except sqlite3.IntegrityError:
        return page(409, error=_("committees.pin_taken"), typed=typed)
    flash(_("committees.saved", name=name), "success")
    return redirect(url_for("committees.index"))


@bp.route("/unlock", methods=("POST",))
@role_required("admin")
def unlock():
    if get_store().unlock_committee_line(g.user["username"], dt.datetime.now(dt.timezone.utc)):
        flash(_("committees.unlocked"), "success")
    else:
        flash(_("committees.not_locked"), "info")
    return redirect(url_for("committees.index"))


add_delete_route(
    bp, page, "id:committee_id",
    find=lambda committee_id: get_store().committee(committee_id),
    refuse=lambda found: _("committees.not_deleted") if found["reports"] else None,   # the reports keep its name
    delete=lambda committee_id: get_store().delete_committee(committee_id, g.user["username"]),
    question=lambda found: _("committees.confirm_delete", name=found["name"], locality=found["locality"]),
    unknown=lambda committee_id: _("committees.unknown"),
    deleted=lambda found: _("committees.deleted"))
