"""The missed-call "beep" line: callers without airtime ring and hang up, expecting a call back.

The call is never answered (answering would cost the caller); the dialplan rejects
it once this flow returns. The flow notes the missed call under the caller's
pseudonym and queues a call-back, with the number sealed for the dialler
(core/contacts.py), unless the caller's call-back limit is reached.
"""

from __future__ import annotations

import logging

from core.model import Source

from ..agi import Call
from ..line import Line

log = logging.getLogger(__name__)


async def beep(call: Call, line: Line) -> None:
    number = call.caller_number
    pseudonym = line.pseudonym(number)
    policy = line.config.dialler

    def note(store):
        call_id = store.create_call(Source.BEEP, channel=call.channel, uniqueid=call.uniqueid,
                                    caller_pseudonym=pseudonym)
        store.end_call(call_id)
        if not pseudonym:
            return call_id, "no number to call back"
        _, outcome = store.request_callback(
            call_id, pseudonym, line.contacts.seal(number, pseudonym),
            delay_seconds=policy.callback_delay_seconds, keep_hours=policy.contact_keep_hours,
            per_caller_limit=policy.per_caller_limit, window_hours=policy.per_caller_window_hours)
        return call_id, outcome

    call_id, outcome = await line.db(note)
    log.info("beep call %d: call-back %s", call_id, outcome)
