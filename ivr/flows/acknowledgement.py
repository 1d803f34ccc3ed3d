"""Acknowledgements: the caller asks to hear back once their alert is handled, and later hears it.

`offer` is the alert flow's last step: one key accepts. For a caller on a call-back,
the number kept for that call-back is reused (the call's own caller ID is the line's).
`acknowledgement` is the flow of the call the dialler places once a supervisor has
handled the alert: a short message in the alert's language and its reference.
"""

from __future__ import annotations

import logging

from core.dialplan import VAR_CALLBACK

from ..agi import Call
from ..line import Line
from .common import play, read_digits, row_id_variable

log = logging.getLogger(__name__)

ACCEPT, DECLINE = "1", "2"
CONSENT_WAIT_MS = 5000


async def callback_id_of(call: Call) -> int | None:
    """The call-back (or acknowledgement) a call placed by the dialler belongs to; None on other calls."""
    return await row_id_variable(call, VAR_CALLBACK)


async def offer(call: Call, line: Line, alert_id: int, language: str) -> None:
    """Ask whether the caller wants a call once the alert is handled; note a yes."""
    callback_id = await callback_id_of(call)
    if callback_id is None and line.pseudonym(call.caller_number) is None:
        return  # a withheld number cannot be called back
    key = await play(call, line, "callback_consent", language, escape_digits=ACCEPT + DECLINE)
    if not key:
        key = await call.wait_for_digit(CONSENT_WAIT_MS)
    if key != ACCEPT:
        return
    keep_hours = line.config.dialler.contact_keep_hours
    if callback_id is not None:
        def note(store):
            pseudonym = store.get_callback(callback_id)["caller_pseudonym"]
            return store.request_acknowledgement(alert_id, pseudonym, None, keep_hours)
    else:
        number = call.caller_number
        pseudonym = line.pseudonym(number)
        sealed = line.contacts.seal(number, pseudonym)

        def note(store):
            return store.request_acknowledgement(alert_id, pseudonym, sealed, keep_hours)
    acknowledgement_id = await line.db(note)
    log.info("%s: acknowledgement %s requested for alert %d", call.channel, acknowledgement_id, alert_id)


async def acknowledgement(call: Call, line: Line) -> None:
    callback_id = await callback_id_of(call)
    message = await line.db(lambda s: s.acknowledgement_message(callback_id)) if callback_id else None
    if message is None:
        raise LookupError(f"no acknowledgement {callback_id!r} to deliver")
    language = message["language"] or line.config.ivr.default_language
    await play(call, line, "acknowledgement", language)
    await read_digits(call, line, message["reference"], language)
    await play(call, line, "goodbye", language)
    await line.db(lambda s: s.acknowledgement_delivered(callback_id, call.uniqueid))
