"""The words of the SMS the line sends, from the prompt catalogue's `[texts.*]` tables
(prompts/catalogue.toml), in its languages: edited where the spoken prompts are."""

from __future__ import annotations

import string
import tomllib
from pathlib import Path

from .prompts.catalogue import CATALOGUE_PATH, PromptError

RECEIPT = "sms_receipt"
QUESTION = "sms_question"                # a verifier's follow-up question, as sent
ACKNOWLEDGEMENT = "sms_acknowledgement"  # the sender's alert has been handled
FIELDS = {RECEIPT: {"reference"}, QUESTION: {"reference", "question"}, ACKNOWLEDGEMENT: {"reference"}}


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
    return texts


def words(texts: dict, text_id: str, language: str, default_language: str, **fields) -> str:
    """One text in the alert's language (the default where the catalogue has none), filled."""
    by_language = texts[text_id]
    return by_language.get(language, by_language[default_language]).format(**fields)
