"""Steps several flows use: playing prompts, reading numbers, the language menu, filing recordings.

Each step receives the call (the AGI session) and the line (config, store,
catalogue) it works with; nothing here keeps state between calls.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from core import prompts
from core.dialplan import SPOOL_MENU_WINDOWS
from core.store import RecordingFacts

from .. import audio
from ..agi import Call
from ..line import Line
from ..spool import forget_left

log = logging.getLogger(__name__)

LANGUAGE_KEYS = {"1": "sw", "2": "ln", "3": "fr"}
MENU_ORDER = ("sw", "ln", "fr")
MENU_WAIT_MS = 4000
# Every key ends a listening window: a language, the offer, or a wrong key to explain.
WINDOW_KEYS = "0123456789*#"
# An answer starts inside its window: speech in a take's first 0.3 s began before it (a
# caller still saying "hello?" as the first option ends), and is no choice of that option
# until the caller pauses. The pause is longer than the ~0.3 s between a talker's sentences.
ANSWER_LEAD_SECONDS = 0.3
ANSWER_PAUSE_SECONDS = 0.5


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

    Each option invites the caller to key its number or to say a word, and listens for
    `menu_voice_seconds` after itself (`spoken_in_window`): speech starting there chooses that
    option's language, keys still work. A caller who keys their language at once never
    hears the offer, and nothing is added before their recording; the offer taken during
    a prompt is in that prompt's language, taken outside the prompts (a listening window,
    the pause after the offer) it has none yet (None)."""
    config = line.config.ivr
    keys = "".join(LANGUAGE_KEYS) + offer_key
    listens = config.menu_voice_seconds > 0
    for attempt in range(config.menu_attempts):
        offered = bool(offer) and attempt == 0
        spoken = [("language_menu", language) for language in MENU_ORDER]
        if offered:
            spoken += [(offer, language) for language in MENU_ORDER]
        for prompt_id, language in spoken:
            key = await play(call, line, prompt_id, language, escape_digits=keys)
            if key:
                return (LANGUAGE_KEYS[key], False) if key in LANGUAGE_KEYS else (language, True)
            if listens and prompt_id == "language_menu":
                key, spoke = await spoken_in_window(call, line)
                if spoke:
                    log.info("%s: %s chosen by voice", call.channel, language)
                    return language, False
                if (choice := await _keyed(call, line, key, offer_key)) is not None:
                    return choice
        if listens and not offered:
            continue  # the last option's window was the round's pause
        if (choice := await _keyed(call, line, await call.wait_for_digit(MENU_WAIT_MS), offer_key)) is not None:
            return choice
    return config.default_language, False


async def _keyed(call: Call, line: Line, key: str, offer_key: str) -> tuple[str | None, bool] | None:
    """A key outside the prompts: a language, the offer (no language yet), or explained and
    the menu goes on (None)."""
    if key in LANGUAGE_KEYS:
        return LANGUAGE_KEYS[key], False
    if key and key == offer_key:
        return None, True
    if key:
        await play(call, line, "invalid_choice", line.config.ivr.default_language)
    return None


async def spoken_in_window(call: Call, line: Line) -> tuple[str, bool]:
    """Listen `menu_voice_seconds` after a menu option: (the key pressed, or ""; whether the
    caller began to speak in it: `_window_speech`). No speech model: the line's own speech frames.

    RECORD FILE, because it ends at once on a key; its take is the caller's voice and is
    deleted as soon as it is examined (off the event loop, as `finished_recording` does)."""
    scratch = line.new_recording(line.config.spool_dir / SPOOL_MENU_WINDOWS)
    wav = scratch.with_suffix(".wav")
    try:
        take = await call.record_file(str(scratch), "wav", escape_digits=WINDOW_KEYS,
                                      timeout_ms=int(line.config.ivr.menu_voice_seconds * 1000), beep=False)
        if take.digit or take.hung_up:
            return take.digit, False
        answered, spoke = await asyncio.to_thread(_window_speech, wav)
        if spoke and not answered:
            log.info("%s: still talking as a listening window opened: no choice", call.channel)
        return "", answered
    finally:
        await asyncio.to_thread(wav.unlink, missing_ok=True)


def forget_menu_windows(spool_dir: Path) -> int:
    """At IVR start: listening windows a crash left behind (callers' voices), deleted unread."""
    return forget_left(spool_dir / SPOOL_MENU_WINDOWS)


def _window_speech(path: Path) -> tuple[bool, bool]:
    """(an answer: speech that starts in the window after its lead-in, talk carried over from
    before it counting only once the caller has paused and spoken again; any speech at all)."""
    if not path.exists():
        return False, False
    samples, rate = audio.read_wav(path)
    return audio.speech_starts_after(samples, rate, ANSWER_LEAD_SECONDS,
                                     ANSWER_PAUSE_SECONDS), audio.has_speech(samples, rate)


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
