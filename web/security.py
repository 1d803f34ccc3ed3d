"""Who may do what: server-side sessions, CSRF tokens, roles, login throttling, response headers.

Every route needs a logged-in user unless it is listed in PUBLIC_ENDPOINTS: the
default is to refuse. Every POST needs a CSRF token, as a form field `csrf_token`
or an `X-CSRF-Token` header, or it gets 400.

A session is a row in the store (core/store/sessions.py); the signed cookie holds
only its random token. Logging out, a new password or a disabled account delete
the rows, so a copied cookie gets the login page and its CSRF token (derived from
the session's token) stops working. Before login, the CSRF token lives in the cookie.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets

from flask import abort, current_app, flash, g, jsonify, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface

from .context import get_store, has_role, wants_json
from .i18n import translate

# exports.feed answers only to an API token (web/exports.py), never to a session.
PUBLIC_ENDPOINTS = {"auth.login", "auth.language", "static", "exports.feed"}
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


class ConsoleSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, but a static file never refreshes the cookie: a new
    Set-Cookie (with `Vary: Cookie`) on every script and style made browsers revalidate the
    year-cached files on each page, a round trip each on a slow link."""

    def should_set_cookie(self, app, session) -> bool:
        if request.endpoint == "static":
            return session.modified
        return super().should_set_cookie(app, session)


def init_security(app) -> None:
    app.session_interface = ConsoleSessions()
    app.before_request(load_user)
    app.before_request(check_csrf)
    app.before_request(require_login)
    app.after_request(add_headers)
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.jinja_env.globals["style_nonce"] = style_nonce


# -- sessions ------------------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(user: dict) -> None:
    """A fresh session at login (no fixation): a new token, a new row, a new CSRF token."""
    lang = session.get("lang")
    session.clear()
    session.permanent = True
    token = secrets.token_urlsafe(32)
    get_store().start_console_session(_token_hash(token), user["username"], current_app.config["SESSION_SECONDS"])
    session["sid"] = token
    if lang:
        session["lang"] = lang


def end_session() -> None:
    """Log this browser out: its row goes, and with it every copy of its cookie."""
    token = session.get("sid")
    if token:
        get_store().end_console_session(_token_hash(token))
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def load_user():
    g.user = None
    g.session_expired = False
    if request.endpoint == "static":
        # Not read for scripts and styles: a session read makes Flask answer `Vary: Cookie`,
        # and browsers then revalidate the year-cached files on every page.
        return None
    token = session.get("sid")
    if not token:
        return None
    row = get_store().console_session(_token_hash(token))
    user = get_store().get_user(row["username"]) if row else None
    if row is None or row["expired"] or user is None or user["disabled"]:
        g.session_expired = bool(row and row["expired"])
        g.session_ended = True
        end_session()
        return None
    g.user = user
    return None


def require_login():
    if g.user is not None or request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None:
        return None
    if g.session_expired:
        flash(translate("login.expired"), "error")
    if wants_json():
        return jsonify(ok=False, error=translate("error.401")), 401
    if request.method != "GET":
        return redirect(url_for("auth.login"))  # the form's data is not replayed after login
    return redirect(url_for("auth.login", next=request.full_path if request.query_string else request.path))


def role_required(role: str):
    def decorator(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            if not has_role(role):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


# -- CSRF -------------------------------------------------------------------------


def csrf_token() -> str:
    """The logged-in session's token is derived from its server-side session, so it dies
    with it; before login, a random one kept in the cookie protects the login form."""
    token = session.get("sid")
    if token:
        return session_csrf(current_app.secret_key, token)
    anonymous = session.get("csrf")
    if not anonymous:
        anonymous = session["csrf"] = secrets.token_urlsafe(32)
    return anonymous


def session_csrf(secret_key: str | bytes, token: str) -> str:
    key = secret_key.encode() if isinstance(secret_key, str) else secret_key
    return hmac.new(key, b"csrf:" + token.encode(), "sha256").hexdigest()


def check_csrf():
    if request.method not in UNSAFE_METHODS:
        return None
    if g.get("session_ended") and request.endpoint not in PUBLIC_ENDPOINTS:
        return None  # its token died with it; require_login sends it to the login page
    expected = csrf_token() if session.get("sid") or session.get("csrf") else None
    sent = request.headers.get("X-CSRF-Token") or request.form.get("csrf_token")
    if not expected or not sent or not hmac.compare_digest(str(expected), str(sent)):
        abort(400, description="csrf")
    return None


# -- headers -------------------------------------------------------------------------

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "media-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def style_nonce() -> str:
    """A nonce this response's CSP allows one <style> element with: the waveform's library
    styles its own shadow root so (its cspNonce option); inline styles stay refused."""
    if "style_nonce" not in g:
        g.style_nonce = secrets.token_urlsafe(16)
    return g.style_nonce


def add_headers(response):
    nonce = g.get("style_nonce")
    policy = CSP.replace("style-src 'self'", f"style-src 'self' 'nonce-{nonce}'") if nonce else CSP
    response.headers.setdefault("Content-Security-Policy", policy)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "no-referrer"
    if request.endpoint != "static":
        response.headers.setdefault("Cache-Control", "no-store")
    return response
