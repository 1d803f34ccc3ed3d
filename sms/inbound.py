"""One inbound SMS, as smsbox posts it (post-url, send-sender), read and filed as an alert.

smsbox sends the text as the body (UTF-8 when it could recode the message, UTF-16BE for
UCS-2 it could not, raw bytes for an 8-bit message) with X-Kannel-From, X-Kannel-To,
X-Kannel-SMSC and X-Kannel-Coding (0 GSM text, 1 8-bit, 2 UCS-2). A message bearerbox
could not complete (a part lost in the network) comes as the parts that arrived, each
with its concatenation header in X-Kannel-UDH: it is filed flagged incomplete.
"""

from __future__ import annotations

import logging
import re
import unicodedata
import urllib.parse
from dataclasses import dataclass, field

from core import identity
from core.config import Config
from core.contacts import ContactCipher
from core.lexicon import Lexicons
from core.model import (FLAG_SMS_BAD_TEXT, FLAG_SMS_BINARY, FLAG_SMS_EMPTY, FLAG_SMS_FLOOD, FLAG_SMS_INCOMPLETE,
                        FLAG_SMS_TOO_LONG)

from . import language, locality

log = logging.getLogger("sauti.sms")

MAX_TEXT = 4000          # characters kept of one message: about 26 SMS parts
CODINGS = {"0": "text", "1": "binary", "2": "ucs2"}
_CHARSET = re.compile(r'charset="?([A-Za-z0-9_-]+)"?')


@dataclass
class Inbound:
    sender: str          # as the gateway gave it; never stored or logged
    to: str
    smsc: str
    text: str
    coding: str
    flags: set = field(default_factory=set)
    parts: int = 1
    part: tuple[int, int, int] | None = None   # (reference, of, number) of a part handed on alone


def _udh_concatenation(udh_text: str) -> tuple[int, int, int] | None:
    """(reference, parts, number) from a concatenation header (IE 0x00 or 0x08), or None.
    smsbox passes the header URL-encoded (%05%00%03...); hex is taken too."""
    try:
        udh = urllib.parse.unquote_to_bytes(udh_text) if "%" in udh_text else bytes.fromhex(udh_text)
    except ValueError:
        return None
    i = 1
    while i + 1 < len(udh):
        ie, length = udh[i], udh[i + 1]
        data = udh[i + 2:i + 2 + length]
        if ie == 0x00 and len(data) == 3 and 1 <= data[2] <= data[1]:
            return data[0], data[1], data[2]
        if ie == 0x08 and len(data) == 4 and 1 <= data[3] <= data[2]:
            return (data[0] << 8) | data[1], data[2], data[3]
        i += 2 + length
    return None


def parse(headers, body: bytes) -> Inbound:
    """The message as Sauti keeps it; every oddity becomes a flag, none an exception."""
    coding = CODINGS.get(headers.get("X-Kannel-Coding", "0"), "text")
    flags: set = set()
    charset = (_CHARSET.search(headers.get("Content-Type", "")) or [None, "utf-8"])[1]
    if coding == "binary":
        text = ""
        flags.add(FLAG_SMS_BINARY)
    else:
        try:
            text = body.decode(charset)
        except (LookupError, UnicodeDecodeError):
            text = body.decode("utf-16-be" if coding == "ucs2" else "utf-8", errors="replace")
            flags.add(FLAG_SMS_BAD_TEXT)
        if any(0xD800 <= ord(c) <= 0xDFFF for c in text):   # a lone surrogate: invalid UTF-16
            text = text.encode("utf-8", "replace").decode("utf-8")
            flags.add(FLAG_SMS_BAD_TEXT)
    text = "".join(c for c in unicodedata.normalize("NFC", text) if c in "\n\t" or unicodedata.category(c)[0] != "C")
    if len(text) > MAX_TEXT:
        text = text[:MAX_TEXT]
        flags.add(FLAG_SMS_TOO_LONG)
    if coding != "binary" and not any(c.isalnum() for c in text):
        flags.add(FLAG_SMS_EMPTY)
    part = _udh_concatenation(headers.get("X-Kannel-UDH", ""))
    if part is not None and part[1] > 1:
        flags.add(FLAG_SMS_INCOMPLETE)   # bearerbox hands on a part alone only once it gave up waiting
    else:
        part = None
    return Inbound(sender=headers.get("X-Kannel-From", ""), to=headers.get("X-Kannel-To", ""),
                   smsc=headers.get("X-Kannel-SMSC", ""), text=text if part else text.strip(), coding=coding,
                   flags=flags, parts=part[1] if part else 1, part=part)


MISSING_PART = " […] "


def join_parts(parts: list[Inbound]) -> Inbound:
    """The parts of one long SMS that bearerbox handed on after giving up on the rest, as one
    message: in order, `[…]` where a part is missing, flagged incomplete."""
    by_number = {}
    for part in parts:
        by_number.setdefault(part.part[2], part)
    total = parts[0].part[1]
    text = "".join(by_number[n].text if n in by_number else MISSING_PART for n in range(1, total + 1))
    first = parts[0]
    flags = set().union(*(p.flags for p in parts)) - {FLAG_SMS_EMPTY}
    joined = " ".join(text.split())
    if not any(c.isalnum() for c in joined):
        flags.add(FLAG_SMS_EMPTY)
    return Inbound(sender=first.sender, to=first.to, smsc=first.smsc, text=joined[:MAX_TEXT], coding=first.coding,
                   flags=flags, parts=total)


def file(store, config: Config, cipher: ContactCipher, pseudonym_key: bytes, lexicons: Lexicons,
         message: Inbound) -> dict:
    """File the message as an alert, scored by the lexicons of its language; past the
    per-sender or global hourly limit it is flagged (and gets no receipt)."""
    number = identity.normalise_number(message.sender)
    pseudonym = identity.pseudonym(pseudonym_key, number)
    detected = language.detect(message.text, lexicons)
    lang = detected or config.ivr.default_language
    lexicon = lexicons.get(lang)
    keywords = lexicon.match_text(message.text)
    place = locality.find(message.text, store.localities_by_code()) if message.text else None
    sealed = cipher.seal(number, pseudonym) if pseudonym else None
    question = store.open_question(pseudonym, config.sms.reply_hours) if pseudonym else None
    if question is not None and message.flags & {FLAG_SMS_EMPTY, FLAG_SMS_BINARY}:
        question = None   # nothing to read: not an answer
    if question is not None and not question["late"]:
        return _thread_reply(store, config, lexicons, question, message, place, sealed)
    flags = set(message.flags)
    # Counted and filed under one write lock: a flood arrives all at once, on the receiver's
    # many threads, and counts taken before the others' filing would all come out low.
    with store.transaction():
        if pseudonym and (store.sms_from_pseudonym_since(pseudonym, 3600) >= config.sms.per_sender_per_hour
                          or store.sms_since(3600) >= config.sms.global_per_hour):
            flags.add(FLAG_SMS_FLOOD)   # filed all the same; no receipt goes out for it
        alert = store.file_sms_alert(
            pseudonym=pseudonym, sealed=sealed, keep_hours=config.sms.contact_keep_hours, text=message.text,
            language=lang, language_inferred=detected is None, locality=place, keywords=keywords,
            priority=lexicon.priority(keywords), flags=flags, parts=message.parts, coding=message.coding,
            line=message.to or None, smsc=message.smsc or None, late_reply_to=question)
    log.info("SMS filed as alert %s (%s, %d characters, %d keyword(s)%s%s%s)", alert["reference"], lang,
             len(message.text), len(keywords), f", locality {place}" if place else "",
             f", flags {','.join(sorted(flags))}" if flags else "",
             f", a late reply to a question on alert {question['alert_id']}" if question else "")
    return alert


def _thread_reply(store, config: Config, lexicons: Lexicons, question: dict, message: Inbound, place: str | None,
                  sealed: bytes | None) -> dict:
    """A reply within [sms] reply_hours of a verifier's question joins the question's alert;
    the alert is scored on the words of the whole thread, in the alert's language."""
    lexicon = lexicons.get(question["language"])
    thread = store.sms_thread_text(question["alert_id"]) + "\n" + message.text
    keywords = lexicon.match_text(thread)
    alert = store.file_sms_reply(question, message.text, keywords=keywords, priority=lexicon.priority(keywords),
                                 locality=place, sealed=sealed, keep_hours=config.sms.contact_keep_hours,
                                 parts=message.parts, coding=message.coding)
    log.info("SMS reply threaded into alert %s (%d characters)", alert["reference"], len(message.text))
    return {**alert, "threaded": True}
