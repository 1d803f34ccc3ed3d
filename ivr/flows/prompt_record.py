"""Recording prompts by telephone, so callers hear a native speaker's voice.

Lingala has no synthesiser, and callers trust a human voice: an administrator
calls the prompt line, keys the PIN, picks the language and the prompt by its
catalogue number, hears the current audio and the words to read (in French),
records, listens back, and keeps or records again. The kept recording replaces
the old file atomically; the old one is kept as a backup; the change is audited.
A question of the running perception survey is keyed as 901-908 (survey_prompt.py);
0 records examples of a risk term for keyword spotting (example_record.py).
"""

from __future__ import annotations

import asyncio
import hmac
import logging

from core import prompts

from ..agi import Call
from ..line import Line
from .common import choose_language, play, play_beep
from .example_record import EXAMPLES_KEY, record_term_examples
from .survey_prompt import SURVEY_PREFIX, record_survey_question

log = logging.getLogger(__name__)

MENU_LANGUAGE = prompts.WORDS_LANGUAGE
PIN_TRIES = 3
DIGITS_WAIT_MS = 8000
MAX_PROMPT_SECONDS = 60
SILENCE_SECONDS = 3


async def prompt_record(call: Call, line: Line) -> None:
    if not await check_pin(call, line):
        await play(call, line, "goodbye", MENU_LANGUAGE)
        await call.hangup()
        return
    language = await choose_language(call, line)
    while True:
        prompt = await choose_prompt(call, line)
        if prompt is None:
            break
        if prompt == EXAMPLES_KEY:
            await record_term_examples(call, line, language, take_and_confirm)
        elif isinstance(prompt, str):
            await record_survey_question(call, line, language, int(prompt[len(SURVEY_PREFIX):]), take_and_confirm)
        else:
            await record_prompt(call, line, language, prompt)
    await play(call, line, "goodbye", MENU_LANGUAGE)
    log.info("%s: prompt recording session ended", call.channel)


async def check_pin(call: Call, line: Line, pin: str | None = None) -> bool:
    """The [prompts] pin, or the one given (the voice-alert recording line has its own)."""
    pin = line.config.prompts.pin if pin is None else pin
    if not pin:
        log.warning("%s: PIN line called but no PIN is set; refusing", call.channel)
        return False
    for _ in range(PIN_TRIES):
        digits, _ = await call.get_data(line.prompt("prompt_pin", MENU_LANGUAGE), DIGITS_WAIT_MS, 12)
        if digits and hmac.compare_digest(digits.encode(), pin.encode()):
            return True
        await play(call, line, "invalid_choice", MENU_LANGUAGE)
    log.warning("%s: wrong PIN", call.channel)
    return False


async def choose_prompt(call: Call, line: Line) -> prompts.Prompt | str | None:
    """The prompt whose number is keyed (the digits, for a survey question or examples); None when nothing is keyed."""
    for _ in range(3):
        digits, _ = await call.get_data(line.prompt("prompt_choose", MENU_LANGUAGE), DIGITS_WAIT_MS, 3)
        if not digits:
            return None
        if digits.startswith(SURVEY_PREFIX) and len(digits) == 3 or digits == EXAMPLES_KEY:
            return digits
        prompt = line.catalogue.by_number(int(digits))
        if prompt is not None:
            return prompt
        await play(call, line, "invalid_choice", MENU_LANGUAGE)
    return None


async def record_prompt(call: Call, line: Line, language: str, prompt: prompts.Prompt) -> None:
    await play(call, line, "prompt_current", MENU_LANGUAGE)
    await play(call, line, prompt.id, language)
    await play(call, line, "prompt_words", MENU_LANGUAGE)
    await call.stream_file(str(prompts.words_path(line.config.prompts_dir, prompt.id).with_suffix("")))
    while True:
        wav = await take_and_confirm(call, line)
        if wav is None:
            return
        try:
            installed = await install(call, line, language, prompt, wav)
        except prompts.PromptError as exc:
            log.info("%s: recording for %s/%s refused: %s", call.channel, language, prompt.id, exc)
            await play(call, line, "nothing_heard", MENU_LANGUAGE)
            continue
        finally:
            wav.unlink(missing_ok=True)
        log.info("%s: new recording of %s/%s installed (backup %s)", call.channel, language, prompt.id,
                 installed.backup)
        await play(call, line, "prompt_saved", MENU_LANGUAGE)
        return


async def take_and_confirm(call: Call, line: Line):
    """Record after the beep, play it back, 1 keeps it: the WAV kept, or None on hang-up."""
    folder = line.config.spool_dir / "prompt-recordings"
    while True:
        await play(call, line, "prompt_record_now", MENU_LANGUAGE)
        await play_beep(call, line)
        path = line.new_recording(folder)
        result = await call.record_file(str(path), "wav", "#", MAX_PROMPT_SECONDS * 1000, beep=False,
                                        silence_seconds=SILENCE_SECONDS)
        wav = path.with_suffix(".wav")
        if result.hung_up:
            wav.unlink(missing_ok=True)  # an unconfirmed recording is never installed
            return None
        await play(call, line, "prompt_playback", MENU_LANGUAGE)
        await call.stream_file(str(path))
        choice, _ = await call.get_data(line.prompt("prompt_keep_or_retry", MENU_LANGUAGE), DIGITS_WAIT_MS, 1)
        if choice == "1":
            return wav
        wav.unlink(missing_ok=True)


async def install(call: Call, line: Line, language: str, prompt: prompts.Prompt, wav) -> prompts.Installed:
    actor = f"phone:{line.pseudonym(call.caller_number) or call.channel}"
    # Conversion runs ffmpeg: keep it off the event loop that serves every call.
    installed = await asyncio.to_thread(
        prompts.install_recording, line.config.prompts_dir, line.catalogue, language, prompt.id, wav, actor
    )
    after = {"language": language, "prompt": prompt.id, "backup": str(installed.backup) if installed.backup else None}
    await line.db(lambda s: s.audit(actor, "record", "prompt", prompt.number, None, after))
    return installed
