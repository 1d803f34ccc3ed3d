"""The prompt catalogue (`prompts/catalogue.toml`, shipped with Sauti): every prompt by id,
with a stable number (keyed on the phone recording line) and its words per language."""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

CATALOGUE_PATH = Path(__file__).resolve().parent.parent.parent / "prompts" / "catalogue.toml"

COMMON = "common"                # folder for prompts that are the same in every language
BEEP = "beep"
COMMON_PROMPTS = (BEEP,)
ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")


class PromptError(Exception):
    """A prompt or recording cannot be used; the message says why, for the user."""


@dataclass(frozen=True)
class Language:
    code: str
    name: str
    voice: str             # espeak-ng voice
    speed: int             # espeak-ng words per minute
    placeholder: bool      # the voice is not this language's: synthesised files are placeholders


@dataclass(frozen=True)
class Prompt:
    id: str
    number: int
    words: dict[str, str]
    note: str = ""

    def words_hash(self, lang: str) -> str:
        return hashlib.sha256(self.words[lang].encode()).hexdigest()[:12]


@dataclass(frozen=True)
class Catalogue:
    languages: dict[str, Language]
    prompts: dict[str, Prompt]

    @property
    def ids(self) -> list[str]:
        return list(self.prompts)

    def get(self, prompt_id: str) -> Prompt:
        """The prompt with this id, or with this number when given digits."""
        if prompt_id.isdigit():
            found = self.by_number(int(prompt_id))
            if found:
                return found
        elif prompt_id in self.prompts:
            return self.prompts[prompt_id]
        raise PromptError(f"no prompt {prompt_id!r} in the catalogue")

    def by_number(self, number: int) -> Prompt | None:
        return next((p for p in self.prompts.values() if p.number == number), None)

    def language(self, lang: str) -> Language:
        if lang not in self.languages:
            raise PromptError(f"unknown language {lang!r}; known: {', '.join(self.languages)}")
        return self.languages[lang]


def load_catalogue(path: Path | None = None) -> Catalogue:
    """Read and check the catalogue: every prompt has a unique number and words in every language."""
    path = path or CATALOGUE_PATH
    try:
        raw = tomllib.loads(Path(path).read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise PromptError(f"cannot read the prompt catalogue {path}: {exc}") from None
    languages = {
        code: Language(code, str(v.get("name", code)), str(v["voice"]), int(v.get("speed", 160)),
                       bool(v.get("placeholder", False)))
        for code, v in raw.get("languages", {}).items()
    }
    prompts: dict[str, Prompt] = {}
    numbers: dict[int, str] = {}
    for prompt_id, v in raw.get("prompts", {}).items():
        where = f"{path}: [prompts.{prompt_id}]"
        if not ID_PATTERN.match(prompt_id) or prompt_id in COMMON_PROMPTS:
            raise PromptError(f"{where}: ids are lower_case_with_underscores and not {COMMON_PROMPTS}")
        number = v.get("number")
        if not isinstance(number, int) or number < 1:
            raise PromptError(f"{where}: needs a positive `number`")
        if number in numbers:
            raise PromptError(f"{where}: number {number} is already {numbers[number]}")
        numbers[number] = prompt_id
        missing = [lang for lang in languages if not str(v.get(lang, "")).strip()]
        if missing:
            raise PromptError(f"{where}: no words for {', '.join(missing)}")
        words = {lang: str(v[lang]).strip() for lang in languages}
        prompts[prompt_id] = Prompt(prompt_id, number, words, str(v.get("note", "")))
    return Catalogue(languages, prompts)
