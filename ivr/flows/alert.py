"""The toll-free alert line: choose a language, speak the alert, key a locality, hear the reference.

The alert is filed as soon as the recording ends, so a caller who hangs up at
any later point still leaves it; a hang-up during the recording (or Asterisk
ending a call whose audio stopped, or that went on too long) files the partial
recording. A recording with no speech in it is filed too, flagged silent for a
person to hear, but the caller is never thanked for silence: they hear that
nothing was heard and get one more try, then are told how to call again.
How the line listens (first word, last word, `#`) is in listen.py.

The confidential complaints (9) are an option of the language menu, announced after
the three languages on its first round, so a caller who keys their language at once
hears the welcome and "speak after the beep" and then the beep, with nothing added;
9 during those two prompts still leads to the complaints.
"""

from __future__ import annotations

import logging

from core.dialplan import VAR_COMPLAINT, VAR_LANGUAGE, VAR_SOURCE
from core.model import FLAG_PARTIAL, FLAG_SILENT, Source

from ..agi import Call, HangupError
from ..line import Line
from .acknowledgement import offer as offer_acknowledgement
from .complaint import complaints_menu
from .common import choose_language, finished_recording, language_menu, play, play_beep, read_digits
from .listen import record_caller

log = logging.getLogger(__name__)

LOCALITY_DIGITS = 6
LOCALITY_WAIT_MS = 6000
LOCALITY_TRIES = 2
REFERENCE_READINGS = 2
COMPLAINT_KEY = "9"


async def alert(call: Call, line: Line) -> None:
    source = Source((await call.get_variable(VAR_SOURCE)) or Source.PHONE)
    call_id = await line.db(
        lambda s: s.create_call(
            source,
            channel=call.channel,
            uniqueid=call.uniqueid,
            caller_pseudonym=line.pseudonym(call.caller_number),
        )
    )
    try:
        # The complaints are an option of the language menu (the line's main menu): callers in
        # danger, who key their language at once, reach the beep without hearing or waiting for it.
        language, complaint = await language_menu(call, line, "complaint_option", COMPLAINT_KEY)
        if language:
            await call.set_variable(VAR_LANGUAGE, language)
        if not complaint:
            complaint = await announce_recording(call, line, language)
        if complaint:  # the confidential complaints, never an alert
            await call.set_variable(VAR_COMPLAINT, "1")
            call.conceal()
            await line.db(lambda s: s.forget_caller(call_id))
            await complaints_menu(call, line, language or await choose_language(call, line))
            return
        alert_row = await record_alert(call, line, call_id, language, announced=True)
        if alert_row is None:
            await play(call, line, "nothing_heard", language)
            alert_row = await record_alert(call, line, call_id, language)
        if alert_row is None:
            await play(call, line, "nothing_heard_again", language)
            return
        await play(call, line, "recorded_thanks", language)
        locality = await ask_locality(call, line, language)
        if locality:
            await line.db(lambda s: s.update_alert(alert_row["id"], "ivr", locality=locality))
            # Read the code back, so a caller who mistyped hears what was kept.
            await play(call, line, "locality_is", language)
            await read_digits(call, line, locality, language)
        for _ in range(REFERENCE_READINGS):
            await play(call, line, "reference_is", language)
            await read_digits(call, line, alert_row["reference"], language)
        await offer_acknowledgement(call, line, alert_row["id"], language)
        await play(call, line, "goodbye", language)
    finally:
        await line.db(lambda s: s.end_call(call_id))


async def announce_recording(call: Call, line: Line, language: str) -> bool:
    """The welcome and "speak after the beep", back to back, the beep right after them; 9
    during either still leads to the complaints, for a caller who knows the key."""
    for prompt_id in ("welcome", "record_after_beep"):
        if await play(call, line, prompt_id, language, escape_digits=COMPLAINT_KEY) == COMPLAINT_KEY:
            return True
    return False


async def record_alert(call: Call, line: Line, call_id: int, language: str,
                       announced: bool = False) -> dict | None:
    """Record after the beep and file what was recorded; the alert when it holds speech.

    A silent recording is filed (flagged) but returns None; a hang-up files the partial
    recording and raises. `announced`: the caller has just heard "record after the beep"."""
    if not announced:
        await play(call, line, "record_after_beep", language)
    await play_beep(call, line)
    take = await record_caller(call, line, line.new_recording())
    finished = await finished_recording(call, line, take.path, take.offset_seconds)
    if finished is None:
        log.info("%s: caller left no recording", call.channel)
        if take.hung_up:
            raise HangupError(f"{call.channel}: hung up before speaking")
        return None
    facts, speech = finished
    flags = [FLAG_PARTIAL] if take.hung_up else []
    if not speech:
        flags.append(FLAG_SILENT)
    alert_row = await line.db(lambda s: s.file_alert(call_id, facts, language=language, flags=flags))
    log.info("%s: filed alert %s (%.1f s%s)", call.channel, alert_row["reference"], facts.duration,
             "".join(f", {flag}" for flag in flags))
    if take.hung_up:
        raise HangupError(f"{call.channel}: hung up while recording")
    return alert_row if speech else None


async def ask_locality(call: Call, line: Line, language: str) -> str | None:
    """Optional: a wrong code is asked once more, then skipped."""
    for attempt in range(LOCALITY_TRIES):
        digits, _ = await call.get_data(line.prompt("enter_locality", language), LOCALITY_WAIT_MS, LOCALITY_DIGITS)
        if not digits:
            return None
        known = await line.db(lambda s: (not s.has_gazetteer()) or s.locality(digits) is not None)
        if known:
            return digits
        await play(call, line, "locality_not_found", language)
    return None
