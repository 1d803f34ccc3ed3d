"""A call-back the caller answered: say who is calling, then the normal alert flow.

The dialler placed the call (it carries the call-back's id in SAUTI_CALLBACK). The
call's own caller ID is the line's, so once the alert flow has made its call row,
the row is given the beeper's pseudonym and tied to the call-back, which ties the
alert to the beep.
"""

from __future__ import annotations

from core.dialplan import VAR_CALLBACK

from ..agi import Call
from ..line import Line
from .alert import alert
from .common import play

OPENING = "callback_hello"


async def callback(call: Call, line: Line) -> None:
    value = await call.get_variable(VAR_CALLBACK)
    callback_id = int(value) if value and value.isdigit() else None
    try:
        await play(call, line, OPENING, line.config.ivr.default_language)
        await alert(call, line)
    finally:
        if callback_id is not None:
            await line.db(lambda s: s.link_callback_call(callback_id, call.uniqueid))
