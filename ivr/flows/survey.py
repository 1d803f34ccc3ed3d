"""The perception survey line: the survey an admin started, each question answered with a key.

Nothing identifies the caller: the response is the survey, the locality the caller keys
(optional) and the day in the installation's time zone. The response is made at the
first answer and each answer is kept as it is keyed, so a caller who hangs up halfway
leaves their answers, marked incomplete; the last question marks it complete.
"""

from __future__ import annotations

import datetime as dt

from core import clock, surveys

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
    questions = await line.db(lambda s: s.survey_questions(running["id"]))
    await play(call, line, "survey_intro", language)
    locality = await ask_locality(call, line, language)
    day = dt.datetime.now(clock.zone(line.config.site.timezone)).date().isoformat()
    response_id = None
    for question in questions:
        answer = await ask(call, line, running["id"], question, language)
        if answer is None:
            continue
        if response_id is None:
            response_id = await line.db(lambda s: s.start_survey_response(running["id"], locality, day))
        await line.db(lambda s: s.record_survey_answer(response_id, question["id"], answer))
    if response_id is not None:
        await line.db(lambda s: s.finish_survey_response(response_id))
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
