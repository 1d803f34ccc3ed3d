"""Asking for a PIN on a line that needs one (committees, verifiers), and the locks against guessing.

Three wrong PINs end the call, audited with the number of tries only. Each wrong PIN is
counted by the caller's keyed pseudonym and for the whole line (core/store/committee_pins.py):
a caller or a line that is locked hears so and is hung up on without being asked for a PIN.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Callable

from core.committees import PIN_TRIES, pin_limits

from ..agi import Call
from ..line import Line
from .common import play

log = logging.getLogger(__name__)

PIN_WAIT_MS = 8000
PIN_MAX_DIGITS = 8


@dataclass(frozen=True)
class PinLine:
    name: str      # "committee" or "verifier": whose wrong PINs and locks (core/store/committee_pins.py)
    ask: str       # the prompts: asking, a wrong PIN, refused after the tries, locked
    wrong: str
    refused: str
    locked: str


async def check_pin(call: Call, line: Line, language: str, pins: PinLine, find: Callable) -> dict | None:
    """What `find(store, digits)` finds for the PIN keyed, or None once the caller was refused (and told so)."""
    limits = pin_limits(line.config)
    caller = line.pseudonym(call.caller_number)
    lock = await line.db(lambda s: s.committee_pin_lock(caller, utcnow(), limits, pins.name))
    if lock is not None:
        await line.db(lambda s: s.committee_locked_out(lock, pins.name))
        return await locked_out(call, line, language, pins, lock)
    for attempt in range(1, PIN_TRIES + 1):
        digits, _ = await call.get_data(line.prompt(pins.ask, language), PIN_WAIT_MS, PIN_MAX_DIGITS)
        found = await line.db(lambda s: find(s, digits)) if digits else None
        if found is not None:
            return found
        # Nothing keyed guesses nothing: only a PIN that was tried counts towards a lock.
        lock = await line.db(lambda s: s.committee_wrong_pin(caller, utcnow(), limits, pins.name)) if digits else None
        if lock is not None:
            return await locked_out(call, line, language, pins, lock)
        if attempt < PIN_TRIES:
            await play(call, line, pins.wrong, language)
    await line.db(lambda s: s.committee_pin_refused(PIN_TRIES, pins.name))
    log.info("%s: %s PIN refused after %d tries", call.channel, pins.name, PIN_TRIES)
    await play(call, line, pins.refused, language)
    return None


async def locked_out(call: Call, line: Line, language: str, pins: PinLine, lock: str) -> None:
    log.info("%s: %s line locked (%s): no PIN taken", call.channel, pins.name, lock)
    await play(call, line, pins.locked, language)
    await play(call, line, "goodbye", language)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)
