"""Perception surveys on the line: the survey an admin started, each question answered with a key.

Two ways in, one question loop (`answer_questions`):
- the survey line (extension 800, `survey`): the caller chooses a language and may key a locality;
- a run's call to a focal point (`survey_call`, reached from the broadcast flow the dialler's
  calls enter): the greeting in the focal point's language, their locality from the directory.

Nothing identifies who answers: the response is the survey, a locality, the day in the
installation's time zone and the channel (inbound or outbound). The response is made at
the first answer and each answer is kept as it is keyed, so a caller who hangs up halfway
leaves their answers, marked incomplete; the last question marks it complete.
"""

from __future__ import annotations

import datetime as dt

from core import clock, surveys
from core.store.broadcasts import COMPLETE, INCOMPLETE

from ..agi import Call
from ..line import Line
from .alert import ask_locality
from .common import choose_language, play

ANSWER_WAIT_MS = 5000
QUESTION_TRIES = 2


async def survey(call: Call, line: Line) -> None:
    language = await choose_language(call, line)
    running = await line.db(lambda s: s.active_survey())
    if running is None:
        await play(call, line, "survey_none", language)
        return
    await play(call, line, "survey_intro", language)
    locality = await ask_locality(call, line, language)
    await answer_questions(call, line, running["id"], language, locality, "inbound")
    await thank(call, line, language)


async def survey_call(call: Call, line: Line, delivery_id: int, run: dict) -> None:
    """A survey run's answered call (`run` from the store's delivery_message); the delivery ends
    complete once the last question is passed, incomplete if the call ends before."""
    language = run["language"] if run["language"] in surveys.LANGUAGES else line.config.ivr.default_language
    complete = False
    try:
        await play(call, line, "survey_call_hello", language)
        complete = await answer_questions(call, line, run["survey_id"], language, run["locality"], "outbound")
        await thank(call, line, language)   # a hang-up now leaves the response and the delivery complete
    finally:
        await line.db(lambda s: s.delivery_finished(delivery_id, COMPLETE if complete else INCOMPLETE))


async def answer_questions(call: Call, line: Line, survey_id: int, language: str, locality: str | None,
                           channel: str) -> bool:
    """The question loop; True when at least one answer was kept and the last question passed."""
    questions = await line.db(lambda s: s.survey_questions(survey_id))
    day = dt.datetime.now(clock.zone(line.config.site.timezone)).date().isoformat()
    response_id = None
    for question in questions:
        answer = await ask(call, line, survey_id, question, language)
        if answer is None:
            continue
        if response_id is None:
            response_id = await line.db(lambda s: s.start_survey_response(survey_id, locality, day, channel))
        await line.db(lambda s: s.record_survey_answer(response_id, question["id"], answer))
    if response_id is not None:
        await line.db(lambda s: s.finish_survey_response(response_id))
    return response_id is not None


async def thank(call: Call, line: Line, language: str) -> None:
    await play(call, line, "survey_thanks", language)
    await play(call, line, "goodbye", language)


async def ask(call: Call, line: Line, survey_id: int, question: dict, language: str) -> int | None:
    """The question's own recording; a key outside its answers is asked again once, none skips it."""
    keys = "".join(str(n) for n in range(1, question["answers"] + 1))
    path = surveys.prompt_path(line.config, survey_id, language, question["id"]).with_suffix("")
    for _ in range(QUESTION_TRIES):
        key = await call.stream_file(str(path), keys) or await call.wait_for_digit(ANSWER_WAIT_MS)
        if key and key in keys:
            return int(key)
        if key:
            await play(call, line, "invalid_choice", language)
    return None
