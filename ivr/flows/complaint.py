"""Confidential complaints: file one, or key its reference and hear the team's answer.

Reached on its own extension, or with 9 after the alert line's welcome. The
complainant hears who will listen (the complaints team only), that it stays
confidential, and how to follow up with the reference. No caller pseudonym: the
complaint is its reference, language, date and sealed recording; a call that reached
it from the alert line keeps only the day (core/store/calls.py `forget_caller`).

The take is recorded under the spool, sealed with the complaints public key and
the plain file deleted at once (core/complaints.py says who can open it). When it
cannot be sealed the caller is told so and asked to call again, and the take is
kept for the IVR to seal once it can (ivr/complaint_takes.py).
"""

from __future__ import annotations

import logging


from ..agi import Call, HangupError
from ..complaint_takes import keep_unsealed, new_take, seal_and_file
from ..line import Line
from .common import choose_language, finished_recording, play, play_beep, read_digits
from .listen import Take, record_caller

log = logging.getLogger(__name__)

MENU_KEYS = "12"
MENU_WAIT_MS = 5000
REFERENCE_WAIT_MS = 10000
REFERENCE_TRIES = 2


async def complaint(call: Call, line: Line) -> None:
    """The complaints extension: the language menu, then the complaints menu."""
    language = await choose_language(call, line)
    await complaints_menu(call, line, language)


async def complaints_menu(call: Call, line: Line, language: str) -> None:
    key = await play(call, line, "complaint_menu", language, escape_digits=MENU_KEYS)
    if not key:
        key = await call.wait_for_digit(MENU_WAIT_MS)
    if key == "2":
        await follow_up(call, line, language)
    else:
        await file_complaint(call, line, language)
    await play(call, line, "goodbye", language)


async def file_complaint(call: Call, line: Line, language: str) -> None:
    await play(call, line, "complaint_intro", language)
    take = await record_complaint(call, line, language)
    if take is None:
        await play(call, line, "nothing_heard_again", language)
        return
    try:
        row = await seal_and_file(line, take.path, language)
    except Exception:
        # Nothing lost: the take stays under the spool (0700, never imported as an alert) and
        # the IVR seals it once it can. The caller is not left with a silent hang-up.
        log.exception("%s: a confidential complaint could not be sealed or filed; its take is kept",
                      call.channel)
        keep_unsealed(take.path)
        if take.hung_up:
            raise HangupError(f"{call.channel}: hung up while recording a complaint") from None
        await play(call, line, "complaint_not_saved", language)
        return
    if take.hung_up:
        raise HangupError(f"{call.channel}: hung up while recording a complaint")
    if row is None:
        await play(call, line, "nothing_heard_again", language)
        return
    await play(call, line, "complaint_recorded", language)
    for _ in range(2):
        await play(call, line, "reference_is", language)
        await read_digits(call, line, row["reference"], language)
    await play(call, line, "complaint_follow_up", language)


async def record_complaint(call: Call, line: Line, language: str) -> Take | None:
    """The take, asked again once when it holds no speech (the line's own check, as for an alert);
    None after two silent takes, which are deleted: the caller, still there, is told that nothing
    was heard, never given a reference for a complaint nobody made. A take whose caller hung up
    is kept whatever it holds (a whisper is heard by a person)."""
    for prompt_ids in (("record_after_beep",), ("nothing_heard", "record_after_beep")):
        for prompt_id in prompt_ids:
            await play(call, line, prompt_id, language)
        await play_beep(call, line)
        take = await record_caller(call, line, new_take(line.config, language))
        if take.hung_up:
            return take
        finished = await finished_recording(call, line, take.path)
        if finished is not None and finished[1]:
            return take
        log.info("%s: no speech in a complaint's take; asked again or told", call.channel)
        take.path.unlink(missing_ok=True)
    return None


async def follow_up(call: Call, line: Line, language: str) -> None:
    """Key the reference: hear the team's recorded answer, or that there is none yet."""
    # As many keys as references have now (8 until complaints pass 10 million): the last key ends the entry.
    length = await line.db(lambda s: s.complaint_reference_digits())
    for _ in range(REFERENCE_TRIES):
        digits, _ = await call.get_data(line.prompt("complaint_enter_reference", language), REFERENCE_WAIT_MS,
                                        length)
        row = await line.db(lambda s: s.complaint_by_reference(digits)) if digits else None
        if row is None:
            await play(call, line, "complaint_unknown", language)
            continue
        await line.db(lambda s: s.complaint_access("caller", "follow_up", row["id"]))
        if row["status_message"]:
            await call.stream_file(str((line.config.data_dir / row["status_message"]).with_suffix("")))
        else:
            await play(call, line, "complaint_no_answer", language)
        return
