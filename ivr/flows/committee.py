"""The committee line: a Local Protection Committee's focal point keys its PIN, then records
the concerns raised at a meeting, one item per recording, 1 for another.

The PIN says which committee calls (core/committees.py); three wrong PINs end the call,
audited with the number of tries only. Against guessing by redialling, each wrong PIN is
counted by the caller's keyed pseudonym and for the whole line (core/store/committee_pins.py):
a caller or a line that is locked hears so and is hung up on without being asked for a PIN. Each item is an alert whose source is the
committee, in the committee's locality; the call keeps no caller pseudonym, since the
committee, not the focal point, is the source.
"""

from __future__ import annotations

import asyncio
import logging

from core.committees import PinHasher
from core.dialplan import VAR_LANGUAGE
from core.model import FLAG_PARTIAL, FLAG_SILENT, Source
from core.store.committee_pins import COMMITTEE

from ..agi import Call, HangupError
from ..committee_items import keep_item
from ..line import Line
from . import pins
from .pins import PinLine
from .common import choose_language, finished_recording, play, play_beep
from .listen import record_caller

log = logging.getLogger(__name__)

ANOTHER_KEY = "1"
ANOTHER_WAIT_MS = 5000
MAX_ITEMS = 20


async def committee(call: Call, line: Line) -> None:
    language = await choose_language(call, line)
    await call.set_variable(VAR_LANGUAGE, language)
    found = await check_pin(call, line, language)
    if found is None:
        return
    call_id = await line.db(lambda s: s.create_call(Source.COMMITTEE, channel=call.channel, uniqueid=call.uniqueid))
    await line.db(lambda s: s.link_committee(call_id, found["id"]))
    try:
        await play(call, line, "committee_welcome", language)
        filed = 0
        for _ in range(MAX_ITEMS):
            try:
                filed += await record_item(call, line, call_id, found, language)
            except ItemNotFiled:
                # Told, not dropped into a hang-up; the recording is kept (see record_item).
                await play(call, line, "committee_not_saved", language)
                await play(call, line, "goodbye", language)
                return
            key = await play(call, line, "committee_another", language, escape_digits=ANOTHER_KEY)
            if (key or await call.wait_for_digit(ANOTHER_WAIT_MS)) != ANOTHER_KEY:
                break
        log.info("%s: committee %s filed %d item(s)", call.channel, found["id"], filed)
        await play(call, line, "committee_thanks", language)
        await play(call, line, "goodbye", language)
    finally:
        await line.db(lambda s: s.end_call(call_id))


class ItemNotFiled(Exception):
    """The store refused an item (locked, full disk): its recording is still on disk."""


COMMITTEE_PINS = PinLine(COMMITTEE, ask="committee_pin", wrong="committee_pin_wrong",
                         refused="committee_pin_refused", locked="committee_locked")


async def check_pin(call: Call, line: Line, language: str) -> dict | None:
    """The caller's committee, or None once the caller was refused (and told so)."""
    hasher = PinHasher.from_config(line.config)
    return await pins.check_pin(call, line, language, COMMITTEE_PINS,
                                lambda s, digits: s.committee_by_pin(hasher.hash(digits)))


async def record_item(call: Call, line: Line, call_id: int, found: dict, language: str) -> int:
    """One item: the beep, the recording, filed as an alert of the committee; 1 when filed."""
    await play(call, line, "record_after_beep", language)
    await play_beep(call, line)
    take = await record_caller(call, line, line.new_recording())
    finished = await finished_recording(call, line, take.path, take.offset_seconds)
    if finished is not None:
        facts, speech = finished
        flags = ([FLAG_PARTIAL] if take.hung_up else []) + ([] if speech else [FLAG_SILENT])
        try:
            await line.db(lambda s: s.file_alert(call_id, facts, language=language, locality=found["locality"],
                                                 flags=flags))
        except Exception as exc:
            # Nothing lost: the recording stays under recordings/ and the IVR files it as the
            # committee's once the store accepts it (ivr/committee_items.py).
            log.exception("%s: a committee item could not be filed; its recording %s is kept", call.channel,
                          take.path.name)
            await asyncio.to_thread(keep_item, line.config, call_id, facts, language, found["locality"], flags)
            if take.hung_up:
                raise HangupError(f"{call.channel}: hung up while recording a committee item") from exc
            raise ItemNotFiled() from exc
    if take.hung_up:
        raise HangupError(f"{call.channel}: hung up while recording a committee item")
    return 0 if finished is None else 1
