"""What the line says: the prompt catalogue, its audio files and how they are made.

One job per module:

    catalogue.py   the catalogue (prompts/catalogue.toml): ids, numbers, words per language
    layout.py      where each prompt's audio is under the prompts folder
    manifest.py    who made each file (<lang>/manifest.json), the folder lock, the atomic swap
    synth.py       espeak-ng
    processing.py  any audio made into the line's format (ffmpeg, pydub): trim, normalise, check
    inventory.py   what each file is now (`status`)
    builder.py     `build`: synthesise what is missing or stale, several at a time
    install.py     a person's recording becomes a prompt
    tools.py       running espeak-ng and ffmpeg

The API, for the CLI, the IVR flows and the console, is imported here:

    load_catalogue(path=None) -> Catalogue
    audio_path(prompts_dir, lang, prompt_id) -> Path      the .wav file
    playback_path(prompts_dir, lang, prompt_id) -> str    the same without ".wav", for Asterisk
    words_path(prompts_dir, prompt_id) -> Path            the words read by the French voice
    status(prompts_dir, catalogue) -> list[PromptStatus]
    build(prompts_dir, catalogue, ...) -> dict[str, int]  synthesise what is missing or stale
    install_recording(prompts_dir, catalogue, lang, prompt_id, source, by="") -> Installed
    check_audio(path) -> AudioInfo                        format and levels of a .wav

`install_recording` takes any audio file ffmpeg reads (a WAV recorded by Asterisk, an
upload), converts it to the line's format, trims silence, normalises loudness and swaps
it in atomically, keeping the old file as a backup. It raises `PromptError` with a
message for the user when the recording is unusable (unreadable, silent, too short or
too long). It blocks for a fraction of a second (ffmpeg): call it from a worker thread,
not from an event loop. Every caller audits the change with `Installed.audit_details()`.
`status`, `build` and `install_recording` may run at the same time in different
processes: writes to a language folder take a lock (`<lang>/.lock`).
"""

from .builder import build
from .catalogue import (
    BEEP, CATALOGUE_PATH, COMMON, COMMON_PROMPTS, ID_PATTERN, Catalogue, Language, Prompt, PromptError,
    load_catalogue,
)
from .install import Installed, install_recording
from .inventory import PromptStatus, status
from .layout import WORDS_LANGUAGE, audio_path, playback_path, words_path
from .manifest import GENERATED, HUMAN, MANIFEST, MISSING, PLACEHOLDER, SYNTHESISED, UNLISTED
from .processing import (
    LEAD_PAD_MS, PEAK_CEILING_DBFS, PEAK_FLOOR_DBFS, SAMPLE_RATE, TAIL_PAD_MS, TARGET_LOUDNESS_DBFS, AudioInfo,
    check_audio,
)
from .synth import synthesise

__all__ = [
    "BEEP", "CATALOGUE_PATH", "COMMON", "COMMON_PROMPTS", "GENERATED", "HUMAN", "ID_PATTERN", "LEAD_PAD_MS",
    "MANIFEST", "MISSING", "PEAK_CEILING_DBFS", "PEAK_FLOOR_DBFS", "PLACEHOLDER", "SAMPLE_RATE", "SYNTHESISED",
    "TAIL_PAD_MS", "TARGET_LOUDNESS_DBFS", "UNLISTED", "WORDS_LANGUAGE", "AudioInfo", "Catalogue", "Installed",
    "Language", "Prompt", "PromptError", "PromptStatus", "audio_path", "build", "check_audio", "install_recording",
    "load_catalogue", "playback_path", "status", "synthesise", "words_path",
]
