"""Recording a voice alert by phone (extension 510): a supervisor keys the [broadcasts] pin and speaks.

The message lands under <data>/broadcasts/, where the console's voice-alert page offers it
for sending; the recording is audited with the caller's pseudonym.
"""

from __future__ import annotations

import logging

from core import prompts

from ..agi import Call
from ..line import Line
from .common import finished_recording, play, play_beep
from .listen import record_caller
from .prompt_record import check_pin

log = logging.getLogger(__name__)

MENU_LANGUAGE = prompts.WORDS_LANGUAGE
FOLDER = "broadcasts"


async def broadcast_record(call: Call, line: Line) -> None:
    if not await check_pin(call, line, line.config.broadcasts.pin):
        await play(call, line, "goodbye", MENU_LANGUAGE)
        return
    await play(call, line, "prompt_record_now", MENU_LANGUAGE)
    await play_beep(call, line)
    folder = line.config.data_dir / FOLDER
    folder.mkdir(exist_ok=True)
    take = await record_caller(call, line, line.new_recording(folder))
    finished = await finished_recording(call, line, take.path, take.offset_seconds)
    if finished is None or not finished[1]:
        if finished is not None:
            take.path.unlink(missing_ok=True)
        log.info("%s: no voice alert recorded", call.channel)
        if not take.hung_up:
            await play(call, line, "nothing_heard_again", MENU_LANGUAGE)
        return
    facts, _ = finished
    actor = f"phone:{line.pseudonym(call.caller_number) or 'withheld'}"
    await line.db(lambda s: s.audit(actor, "record", "broadcast_message", None, None,
                                    {"path": facts.path, "seconds": round(facts.duration, 1)}))
    log.info("%s: voice alert recorded (%.1f s)", call.channel, facts.duration)
    if not take.hung_up:
        await play(call, line, "prompt_saved", MENU_LANGUAGE)
