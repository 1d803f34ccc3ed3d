"""Admins mark an alert as shareable in the speech corpus (`sauti export corpus`)."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, request, url_for

from .context import get_store
from .i18n import translate as _
from .security import role_required
from .templating import refused

bp = Blueprint("sharing", __name__)


@bp.route("/alerts/<id:alert_id>/shareable", methods=("POST",))
@role_required("admin")
def shareable(alert_id: int):
    wanted = request.form.get("shareable") == "1"
    try:
        get_store().set_shareable(alert_id, wanted, g.user["username"])
    except KeyError:
        raise refused(404, _("error.404")) from None
    flash(_("sharing.on") if wanted else _("sharing.off"), "success")
    return redirect(url_for("alerts.show", alert_id=alert_id))
