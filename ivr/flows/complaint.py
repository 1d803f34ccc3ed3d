"""Confidential complaints: file one, or key its reference and hear the team's answer.

Reached on its own extension, or with 9 after the alert line's welcome. The
complainant hears who will listen (the complaints team only), that it stays
confidential, and how to follow up with the reference. No call row, no caller
pseudonym: the complaint is its reference, language, date and sealed recording.

The take is recorded under the spool (never recordings/, where an orphan would be
filed as an alert), sealed with the complaints public key and the plain file
deleted at once (core/complaints.py says who can open it).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import uuid
from pathlib import Path

from core.complaints import REFERENCE_DIGITS, ComplaintSeal, complaints_dir, new_reference

from .. import audio
from ..agi import Call, HangupError
from ..line import Line
from .common import choose_language, play, play_beep, read_digits
from .listen import record_caller

log = logging.getLogger(__name__)

MENU_KEYS = "12"
MENU_WAIT_MS = 5000
REFERENCE_WAIT_MS = 10000
REFERENCE_TRIES = 2
TAKES_DIR = "complaint-takes"  # under the spool: plain audio lives here only until it is sealed


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
    await play(call, line, "record_after_beep", language)
    await play_beep(call, line)
    take_dir = line.config.spool_dir / TAKES_DIR
    take_dir.mkdir(parents=True, exist_ok=True)
    take = await record_caller(call, line, take_dir / uuid.uuid4().hex)
    row = await seal_and_file(line, take.path, language)
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


async def seal_and_file(line: Line, wav: Path, language: str) -> dict | None:
    """Seal the take under a fresh reference, delete the plain file, file the complaint."""
    if not await asyncio.to_thread(wav.exists):
        return None
    # Off the event loop like the sealing below: a long take must not hold up other calls.
    seconds = await asyncio.to_thread(_length_seconds, wav)
    if seconds < audio.MIN_SPEECH_SECONDS:
        wav.unlink(missing_ok=True)
        return None
    try:
        reference = await line.db(_free_reference)
        now = dt.datetime.now(dt.timezone.utc)
        target = complaints_dir(line.config) / f"{now:%Y}" / f"{now:%m}" / f"{uuid.uuid4().hex}.sealed"
        await asyncio.to_thread(_seal_to, line, wav, target, reference)
        relative = str(target.relative_to(line.config.data_dir))
        row = await line.db(lambda s: s.file_complaint(reference, language, relative, seconds))
    except Exception:
        # Nothing lost: the plain take stays where it was recorded (under the spool, 0700,
        # never imported as an alert) for an administrator to seal once the fault is fixed.
        log.exception("a confidential complaint could not be sealed or filed; its take is kept at %s", wav.name)
        raise
    wav.unlink(missing_ok=True)
    log.info("filed a confidential complaint (%.1f s)", seconds)  # no reference in the logs
    return row


def _length_seconds(wav: Path) -> float:
    samples, rate = audio.read_wav(wav)
    return len(samples) / rate


def _free_reference(store) -> str:
    while True:
        reference = new_reference()
        if not store.complaint_reference_taken(reference):
            return reference


def _seal_to(line: Line, wav: Path, target: Path, reference: str) -> None:
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    sealed = ComplaintSeal.from_config(line.config).seal(wav.read_bytes(), reference)
    target.write_bytes(sealed)
    target.chmod(0o600)


async def follow_up(call: Call, line: Line, language: str) -> None:
    """Key the reference: hear the team's recorded answer, or that there is none yet."""
    for _ in range(REFERENCE_TRIES):
        digits, _ = await call.get_data(line.prompt("complaint_enter_reference", language), REFERENCE_WAIT_MS,
                                        REFERENCE_DIGITS)
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
