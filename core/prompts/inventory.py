"""What each prompt file is now: who made it, whether its words changed, whether it plays."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .catalogue import COMMON, COMMON_PROMPTS, Catalogue, PromptError
from .layout import audio_path
from .manifest import HUMAN, MISSING, PLACEHOLDER, UNLISTED, read_manifest
from .processing import check_audio


@dataclass(frozen=True)
class PromptStatus:
    lang: str
    id: str
    number: int | None     # None for common prompts
    source: str            # HUMAN, SYNTHESISED, PLACEHOLDER, GENERATED, UNLISTED or MISSING
    stale: bool = False    # the catalogue's words changed since this file was made
    problems: tuple[str, ...] = ()
    updated: str = ""
    by: str = ""

    @property
    def needs_human(self) -> bool:
        """A person should record this: it is a placeholder, missing, stale or broken."""
        if self.source in (HUMAN, UNLISTED):
            return self.stale or bool(self.problems)
        return self.source in (PLACEHOLDER, MISSING)

    @property
    def protected(self) -> bool:
        """`build` never replaces it: a person made it."""
        return self.source in (HUMAN, UNLISTED)


def status(prompts_dir: Path, catalogue: Catalogue, languages: list[str] | None = None) -> list[PromptStatus]:
    """One entry per language and prompt, then the common prompts."""
    result = []
    for lang in languages or list(catalogue.languages):
        catalogue.language(lang)
        manifest = read_manifest(Path(prompts_dir) / lang)
        for prompt in catalogue.prompts.values():
            result.append(_status_of(prompts_dir, lang, prompt.id, prompt.number,
                                     manifest.get(prompt.id), prompt.words_hash(lang)))
    manifest = read_manifest(Path(prompts_dir) / COMMON)
    for prompt_id in COMMON_PROMPTS:
        result.append(_status_of(prompts_dir, COMMON, prompt_id, None, manifest.get(prompt_id), None))
    return result


def _status_of(prompts_dir, lang, prompt_id, number, entry, words_hash) -> PromptStatus:
    path = audio_path(prompts_dir, lang, prompt_id)
    if not path.exists():
        return PromptStatus(lang, prompt_id, number, MISSING)
    try:
        problems = tuple(check_audio(path).problems())
    except PromptError as exc:
        problems = (str(exc),)
    if entry is None:
        return PromptStatus(lang, prompt_id, number, UNLISTED, problems=problems)
    stale = words_hash is not None and entry.get("words") != words_hash
    return PromptStatus(lang, prompt_id, number, entry.get("source", UNLISTED), stale, problems,
                        entry.get("at", ""), entry.get("by", ""))
