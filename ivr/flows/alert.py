"""The toll-free alert line: choose a language, speak the alert, key a locality, hear the reference.

The alert is filed as soon as the recording ends, so a caller who hangs up at
any later point still leaves it; a hang-up during the recording files the
partial recording.
"""

from __future__ import annotations

import logging

from core.dialplan import VAR_LANGUAGE, VAR_SOURCE
from core.model import FLAG_PARTIAL, FLAG_SILENT, Source

from ..agi import Call, HangupError
from .common import finished_recording, play, play_beep, read_digits

log = logging.getLogger(__name__)

LANGUAGE_KEYS = {"1": "sw", "2": "ln", "3": "fr"}
MENU_ORDER = ("sw", "ln", "fr")
MENU_WAIT_MS = 4000
LOCALITY_DIGITS = 6
LOCALITY_WAIT_MS = 6000
LOCALITY_TRIES = 2
REFERENCE_READINGS = 2


async def alert(call: Call, args: list[str]) -> None:
    line = call.line
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
        language = await choose_language(call)
        await call.set_variable(VAR_LANGUAGE, language)
        await play(call, "welcome", language)
        alert_row = await record_alert(call, call_id, language)
        if alert_row is None:
            await play(call, "nothing_heard", language)
            alert_row = await record_alert(call, call_id, language)
        if alert_row is None:
            await play(call, "goodbye", language)
            return
        await play(call, "recorded_thanks", language)
        locality = await ask_locality(call, language)
        if locality:
            await line.db(lambda s: s.update_alert(alert_row["id"], "ivr", locality=locality))
        for _ in range(REFERENCE_READINGS):
            await play(call, "reference_is", language)
            await read_digits(call, alert_row["reference"], language)
        await play(call, "goodbye", language)
    finally:
        await line.db(lambda s: s.end_call(call_id))


async def choose_language(call: Call) -> str:
    """The menu speaks each option in its own language; no choice means the default."""
    config = call.line.config.ivr
    for attempt in range(config.menu_attempts):
        for language in MENU_ORDER:
            key = await play(call, "language_menu", language, escape_digits="123")
            if key:
                return LANGUAGE_KEYS[key]
        key = await call.wait_for_digit(MENU_WAIT_MS)
        if key in LANGUAGE_KEYS:
            return LANGUAGE_KEYS[key]
        if key:
            await play(call, "invalid_choice", config.default_language)
    return config.default_language


async def record_alert(call: Call, call_id: int, language: str) -> dict | None:
    """Record after the beep and file the alert; a hang-up files the partial recording."""
    line = call.line
    config = line.config.ivr
    await play(call, "record_after_beep", language)
    await play_beep(call)
    path = line.new_recording()
    result = await call.record_file(
        str(path),
        "wav",
        escape_digits="#",
        timeout_ms=config.max_record_seconds * 1000,
        beep=False,
        silence_seconds=config.silence_seconds,
    )
    finished = finished_recording(call, path.with_suffix(".wav"))
    if finished is None:
        log.info("%s: caller left no recording", call.channel)
        if result.hung_up:
            raise HangupError(f"{call.channel}: hung up before speaking")
        return None
    facts, speech = finished
    flags = [FLAG_PARTIAL] if result.hung_up else []
    if not speech:
        flags.append(FLAG_SILENT)
    alert_row = await line.db(lambda s: s.file_alert(call_id, facts, language=language, flags=flags))
    log.info("%s: filed alert %s (%.1f s%s)", call.channel, alert_row["reference"], facts.duration,
             "".join(f", {flag}" for flag in flags))
    if result.hung_up:
        raise HangupError(f"{call.channel}: hung up while recording")
    return alert_row


async def ask_locality(call: Call, language: str) -> str | None:
    """Optional: a wrong code is asked once more, then skipped."""
    line = call.line
    for attempt in range(LOCALITY_TRIES):
        digits, _ = await call.get_data(line.prompt("enter_locality", language), LOCALITY_WAIT_MS, LOCALITY_DIGITS)
        if not digits:
            return None
        known = await line.db(lambda s: (not s.has_gazetteer()) or s.locality(digits) is not None)
        if known:
            return digits
        await play(call, "locality_not_found", language)
    return None
