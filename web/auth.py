"""Login, logout, the console's language and one's own password."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for

from core.accounts import MIN_PASSWORD, password_long_enough
from core.identity import check_password, hash_password

from .i18n import UI_LANGUAGES
from .i18n import translate as _
from .security import end_session, start_session
from .context import get_store
from .inputs import FIELD_LIMITS

log = logging.getLogger(__name__)

bp = Blueprint("auth", __name__)

# Checked against when the account does not exist, so both cases take as long.
_DUMMY_HASH = hash_password("not-a-real-password")


def safe_next(target: str | None) -> str:
    """Only local paths: never redirect a verifier to another site after login."""
    if not target:
        return url_for("queue.index")
    # Browsers read a backslash as a slash: "/\\evil.example" would leave the site.
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return url_for("queue.index")
    try:
        parts = urlsplit(target)
    except ValueError:  # e.g. an unclosed "[" read as an IPv6 address
        return url_for("queue.index")
    if parts.scheme or parts.netloc:
        return url_for("queue.index")
    return target


@bp.route("/login", methods=("GET", "POST"))
def login():
    next_url = request.values.get("next", "")
    if g.user is not None and request.method == "GET":
        return redirect(safe_next(next_url))
    error, username, status = None, "", 200
    if request.method == "POST":
        username = request.form.get("username", "").strip()
        password = request.form.get("password", "")
        if len(username) > FIELD_LIMITS["username"] or len(password) > FIELD_LIMITS["password"]:
            error = _("login.failed")
            return render_template("login.html", error=error, username=username[:FIELD_LIMITS["username"]],
                                   next=next_url), 400
        error, status = attempt_login(username, password, request.remote_addr or "?")
        if error is None:
            return redirect(safe_next(next_url))
    return render_template("login.html", error=error, username=username, next=next_url), status


def attempt_login(username: str, password: str, address: str) -> tuple[str | None, int]:
    """(None, 302) and a new session, or the error to show and its status.

    Failures slow down only this address trying this account (see core/store/sessions.py).
    """
    store, config = get_store(), current_app.config
    wait = store.login_blocked_for(address, username)
    if wait:
        return _("login.limited", minutes=max(1, round(wait / 60))), 429
    user = store.get_user(username) if username else None
    ok = check_password(user["password_hash"] if user else _DUMMY_HASH, password)
    if user is None or user["disabled"] or not ok:
        wait = store.login_failed(address, username, config["LOGIN_FREE_FAILURES"], config["LOGIN_BACKOFF_SECONDS"],
                                  config["LOGIN_BACKOFF_MAX_SECONDS"])
        log.warning("failed login for %r from %s%s", username, address, f"; it waits {wait:.0f} s" if wait else "")
        return _("login.failed"), 401
    store.login_succeeded(address, username)
    start_session(user)
    return None, 302


@bp.route("/logout", methods=("POST",))
def logout():
    end_session()
    flash(_("login.bye"), "success")
    return redirect(url_for("auth.login"))


@bp.route("/language", methods=("POST",))
def language():
    chosen = request.form.get("lang")
    if chosen in UI_LANGUAGES:
        session["lang"] = chosen
    return redirect(safe_next(request.form.get("next")))


@bp.route("/password", methods=("GET", "POST"))
def password():
    error = None
    if request.method == "POST":
        current, new, confirm = (request.form.get(k, "") for k in ("current", "new", "confirm"))
        if len(current) > FIELD_LIMITS["password"] or not check_password(g.user["password_hash"], current):
            error = _("password.wrong")
        elif len(new) > FIELD_LIMITS["password"]:
            error = _("input.too_long", n=FIELD_LIMITS["password"], got=len(new))
        elif not password_long_enough(new):
            error = _("password.short", n=MIN_PASSWORD)
        elif new != confirm:
            error = _("password.mismatch")
        else:
            store = get_store()
            store.update_user(g.user["username"], g.user["username"], password_hash=hash_password(new))
            start_session(store.get_user(g.user["username"]))
            flash(_("password.changed"), "success")
            return redirect(url_for("queue.index"))
    return render_template("password.html", error=error, min_length=MIN_PASSWORD,
                           max_length=FIELD_LIMITS["password"]), (400 if error else 200)
