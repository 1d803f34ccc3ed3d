"""Supervisors read the audit log; admins manage accounts."""

from __future__ import annotations

import datetime as dt
import re
import sqlite3

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for

from core.identity import hash_password, new_password
from core.accounts import ROLES, SERVICE_ACTORS, new_phone_pin
from core.committees import VERIFIER_PINS, PinHasher
from core.store.audit import ACTIONS, ENTITIES
from core.store.committee_pins import VERIFIER

from .committees import line_state
from .confirm import ask, confirmed
from .i18n import translate as _
from .security import role_required
from .templating import refused
from .context import get_store
from .inputs import InputError, query_int, text_value

bp = Blueprint("admin", __name__, url_prefix="/admin")

USERNAME = re.compile(r"^[A-Za-z0-9._-]{2,40}$")
AUDIT_PAGE = 100


@bp.route("/audit")
@role_required("supervisor")
def audit():
    actor, entity, action = (text_value(request.args.get(k, ""), "audit_filter") for k in ("actor", "entity", "action"))
    before = query_int("before", 0) or None
    entries = get_store().audit_page(actor=actor, entity=entity, action=action, before_id=before, limit=AUDIT_PAGE)
    return render_template(
        "audit.html",
        entries=entries,
        actor=actor,
        entity=entity,
        action=action,
        actions=ACTIONS,
        entities=ENTITIES,
        next_before=entries[-1]["id"] if len(entries) == AUDIT_PAGE else None,
    )


def users_page(status: int = 200, **extra):
    store = get_store()
    return render_template("users.html", users=store.list_users(), areas=store.areas_by_user(),
                           localities=store.list_localities(), line=line_state(VERIFIER), **extra), status


@bp.route("/users")
@role_required("admin")
def users():
    return users_page()


@bp.route("/users", methods=("POST",))
@role_required("admin")
def add_user():
    typed = request.form.get("username", "")
    try:
        username = text_value(typed, "username")
    except InputError as exc:
        return users_page(400, error=exc.message, typed=typed)
    role = request.form.get("role", "")
    if not USERNAME.match(username) or role not in ROLES:
        return users_page(400, error=_("users.invalid"), typed=typed)
    if username in SERVICE_ACTORS:   # the audit log would say "voice server" for this person
        return users_page(400, error=_("users.reserved", user=username), typed=typed)
    password = new_password()
    try:
        get_store().add_user(username, hash_password(password), role, actor=g.user["username"])
    except sqlite3.IntegrityError:
        return users_page(409, error=_("users.exists"))
    # Shown on this response only, never through a redirect or the session.
    return users_page(new_password=password, new_password_user=username)


def existing(username: str) -> dict:
    user = get_store().get_user(username)
    if user is None:
        raise refused(404, _("users.unknown", user=username))
    return user


@bp.route("/users/<username>/role", methods=("POST",))
@role_required("admin")
def set_role(username: str):
    existing(username)
    role = request.form.get("role", "")
    if role not in ROLES:
        return users_page(400, error=_("users.invalid_role"))
    get_store().update_user(username, g.user["username"], role=role)
    flash(_("users.updated"), "success")
    return redirect(url_for("admin.users"))


@bp.route("/users/<username>/disabled", methods=("GET", "POST"))
@role_required("admin")
def set_disabled(username: str):
    """Enabling is done at once; disabling (GET, or a POST without `confirm`) asks first."""
    existing(username)
    if username == g.user["username"]:
        return users_page(400, error=_("users.not_self"))
    disabled = request.method == "GET" or request.form.get("disabled") == "1"
    if disabled and not confirmed():
        return ask(_("users.confirm_disable", user=username), _("users.disable"), url_for("admin.users"),
                   {"disabled": "1"})
    get_store().update_user(username, g.user["username"], disabled=int(disabled))
    flash(_("users.updated"), "success")
    return redirect(url_for("admin.users"))


@bp.route("/users/<username>/complaints", methods=("POST",))
@role_required("admin")
def set_complaints(username: str):
    """Granting the complaints role does not let the admin read complaints: only holders do."""
    existing(username)
    get_store().set_complaints_role(username, request.form.get("complaints") == "1", g.user["username"])
    flash(_("users.updated"), "success")
    return redirect(url_for("admin.users"))


@bp.route("/users/<username>/areas", methods=("POST",))
@role_required("admin")
def set_areas(username: str):
    """The localities the account covers: its queue starts on them, and so does its verifier line."""
    existing(username)
    typed = text_value(request.form.get("areas", ""), "areas")
    found, unknown = get_store().find_areas(typed.split(","))
    if unknown:
        return users_page(400, error=_("users.areas_unknown", area=", ".join(unknown)))
    get_store().set_user_areas(username, found, g.user["username"])
    flash(_("users.areas_set", user=username), "success")
    return redirect(url_for("admin.users"))


@bp.route("/users/<username>/phone-pin", methods=("GET", "POST"))
@role_required("admin")
def reset_phone_pin(username: str):
    """A new PIN for the verifier line (extension 520), shown once; `clear=1` takes it away."""
    existing(username)
    clear = request.form.get("clear") == "1" or request.args.get("clear") == "1"
    if not confirmed():
        question = "users.confirm_phone_pin_clear" if clear else "users.confirm_phone_pin"
        return ask(_(question, user=username), _("users.phone_pin_clear" if clear else "users.phone_pin_new"),
                   url_for("admin.users"), {"clear": "1"} if clear else None)
    store, hasher = get_store(), PinHasher.from_config(current_app.config["SAUTI_CONFIG"], VERIFIER_PINS)
    if clear:
        store.set_phone_pin(username, None, g.user["username"])
        flash(_("users.updated"), "success")
        return redirect(url_for("admin.users"))
    for _attempt in range(20):   # a PIN another account holds is drawn again
        pin = new_phone_pin()
        try:
            store.set_phone_pin(username, hasher.hash(pin), g.user["username"])
            break
        except sqlite3.IntegrityError:
            continue
    else:
        return users_page(409, error=_("users.phone_pin_taken"))
    return users_page(new_phone_pin=pin, new_password_user=username)


@bp.route("/verifier-line/unlock", methods=("POST",))
@role_required("admin")
def unlock_verifier_line():
    """The verifier line takes PINs again before its lock expires (as the committee line's unlock)."""
    if get_store().unlock_committee_line(g.user["username"], dt.datetime.now(dt.timezone.utc), VERIFIER):
        flash(_("users.line_unlocked"), "success")
    else:
        flash(_("users.line_not_locked"), "info")
    return redirect(url_for("admin.users"))


@bp.route("/users/<username>/password", methods=("GET", "POST"))
@role_required("admin")
def reset_password(username: str):
    existing(username)
    if not confirmed():
        return ask(_("users.confirm_reset", user=username), _("users.reset"), url_for("admin.users"))
    password = new_password()
    get_store().update_user(username, g.user["username"], password_hash=hash_password(password))
    return users_page(new_password=password, new_password_user=username)
