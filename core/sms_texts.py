"""The words of the SMS the line sends, from the prompt catalogue's `[texts.*]` tables
(prompts/catalogue.toml), in its languages: edited where the spoken prompts are."""

from __future__ import annotations

import math
import string
import tomllib
from dataclasses import dataclass
from pathlib import Path

from . import clock
from .model import CATEGORIES
from .prompts.catalogue import CATALOGUE_PATH, PromptError

RECEIPT = "sms_receipt"
QUESTION = "sms_question"                # a verifier's follow-up question, as sent
ACKNOWLEDGEMENT = "sms_acknowledgement"  # the sender's alert has been handled
ESCALATION = "sms_escalation"            # to a responder: the alert, and how to confirm by reply
FIELDS = {RECEIPT: {"reference"}, QUESTION: {"reference", "question"}, ACKNOWLEDGEMENT: {"reference"},
          ESCALATION: {"reference", "category", "locality", "time"}}
# GSM 03.38's basic alphabet: anything else goes as UCS-2 (70 characters a part, not 160).
GSM_ALPHABET = set("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                   "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
CATEGORY = "category_"   # + a risk category: its words, the spoken prompt's ([prompts.category_*])


def load_texts(path: Path | None = None) -> dict[str, dict[str, str]]:
    """text id -> language -> words; every text in every catalogue language, with exactly
    the fields it is filled with ({reference})."""
    path = path or CATALOGUE_PATH
    try:
        raw = tomllib.loads(Path(path).read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise PromptError(f"cannot read the prompt catalogue {path}: {exc}") from None
    languages = list(raw.get("languages", {}))
    texts = {}
    for text_id, fields in FIELDS.items():
        entry = raw.get("texts", {}).get(text_id)
        if entry is None:
            raise PromptError(f"{path}: no [texts.{text_id}]")
        words = {}
        for lang in languages:
            value = str(entry.get(lang, "")).strip()
            used = {name for _, name, _, _ in string.Formatter().parse(value) if name}
            if not value or used != fields:
                raise PromptError(f"{path}: [texts.{text_id}] {lang} needs words with {sorted(fields)}")
            words[lang] = value
        texts[text_id] = words
    for category in CATEGORIES:
        spoken = raw.get("prompts", {}).get(CATEGORY + category, {})
        texts[CATEGORY + category] = {lang: str(spoken.get(lang) or CATEGORIES[category]["fr"]).strip().rstrip(".")
                                      for lang in languages}
    return texts


def words(texts: dict, text_id: str, language: str, default_language: str, **fields) -> str:
    """One text in the alert's language (the default where the catalogue has none), filled."""
    by_language = texts[text_id]
    return by_language.get(language, by_language[default_language]).format(**fields)


@dataclass(frozen=True)
class EscalationTexts:
    """What the store needs to text the responders of an escalated alert: the words in each
    responder's language, the installation's time zone, and how long to wait for a reply
    that confirms before the dialler calls them."""
    texts: dict
    default_language: str
    zone: str
    confirm_seconds: float

    def text(self, *, reference: str, category: str, locality: str, received_at: str, language: str) -> str:
        moment = clock.local(received_at, self.zone).strftime("%d/%m %H:%M")
        category_words = words(self.texts, CATEGORY + category if CATEGORY + category in self.texts
                               else CATEGORY + "other", language, self.default_language)
        return words(self.texts, ESCALATION, language, self.default_language, reference=reference,
                     category=category_words, locality=locality, time=moment)


def is_gsm(text: str) -> bool:
    return set(text) <= GSM_ALPHABET


def parts(text: str) -> int:
    """How many SMS a text costs: one up to 160 GSM characters (70 UCS-2 units), then 153 (67)
    a part, a concatenated SMS's header taking the rest. The console shows it before sending."""
    if not text:
        return 0
    if is_gsm(text):
        return 1 if len(text) <= 160 else math.ceil(len(text) / 153)
    units = len(text.encode("utf-16-be")) // 2
    return 1 if units <= 70 else math.ceil(units / 67)
