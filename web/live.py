"""Calls in progress: source, flow step and duration, as the dialler notes them from Asterisk.

The page reloads itself every few seconds; it reads the store only (web never talks
to Asterisk or the dialler), and the store holds no number for a live call.
"""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, render_template

from core.store import utcnow

from .context import get_store

bp = Blueprint("live", __name__, url_prefix="/live")

REFRESH_SECONDS = 3


def duration(started_at: str, now: dt.datetime) -> str:
    seconds = max(0, int((now - dt.datetime.fromisoformat(started_at)).total_seconds()))
    return f"{seconds // 60}:{seconds % 60:02d}"


@bp.route("/")
def index():
    now = dt.datetime.fromisoformat(utcnow())
    calls = [dict(call, duration=duration(call["started_at"], now)) for call in get_store().live_calls()]
    return render_template("live.html", calls=calls, refresh=REFRESH_SECONDS)
