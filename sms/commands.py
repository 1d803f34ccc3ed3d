"""Messages that are requests, not alerts: STOP (no more SMS to me), START (SMS again), and
"please call me" (the free message Congolese networks let a subscriber without credit send),
each recognised by [sms] settings on the text without case, accents or punctuation; and a
responder's reply to an escalation: "1", then the alert's reference or nothing."""

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


CONFIRM_KEY = "1"


def confirmation(text: str) -> tuple[bool, str | None]:
    """(confirms, reference named): "1", "1 4821073", " 1-4821073 ", "1\n4821073" confirm
    (spaces, punctuation and case do not matter); anything else does not."""
    compact = "".join(ch for ch in normalize(text) if ch.isalnum())
    if not compact.startswith(CONFIRM_KEY) or not compact[1:].isdigit() and compact[1:]:
        return False, None
    return True, compact[1:] or None
