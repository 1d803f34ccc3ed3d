"""Claims: one person works on an alert at a time, and everyone can see who.

A claim is taken on purpose (the Claim button, `c`) or by an edit that takes a
while to write (a transcript correction, the details, a decision). Ticking a tag
or adding a note does not take it: those are quick and should not shut others out
for the claim's minutes; they are refused only while someone else holds it.
A supervisor may take over anyone's claim (audited), so a verifier who walked away
never blocks an escalation. Every refusal names the holder.
"""

from __future__ import annotations

from flask import Blueprint, current_app, flash, g, jsonify, redirect, url_for

from core.store import utcnow

from .context import get_store, has_role, wants_json
from .i18n import translate as _
from .templating import refused

bp = Blueprint("claims", __name__, url_prefix="/alerts")


def done(alert_id: int, message: str, **payload):
    """A change made: JSON for the page's script, else a flash and back to the alert."""
    if wants_json():
        return jsonify(ok=True, message=message, **payload)
    flash(message, "success")
    return redirect(url_for("alerts.show", alert_id=alert_id))


def load_alert(alert_id: int) -> dict:
    alert = get_store().get_alert(alert_id)
    if alert is None:
        raise refused(404, _("error.404"))
    return alert


def me() -> str:
    return g.user["username"]


def claim_holder(alert: dict) -> str | None:
    if alert["claimed_by"] and alert["claimed_until"] and alert["claimed_until"] > utcnow():
        return alert["claimed_by"]
    return None


def held_message(holder: str) -> str:
    key = "claim.held_take_over" if has_role("supervisor") else "alert.claimed_other"
    return _(key, user=holder)


def not_held_by_other(alert: dict) -> None:
    """Quick changes (tags, notes) need only that no one else holds the claim (409 naming them)."""
    holder = claim_holder(alert)
    if holder is not None and holder != me():
        raise refused(409, held_message(holder))


def hold_claim(alert: dict) -> None:
    """Lasting changes need the alert's claim: take it if free, refuse (409, naming the holder) if not."""
    not_held_by_other(alert)
    if claim_holder(alert) == me():
        return
    if not get_store().claim_alert(alert["id"], me(), current_app.config["CLAIM_MINUTES"]):
        # Someone claimed it between our read and our write.
        raise refused(409, held_message(claim_holder(load_alert(alert["id"])) or "?"))


@bp.route("/<id:alert_id>/claim", methods=("POST",))
def claim(alert_id: int):
    hold_claim(load_alert(alert_id))
    return done(alert_id, _("alert.claimed"), claimed_by=me())


@bp.route("/<id:alert_id>/release", methods=("POST",))
def release(alert_id: int):
    holder = claim_holder(load_alert(alert_id))
    if holder is None:
        return done(alert_id, _("claim.not_claimed"), released=False)
    if holder != me() or not get_store().release_alert(alert_id, me()):
        raise refused(409, _("claim.release_other", user=holder))
    return done(alert_id, _("alert.released"), released=True)


@bp.route("/<id:alert_id>/takeover", methods=("POST",))
def take_over(alert_id: int):
    if not has_role("supervisor"):
        raise refused(403, _("claim.take_over_forbidden"))
    load_alert(alert_id)
    previous = get_store().take_over_claim(alert_id, me(), current_app.config["CLAIM_MINUTES"])
    if previous is None:
        return done(alert_id, _("alert.claimed"), claimed_by=me())
    return done(alert_id, _("claim.taken_over", user=previous), claimed_by=me())
