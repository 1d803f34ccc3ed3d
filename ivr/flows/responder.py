"""The call the dialler places to a responder when an alert is escalated.

It speaks the category, the locality and the reference, plays the caller's own
recording, then asks for the key that confirms (twice). The outcome goes to the store,
which calls the next responder when there is no confirmation.
"""

from __future__ import annotations

import logging

from core.dialplan import VAR_RESPONDER_CALL

from ..agi import Call
from ..line import Line
from .common import play, read_digits, row_id_variable

log = logging.getLogger(__name__)

CONFIRM = "1"
ASKS = 2


async def responder(call: Call, line: Line) -> None:
    call_id = await row_id_variable(call, VAR_RESPONDER_CALL)
    brief = await line.db(lambda s: s.responder_brief(call_id)) if call_id else None
    if brief is None:
        raise LookupError(f"no responder call {call_id}")
    confirmed = False
    try:
        confirmed = await _brief_and_ask(call, line, brief)
    finally:
        state = await line.db(lambda s: s.end_responder_call(call_id, confirmed))
        log.info("%s: responder call %d %s", call.channel, call_id, state)


async def _brief_and_ask(call: Call, line: Line, brief: dict) -> bool:
    language = brief["language"]
    await play(call, line, "responder_alert", language)
    await play(call, line, f"category_{brief['category']}", language)
    if brief["locality"]:
        await play(call, line, "responder_locality", language)
        await read_digits(call, line, brief["locality"], language)
    await play(call, line, "reference_is", language)
    await read_digits(call, line, brief["reference"], language)
    await play(call, line, "responder_recording", language)
    for path in brief["recordings"]:
        await call.stream_file(str((line.config.data_dir / path).with_suffix("")))
    wait_ms = line.config.responses.confirm_wait_seconds * 1000
    for _ in range(ASKS):
        key = await play(call, line, "responder_confirm", language, escape_digits=CONFIRM)
        if not key:
            key = await call.wait_for_digit(wait_ms)
        if key == CONFIRM:
            await play(call, line, "responder_confirmed", language)
            return True
    return False
