"""A question of the running perception survey, recorded by phone on the prompt line.

The administrator keys 9 and the question's position (901-908) where a catalogue
number would go; the line plays the question's current audio, then records, plays
back and keeps it like any prompt. The recording is converted as uploads are
(core/surveys.py) and replaces the synthesised or earlier one; the change is audited.
"""

from __future__ import annotations

import asyncio
import logging

from core import prompts, surveys

from ..agi import Call
from ..line import Line
from .common import play

log = logging.getLogger(__name__)

SURVEY_PREFIX = "9"
MENU_LANGUAGE = prompts.WORDS_LANGUAGE


async def record_survey_question(call: Call, line: Line, language: str, position: int, take_and_confirm) -> None:
    """`take_and_confirm(call, line)` is the prompt line's own take: the kept WAV, or None."""
    running = await line.db(lambda s: s.active_survey())
    questions = await line.db(lambda s: s.survey_questions(running["id"])) if running else []
    question = next((q for q in questions if q["position"] == position), None)
    if question is None:
        await play(call, line, "invalid_choice", MENU_LANGUAGE)
        return
    current = surveys.prompt_path(line.config, running["id"], language, question["id"])
    await play(call, line, "prompt_current", MENU_LANGUAGE)
    if current.exists():
        await call.stream_file(str(current.with_suffix("")))
    while True:
        wav = await take_and_confirm(call, line)
        if wav is None:
            return
        try:
            await asyncio.to_thread(surveys.install, line.config, running["id"], question["id"], language, wav)
        except prompts.PromptError as exc:
            log.info("%s: survey question %d refused: %s", call.channel, position, exc)
            await play(call, line, "nothing_heard", MENU_LANGUAGE)
            continue
        finally:
            wav.unlink(missing_ok=True)
        actor = f"phone:{line.pseudonym(call.caller_number) or call.channel}"
        await line.db(lambda s: s.audit(actor, "record", "survey", running["id"], None,
                                        {"question": position, "lang": language}))
        await play(call, line, "prompt_saved", MENU_LANGUAGE)
        return
