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
    config = line.config.ivr
    for attempt in range(config.menu_attempts):
        for language in MENU_ORDER:
            key = await play(call, line, "language_menu", language, escape_digits="123")
            if key:
                return LANGUAGE_KEYS[key]
        key = await call.wait_for_digit(MENU_WAIT_MS)
        if key in LANGUAGE_KEYS:
            return LANGUAGE_KEYS[key]
        if key:
            await play(call, line, "invalid_choice", config.default_language)
    return config.default_language


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
