"""Words the line has no recording of, spoken by the language's prompt voice (espeak-ng, as
`sauti prompts build` makes the catalogue's placeholders): a locality's name, a number, a
keyword, the text of an SMS alert.

Names, numbers and keywords are no caller's words: each is made once and kept under
`<data>/spoken/<lang>/`. An SMS's text is a caller's: it is made for the call under the spool
and deleted as soon as it has been played. When espeak-ng or ffmpeg are missing or fail,
`prepare` returns None and the flow says what it can instead; the line never stops for it.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import tempfile
import uuid
from pathlib import Path

from core.prompts.catalogue import PromptError

from .agi import Call
from .line import Line
from .spool import forget_left

log = logging.getLogger(__name__)

SPOKEN_DIR = "spoken"
SPOKEN_TEXTS_DIR = "spoken-texts"   # under the spool: callers' texts, for one playing only


async def prepare(line: Line, text: str, lang: str, private: bool = False) -> Path | None:
    """The audio of `text` in `lang`'s prompt voice, made if need be (off the event loop, so a
    flow starts it while a prompt plays); None when it cannot be made. `private`: the words are
    a caller's, made apart for one playing (the caller deletes the file: `forget`)."""
    if private:
        path = line.config.spool_dir / SPOKEN_TEXTS_DIR / f"{uuid.uuid4().hex}.wav"
    else:
        language = line.catalogue.language(lang)
        name = hashlib.sha256(f"{language.voice}\n{language.speed}\n{text}".encode()).hexdigest()[:32]
        path = line.config.data_dir / SPOKEN_DIR / lang / f"{name}.wav"
    try:
        if not path.exists():
            await asyncio.to_thread(make, line, text, lang, path)
        return path
    except PromptError as exc:
        log.warning("cannot speak %s words (%s)", lang, exc)
        return None


async def play(call: Call, path: Path, escape_digits: str = "") -> str:
    return await call.stream_file(str(path.with_suffix("")), escape_digits)


async def forget(path: Path | None) -> None:
    if path is not None:
        await asyncio.to_thread(path.unlink, missing_ok=True)


def make(line: Line, text: str, lang: str, path: Path) -> None:
    """Synthesise `text` into `path` as the prompts are (8 kHz, trimmed, normalised); raises PromptError."""
    from core.prompts.processing import to_telephone
    from core.prompts.synth import synthesise

    language = line.catalogue.language(lang)
    path.parent.mkdir(parents=True, exist_ok=True)
    staged = path.with_name(f".{uuid.uuid4().hex}.wav")   # whole before Asterisk can see it
    try:
        with tempfile.TemporaryDirectory(prefix="sauti-spoken-") as work:
            raw = Path(work) / "raw.wav"
            synthesise(text, language.voice, language.speed, raw)
            to_telephone(raw, staged)
        staged.replace(path)
    finally:
        staged.unlink(missing_ok=True)


def forget_spoken_texts(spool_dir: Path) -> int:
    """At IVR start: SMS texts a crash left behind (callers' words), deleted unplayed."""
    return forget_left(spool_dir / SPOKEN_TEXTS_DIR)
