"""Who may do what: the session's user, CSRF tokens, login rate limits, response headers.

Every route needs a logged-in user unless it is listed in PUBLIC_ENDPOINTS: the
default is to refuse. Every POST needs the session's CSRF token, as a form field
`csrf_token` or an `X-CSRF-Token` header, or it gets 400.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
import threading
import time
from collections import defaultdict, deque

from flask import abort, current_app, flash, g, jsonify, redirect, request, session, url_for

from .context import get_store, has_role, wants_json
from .i18n import translate

PUBLIC_ENDPOINTS = {"auth.login", "auth.language", "static"}
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def init_security(app) -> None:
    app.extensions["sauti_login_limiter"] = LoginLimiter(
        app.config["LOGIN_MAX_FAILURES"],
        app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"],
        app.config["LOGIN_WINDOW_SECONDS"],
    )
    app.before_request(check_csrf)
    app.before_request(load_user)
    app.before_request(require_login)
    app.after_request(add_headers)
    app.jinja_env.globals["csrf_token"] = csrf_token


# -- CSRF -------------------------------------------------------------------------


def csrf_token() -> str:
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


def check_csrf():
    if request.method not in UNSAFE_METHODS:
        return None
    expected = session.get("csrf")
    sent = request.headers.get("X-CSRF-Token") or request.form.get("csrf_token")
    if not expected or not sent or not hmac.compare_digest(str(expected), str(sent)):
        abort(400, description="csrf")
    return None


# -- the session's user --------------------------------------------------------------


def password_fingerprint(password_hash: str) -> str:
    """Kept in the session so a password change or reset ends the other sessions."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


def start_session(user: dict) -> None:
    lang = session.get("lang")
    session.clear()  # a fresh session at login: no fixation
    session.permanent = True
    session["user"] = user["username"]
    session["pw"] = password_fingerprint(user["password_hash"])
    session["at"] = int(time.time())
    session["csrf"] = secrets.token_urlsafe(32)
    if lang:
        session["lang"] = lang


def end_session() -> None:
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def load_user():
    g.user = None
    g.session_expired = False
    name = session.get("user")
    if not name:
        return None
    if time.time() - session.get("at", 0) > current_app.config["SESSION_SECONDS"]:
        end_session()
        g.session_expired = True
        return None
    user = get_store().get_user(name)
    if user is None or user["disabled"] or session.get("pw") != password_fingerprint(user["password_hash"]):
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
        return jsonify(error="login"), 401
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


# -- login attempts ------------------------------------------------------------------


class LoginLimiter:
    """Failed logins per account name and per client address, in a sliding window.

    Kept in the process's memory: `sauti web` runs one process. A restart forgets it.
    """

    def __init__(self, per_user: int, per_address: int, window: float):
        self.per_user, self.per_address, self.window = per_user, per_address, window
        self._failures: dict[tuple, deque] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, key, now) -> deque:
        failures = self._failures[key]
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        return failures

    def blocked(self, username: str, address: str) -> bool:
        now = time.monotonic()
        with self._lock:
            return (
                len(self._recent(("user", username.lower()), now)) >= self.per_user
                or len(self._recent(("address", address), now)) >= self.per_address
            )

    def failed(self, username: str, address: str) -> None:
        now = time.monotonic()
        with self._lock:
            self._recent(("user", username.lower()), now).append(now)
            self._recent(("address", address), now).append(now)

    def succeeded(self, username: str) -> None:
        with self._lock:
            self._failures.pop(("user", username.lower()), None)


def login_limiter() -> LoginLimiter:
    return current_app.extensions["sauti_login_limiter"]


# -- headers -------------------------------------------------------------------------

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "media-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def add_headers(response):
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "no-referrer"
    if request.endpoint != "static":
        response.headers.setdefault("Cache-Control", "no-store")
    return response
