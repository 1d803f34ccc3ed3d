"""The missed-call "beep" line: callers without airtime ring and hang up, expecting a call back.

The call is never answered (answering would cost the caller); the dialplan rejects
it once this flow returns. The flow notes the missed call under the caller's
pseudonym and queues a call-back, with the number sealed for the dialler
(core/contacts.py), unless the caller's call-back limit is reached. A beep the IVR
cannot take is noted by the dialplan and queued by the IVR later (ivr/beeps.py).
"""

from __future__ import annotations

import logging

from ..agi import Call
from ..beeps import note_beep
from ..line import Line

log = logging.getLogger(__name__)


async def beep(call: Call, line: Line) -> None:
    call_id, outcome = await line.db(
        lambda store: note_beep(store, line, call.caller_number, call.channel, call.uniqueid))
    log.info("beep call %d: call-back %s", call_id, outcome)
