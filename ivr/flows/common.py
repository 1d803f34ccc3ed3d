"""Small steps every flow uses: playing prompts, reading numbers, filing recordings."""

from __future__ import annotations

import logging
from pathlib import Path

from core import prompts
from core.store import RecordingFacts

from .. import audio
from ..agi import Call

log = logging.getLogger(__name__)


async def play(call: Call, prompt_id: str, language: str, escape_digits: str = "") -> str:
    """Play one catalogue prompt in `language`; returns the key that interrupted it, or ""."""
    return await call.stream_file(call.line.prompt(prompt_id, language), escape_digits)


async def play_beep(call: Call) -> None:
    await play(call, prompts.BEEP, prompts.COMMON)


async def read_digits(call: Call, digits: str, language: str) -> None:
    """Read a number digit by digit from the language's own digit prompts."""
    for digit in digits:
        await play(call, f"digit_{digit}", language)


def finished_recording(call: Call, path: Path) -> tuple[RecordingFacts, bool] | None:
    """A finished recording's facts and whether it holds speech; None when the caller left no audio."""
    if not path.exists():
        log.warning("%s: no recording at %s", call.channel, path)
        return None
    samples, rate = audio.read_wav(path)
    if len(samples) < rate * audio.MIN_SPEECH_SECONDS:
        path.unlink()
        return None
    return audio.facts(path, call.line.config.data_dir), audio.has_speech(samples, rate)
