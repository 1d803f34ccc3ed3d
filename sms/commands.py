"""Messages that are requests, not alerts: STOP (no more SMS to me), START (SMS again), and
"please call me" (the free message Congolese networks let a subscriber without credit send),
each recognised by [sms] settings on the text without case, accents or punctuation."""

from __future__ import annotations

import re

from core.config import Config
from core.lexicon import normalize

STOP, START, CALL_ME = "stop", "start", "call_me"
# A "please call me" is the networks' short template; a longer text that happens to say
# "call me" is an alert (and keeps its words), not a request.
CALL_ME_MAX_WORDS = 8


def kind(text: str, config: Config) -> str | None:
    words = normalize(text)
    if words in {normalize(w) for w in config.sms.stop_words}:
        return STOP
    if words in {normalize(w) for w in config.sms.start_words}:
        return START
    if len(words.split()) <= CALL_ME_MAX_WORDS and any(re.search(p, words) for p in config.sms.call_me_patterns):
        return CALL_ME
    return None
