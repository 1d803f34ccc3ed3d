"""Where a prompt's audio is, under the configured prompts folder (`Config.prompts_dir`):

    <prompts_dir>/<lang>/<id>.wav        8 kHz, 16-bit, mono PCM WAV (Asterisk plays it as is)
    <prompts_dir>/<lang>/manifest.json   who made each file (see manifest.py)
    <prompts_dir>/<lang>/backup/         every file a new recording replaced
    <prompts_dir>/common/beep.wav        the beep, for every language
"""

from __future__ import annotations

from pathlib import Path

from .catalogue import COMMON, COMMON_PROMPTS, ID_PATTERN, PromptError

WORDS_LANGUAGE = "fr"            # the recording line reads the words to say in French


def audio_path(prompts_dir: Path, lang: str, prompt_id: str) -> Path:
    """The .wav of a prompt; common prompts (the beep) are found whatever the language."""
    if prompt_id in COMMON_PROMPTS:
        lang = COMMON
    if not ID_PATTERN.match(prompt_id) or not ID_PATTERN.match(lang):
        raise PromptError(f"bad prompt reference {lang}/{prompt_id}")
    return Path(prompts_dir) / lang / f"{prompt_id}.wav"


def playback_path(prompts_dir: Path, lang: str, prompt_id: str) -> str:
    """What Asterisk's Playback / STREAM FILE takes: the path without the extension."""
    return str(audio_path(prompts_dir, lang, prompt_id).with_suffix(""))


def words_path(prompts_dir: Path, prompt_id: str) -> Path:
    """The audio that tells a person recording a prompt what to say: its French version."""
    return audio_path(prompts_dir, WORDS_LANGUAGE, prompt_id)
