"""Examples for keyword spotting said by phone, on the prompt line.

A trusted person calls the prompt line, keys its PIN and the language, then 0 where a
prompt's number would go, then the term's number (its place among the lexicon's
whole-word terms, listed on the console's examples page), and says the term three times
after the beep with a pause between. The take is played back and kept with 1, as a
prompt's is; each saying becomes an example (core/keyword_examples.py), audited.
"""

from __future__ import annotations

import asyncio
import logging

from core import keyword_examples, prompts
from core.lexicon import Lexicons
from core.store.spotting import ExampleError

from ..agi import Call
from ..line import Line
from .common import play

log = logging.getLogger(__name__)

EXAMPLES_KEY = "0"
MENU_LANGUAGE = prompts.WORDS_LANGUAGE
DIGITS_WAIT_MS = 8000


async def record_term_examples(call: Call, line: Line, language: str, take_and_confirm) -> None:
    """`take_and_confirm(call, line)` is the prompt line's own take: the kept WAV, or None."""
    terms = keyword_examples.phone_terms(Lexicons(line.config.data_dir / "lexicons"), language)
    digits, _ = await call.get_data(line.prompt("prompt_choose", MENU_LANGUAGE), DIGITS_WAIT_MS, 3)
    if not digits or not digits.isdigit() or not 1 <= int(digits) <= len(terms):
        await play(call, line, "invalid_choice", MENU_LANGUAGE)
        return
    term, category = terms[int(digits) - 1]
    actor = f"phone:{line.pseudonym(call.caller_number) or call.channel}"
    while True:
        wav = await take_and_confirm(call, line)
        if wav is None:
            return
        try:
            ids = await line.db(lambda s: keyword_examples.from_phone(line.config, s, language, term, category, wav,
                                                                      actor))
        except ExampleError as exc:
            log.info("%s: examples of term %s refused: %s", call.channel, digits, exc)
            await play(call, line, "nothing_heard", MENU_LANGUAGE)
            continue
        finally:
            await asyncio.to_thread(wav.unlink, missing_ok=True)
        log.info("%s: %d examples of term %s (%s) stored", call.channel, len(ids), digits, language)
        await play(call, line, "prompt_saved", MENU_LANGUAGE)
        return
