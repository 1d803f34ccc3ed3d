"""A call-back the caller answered: say who is calling, then the normal alert flow.

The opening is in the language of the caller's latest alert, if they left one,
else in the line's default language; the language menu follows as on any call.

The dialler placed the call (it carries the call-back's id in SAUTI_CALLBACK). The
call's own caller ID is the line's, so once the alert flow has made its call row,
the row is given the beeper's pseudonym and tied to the call-back, which ties the
alert to the beep.
"""

from __future__ import annotations

from ..agi import Call
from ..line import Line
from .acknowledgement import callback_id_of
from .alert import alert
from .common import play

OPENING = "callback_hello"


async def callback(call: Call, line: Line) -> None:
    callback_id = await callback_id_of(call)
    known = await line.db(lambda s: s.caller_language(callback_id)) if callback_id is not None else None
    try:
        await play(call, line, OPENING, known or line.config.ivr.default_language)
        await alert(call, line)
    finally:
        if callback_id is not None:
            await line.db(lambda s: s.link_callback_call(callback_id, call.uniqueid))
