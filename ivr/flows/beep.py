"""The missed-call "beep" line: callers without airtime ring and hang up, expecting a call back.

The call is never answered (answering would cost the caller). The flow notes the
missed call under the caller's pseudonym so supervisors see who is waiting.
"""

from __future__ import annotations

from core.model import Source

from ..agi import Call
from ..line import Line


async def beep(call: Call, line: Line) -> None:
    pseudonym = line.pseudonym(call.caller_number)
    await line.db(
        lambda s: s.end_call(
            s.create_call(Source.BEEP, channel=call.channel, uniqueid=call.uniqueid, caller_pseudonym=pseudonym)
        )
    )
    await call.hangup()
