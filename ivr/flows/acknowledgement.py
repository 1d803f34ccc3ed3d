"""Acknowledgements: the caller asks to hear back once their alert is handled, and later hears it.

`offer` is the alert flow's last step: one key accepts. For a caller on a call-back,
the number kept for that call-back is reused (the call's own caller ID is the line's).
With the SMS gateway configured, a caller whose number is a mobile one may take the
acknowledgement by SMS instead (key 3): the SMS service sends it when the alert is
handled, and the dialler does not call.
`acknowledgement` is the flow of the call the dialler places once a supervisor has
handled the alert: a short message in the alert's language and its reference.
"""

from __future__ import annotations

import logging

from core import identity
from core.dialplan import VAR_CALLBACK

from ..agi import Call
from ..line import Line
from .common import play, read_digits, row_id_variable

log = logging.getLogger(__name__)

ACCEPT, DECLINE, BY_SMS = "1", "2", "3"
CONSENT_WAIT_MS = 5000


async def callback_id_of(call: Call) -> int | None:
    """The call-back (or acknowledgement) a call placed by the dialler belongs to; None on other calls."""
    return await row_id_variable(call, VAR_CALLBACK)


async def offer(call: Call, line: Line, alert_id: int, language: str) -> None:
    """Ask whether the caller wants a call once the alert is handled; note a yes."""
    callback_id = await callback_id_of(call)
    if callback_id is None and line.pseudonym(call.caller_number) is None:
        return  # a withheld number cannot be called back
    texts = line.sms and (callback_id is not None or texts_reach(call.caller_number))
    keys = ACCEPT + DECLINE + (BY_SMS if texts else "")
    key = await play(call, line, "callback_consent", language, escape_digits=keys)
    if not key and texts:
        key = await play(call, line, "callback_consent_sms", language, escape_digits=keys)
    if not key:
        key = await call.wait_for_digit(CONSENT_WAIT_MS)
    if key not in (ACCEPT, BY_SMS) or key == BY_SMS and not texts:
        return
    by_sms = key == BY_SMS
    keep_hours = line.config.dialler.contact_keep_hours
    if callback_id is not None:
        def note(store):
            pseudonym = store.get_callback(callback_id)["caller_pseudonym"]
            return store.request_acknowledgement(alert_id, pseudonym, None, keep_hours, by_sms=by_sms)
    else:
        number = call.caller_number
        pseudonym = line.pseudonym(number)
        sealed = line.contacts.seal(number, pseudonym)

        def note(store):
            return store.request_acknowledgement(alert_id, pseudonym, sealed, keep_hours, by_sms=by_sms)
    acknowledgement_id = await line.db(note)
    log.info("%s: acknowledgement %s requested for alert %d%s", call.channel, acknowledgement_id, alert_id,
             " by SMS" if by_sms else "")


def texts_reach(number: str) -> bool:
    """A Congolese mobile number (+243 and nine digits): an SMS can reach it."""
    normalised = identity.normalise_number(number or "")
    return normalised.startswith("+" + identity.COUNTRY_CODE) and len(normalised) == 1 + len(
        identity.COUNTRY_CODE) + identity.NATIONAL_DIGITS


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
