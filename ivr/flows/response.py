"""Responses by phone (extension 500): a responder keys an alert's reference, then says what was done.

The spoken response is filed on the alert as a response from the phone, its recording
kept under recordings/responses/; the console lists it with the others. The caller is
named by pseudonym only, as every caller of the line.
"""

from __future__ import annotations

import logging

from core.identity import REFERENCE_MAX_DIGITS
from core.store.responses import SPOKEN

from ..agi import Call
from ..line import Line
from .common import choose_language, finished_recording, play, play_beep, read_digits
from .listen import record_caller

log = logging.getLogger(__name__)

REFERENCE_DIGITS = REFERENCE_MAX_DIGITS  # references grow with the alerts; # ends a shorter one
REFERENCE_WAIT_MS = 8000
TRIES = 2


async def response(call: Call, line: Line) -> None:
    language = await choose_language(call, line)
    alert = await ask_reference(call, line, language)
    if alert is None:
        await play(call, line, "goodbye", language)
        return
    await play(call, line, "response_speak", language)
    await play_beep(call, line)
    take = await record_caller(call, line, line.new_recording(line.config.recordings_dir / "responses"))
    finished = await finished_recording(call, line, take.path, take.offset_seconds)
    if finished is None:
        log.info("%s: responder left no recording for %s", call.channel, alert["reference"])
        if not take.hung_up:
            await play(call, line, "nothing_heard_again", language)
        return
    facts, _ = finished
    actor = f"phone:{line.pseudonym(call.caller_number) or 'withheld'}"
    await line.db(lambda s: s.record_response(alert["id"], "spoken report", SPOKEN, None, actor, source="phone",
                                              recording_path=facts.path))
    log.info("%s: response by phone filed on %s (%.1f s)", call.channel, alert["reference"], facts.duration)
    if take.hung_up:
        return
    await play(call, line, "response_saved", language)
    await read_digits(call, line, alert["reference"], language)
    await play(call, line, "goodbye", language)


async def ask_reference(call: Call, line: Line, language: str) -> dict | None:
    for _ in range(TRIES):
        digits, _ = await call.get_data(line.prompt("response_reference", language), REFERENCE_WAIT_MS,
                                        REFERENCE_DIGITS)
        alert = await line.db(lambda s: s.alert_by_reference(digits)) if digits else None
        if alert:
            return alert
        await play(call, line, "response_unknown", language)
    return None
