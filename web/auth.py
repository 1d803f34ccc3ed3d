"""Login, logout, the console's language and one's own password."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for

from core.accounts import MIN_PASSWORD, password_long_enough
from core.identity import check_password, hash_password

from .i18n import UI_LANGUAGES
from .i18n import translate as _
from .security import end_session, login_limiter, start_session
from .context import get_store
from .inputs import FIELD_LIMITS

bp = Blueprint("auth", __name__)

# Checked against when the account does not exist, so both cases take as long.
_DUMMY_HASH = hash_password("not-a-real-password")


def safe_next(target: str | None) -> str:
    """Only local paths: never redirect a verifier to another site after login."""
    if not target:
        return url_for("queue.index")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
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
        address = request.remote_addr or "?"
        limiter = login_limiter()
        if limiter.blocked(username, address):
            error, status = _("login.limited"), 429
        else:
            user = get_store().get_user(username) if username else None
            ok = check_password(user["password_hash"] if user else _DUMMY_HASH, password)
            if user is None or user["disabled"] or not ok:
                limiter.failed(username, address)
                error, status = _("login.failed"), 401
            else:
                limiter.succeeded(username)
                start_session(user)
                return redirect(safe_next(next_url))
    return render_template("login.html", error=error, username=username, next=next_url), status


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
