"""Steps several flows use: playing prompts, reading numbers, the language menu, filing recordings.

Each step receives the call (the AGI session) and the line (config, store,
catalogue) it works with; nothing here keeps state between calls.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from core import prompts
from core.store import RecordingFacts

from .. import audio
from ..agi import Call
from ..line import Line

log = logging.getLogger(__name__)

LANGUAGE_KEYS = {"1": "sw", "2": "ln", "3": "fr"}
MENU_ORDER = ("sw", "ln", "fr")
MENU_WAIT_MS = 4000


async def play(call: Call, line: Line, prompt_id: str, language: str, escape_digits: str = "") -> str:
    """Play one catalogue prompt in `language`; returns the key that interrupted it, or ""."""
    return await call.stream_file(line.prompt(prompt_id, language), escape_digits)


async def play_beep(call: Call, line: Line) -> None:
    await play(call, line, prompts.BEEP, prompts.COMMON)


async def read_digits(call: Call, line: Line, digits: str, language: str) -> None:
    """Read a number digit by digit from the language's own digit prompts."""
    for digit in digits:
        await play(call, line, f"digit_{digit}", language)


async def choose_language(call: Call, line: Line) -> str:
    """The menu speaks each option in its own language; no choice means the default."""
    language, _ = await language_menu(call, line)
    return language or line.config.ivr.default_language


async def language_menu(call: Call, line: Line, offer: str = "", offer_key: str = "") -> tuple[str | None, bool]:
    """The language menu, and with `offer` one more option: that prompt spoken in each
    language after the languages, on the first round only, and `offer_key` taken at any
    moment of the menu. Returns (language, whether the offer was taken).

    A caller who keys their language at once never hears the offer, and nothing is added
    before their recording; the offer taken during a prompt is in that prompt's language,
    taken in the silence after the round it has none yet (None)."""
    config = line.config.ivr
    keys = "".join(LANGUAGE_KEYS) + offer_key
    for attempt in range(config.menu_attempts):
        spoken = [("language_menu", language) for language in MENU_ORDER]
        if offer and attempt == 0:
            spoken += [(offer, language) for language in MENU_ORDER]
        for prompt_id, language in spoken:
            key = await play(call, line, prompt_id, language, escape_digits=keys)
            if key:
                return (LANGUAGE_KEYS[key], False) if key in LANGUAGE_KEYS else (language, True)
        key = await call.wait_for_digit(MENU_WAIT_MS)
        if key in LANGUAGE_KEYS:
            return LANGUAGE_KEYS[key], False
        if key and key == offer_key:
            return None, True
        if key:
            await play(call, line, "invalid_choice", config.default_language)
    return config.default_language, False


async def row_id_variable(call: Call, name: str) -> int | None:
    """The row id a dialplan variable carries (set by the dialler on the calls it places);
    None when the variable is unset or holds anything else."""
    value = await call.get_variable(name)
    return int(value) if value and value.isascii() and value.isdigit() else None


async def finished_recording(call: Call, line: Line, path: Path,
                             offset_seconds: float = 0.0) -> tuple[RecordingFacts, bool] | None:
    """A finished recording's facts and whether it holds speech (the line's own speech check);
    None when the caller left no audio.

    Reading and analysing a take is slow for a long one: it runs off the event loop, so the
    other calls' AGI commands are not held up while it does."""
    if not await asyncio.to_thread(path.exists):
        log.warning("%s: no recording at %s", call.channel, path)
        return None
    return await asyncio.to_thread(_examine, path, line.config.data_dir, offset_seconds)


def _examine(path: Path, data_dir: Path, offset_seconds: float) -> tuple[RecordingFacts, bool] | None:
    samples, rate = audio.read_wav(path)
    if len(samples) < rate * audio.MIN_SPEECH_SECONDS:
        path.unlink()
        return None
    return audio.facts(path, data_dir, offset_seconds), audio.has_speech(samples, rate)
