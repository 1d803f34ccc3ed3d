"""A person's recording becomes a prompt (from the phone line, the console or the CLI)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .catalogue import Catalogue, PromptError
from .layout import audio_path
from .manifest import HUMAN, staged, swap
from .processing import AudioInfo, to_telephone


@dataclass(frozen=True)
class Installed:
    path: Path
    backup: Path | None    # where the file it replaced now is; None if there was none
    info: AudioInfo
    lang: str = ""
    prompt_id: str = ""
    number: int = 0        # the prompt's catalogue number: the audit log's entity id

    def audit_details(self) -> dict:
        """What the audit log keeps of the change (`store.audit(actor, "record", "prompt", number, None, ...)`)."""
        return {"language": self.lang, "prompt": self.prompt_id,
                "backup": str(self.backup) if self.backup else None}


def install_recording(prompts_dir: Path, catalogue: Catalogue, lang: str, prompt_id: str,
                      source: Path, by: str = "") -> Installed:
    """Make a person's recording the prompt `lang/prompt_id` (id or number).

    `source` is any audio ffmpeg reads (Asterisk's 8 kHz WAV, an upload in mp3, m4a, ogg...).
    It is converted, trimmed and normalised into a temporary file beside the prompt, then
    swapped in with one rename: a call playing the prompt hears the old or the new one,
    never half. The old file moves to <lang>/backup/. `by` names who recorded it.
    The caller audits the change (`Installed.audit_details`).
    """
    catalogue.language(lang)
    prompt = catalogue.get(prompt_id)
    source = Path(source)
    if not source.is_file():
        raise PromptError(f"no recording at {source}")
    target = audio_path(prompts_dir, lang, prompt.id)
    with staged(target) as tmp:
        info = to_telephone(source, tmp)
        entry = {"source": HUMAN, "words": prompt.words_hash(lang), "by": by}
        backup = swap(prompts_dir, lang, prompt.id, tmp, entry, backup=True)
    return Installed(target, backup, info, lang, prompt.id, prompt.number)
