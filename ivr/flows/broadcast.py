"""A voice alert to a community: the dialler calls a focal point, the line plays the message.

A broadcast that carries a survey (a survey run) asks the survey's questions instead
(survey.py's `survey_call`).

Heard to its end (the call still up once the message has played) or not is the delivery's
state. Then 1 confirms, 2 records a reply after the beep, filed as an alert linked to the
broadcast (source "broadcast"), so a community's answer is triaged like any report.
"""

from __future__ import annotations

import logging

from core.dialplan import VAR_DELIVERY
from core.model import Source

from ..agi import Call, HangupError
from ..line import Line
from .common import finished_recording, play, play_beep, row_id_variable
from .listen import record_caller
from .survey import survey_call

log = logging.getLogger(__name__)

CONFIRM, REPLY = "1", "2"
KEY_WAIT_MS = 6000


async def broadcast(call: Call, line: Line) -> None:
    delivery_id = await row_id_variable(call, VAR_DELIVERY)
    message = await line.db(lambda s: s.delivery_message(delivery_id)) if delivery_id else None
    if message is None:
        raise LookupError(f"no broadcast delivery {delivery_id}")
    if message["survey_id"]:
        await survey_call(call, line, delivery_id, message)
        return
    heard = False
    try:
        await call.stream_file(str((line.config.data_dir / message["message_path"]).with_suffix("")))
        heard = await call.is_alive()
    finally:
        await line.db(lambda s: s.delivery_heard(delivery_id, heard))
    if not heard:
        return
    language = message["language"]
    key = await play(call, line, "broadcast_keys", language, escape_digits=CONFIRM + REPLY)
    key = key or await call.wait_for_digit(KEY_WAIT_MS)
    if key == CONFIRM:
        await line.db(lambda s: s.delivery_answer(delivery_id, "confirmed"))
        await play(call, line, "broadcast_confirmed", language)
    elif key == REPLY:
        await record_reply(call, line, delivery_id, message)


async def record_reply(call: Call, line: Line, delivery_id: int, message: dict) -> None:
    language = message["language"]
    await play(call, line, "record_after_beep", language)
    await play_beep(call, line)
    call_id = await line.db(lambda s: s.create_call(Source.BROADCAST, channel=call.channel, uniqueid=call.uniqueid,
                                                    caller_pseudonym=line.pseudonym(call.caller_number)))
    try:
        take = await record_caller(call, line, line.new_recording())
        finished = await finished_recording(call, line, take.path, take.offset_seconds)
        if finished is None:
            return
        facts, _ = finished
        locality = message["localities"][0] if len(message["localities"]) == 1 else None
        alert = await line.db(lambda s: s.file_alert(call_id, facts, language=language, locality=locality))
        await line.db(lambda s: s.delivery_answer(delivery_id, "replied", alert["id"]))
        log.info("%s: reply to broadcast %d filed as %s", call.channel, message["broadcast_id"], alert["reference"])
        if take.hung_up:
            raise HangupError(f"{call.channel}: hung up while replying")
        await play(call, line, "recorded_thanks", language)
    finally:
        await line.db(lambda s: s.end_call(call_id))
