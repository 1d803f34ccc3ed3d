"""A complaint's plain take, from the beep until it is sealed, and the takes left over.

Asterisk can only write plain audio, so a complaint is recorded under the spool
(`complaint-takes/`, never recordings/, where an orphan would be filed as an
alert), sealed with the complaints public key and the plain file deleted at once.

Sealing can fail: the public key missing or unreadable, a full disk, the store
locked. The take is then kept where it is and renamed `*.unsealed.wav`, the caller
is told that the complaint could not be saved, and nothing is lost: the IVR seals
and files every leftover take at start and again on its spool round, once sealing
works again. A take whose call died before it was sealed (the IVR killed, a power
cut) is left over too, once nothing has written it for `ABANDONED_SECONDS`. A
leftover complaint keeps the time its recording began (in the take's name) and
its language; its filing is audited with that time.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import uuid
from pathlib import Path

from core.complaints import ComplaintSeal, complaints_dir
from core.config import Config
from core.durable import make_durable, sync
from core.model import ALERT_LANGUAGES

from . import audio
from .leftovers import Leftovers
from .line import Line
from .spool import abandoned, repair_wav_header

log = logging.getLogger(__name__)

TAKES_DIR = "complaint-takes"  # under the spool: plain audio lives here only until it is sealed
UNSEALED = ".unsealed"         # a take whose sealing failed: the spool round retries it
_STAMP = "%Y%m%dT%H%M%S"


def takes_dir(config: Config) -> Path:
    return config.spool_dir / TAKES_DIR


def new_take(config: Config, language: str) -> Path:
    """A fresh take path (without extension) that says when it began and in which language."""
    folder = takes_dir(config)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder / f"{dt.datetime.now(dt.timezone.utc):{_STAMP}}-{language}-{uuid.uuid4().hex}"


def take_facts(wav: Path, default_language: str) -> tuple[str, dt.datetime]:
    """The language and start time a take's name holds; a name without them (a take from an
    older version) gets the default language and the file's time."""
    parts = wav.name.split("-")
    try:
        began = dt.datetime.strptime(parts[0], _STAMP).replace(tzinfo=dt.timezone.utc)
    except ValueError:
        return default_language, dt.datetime.fromtimestamp(wav.stat().st_mtime, dt.timezone.utc)
    return (parts[1] if len(parts) > 2 and parts[1] in ALERT_LANGUAGES else default_language), began


async def seal_and_file(line: Line, wav: Path, language: str, began: dt.datetime | None = None) -> dict | None:
    """Seal the take under a fresh reference, file the complaint, delete the plain file.

    None when the take holds too little audio to be a complaint (it is deleted). On any
    failure the take stays on disk and the error is raised; `began` is given for a leftover
    take, whose complaint keeps that time."""
    if not await asyncio.to_thread(wav.exists):
        return None
    # Off the event loop like the sealing below: a long take must not hold up other calls.
    seconds = await asyncio.to_thread(_length_seconds, wav)
    if seconds < audio.MIN_SPEECH_SECONDS:
        wav.unlink(missing_ok=True)
        return None
    now = dt.datetime.now(dt.timezone.utc)
    target = complaints_dir(line.config) / f"{now:%Y}" / f"{now:%m}" / f"{uuid.uuid4().hex}.sealed"
    try:
        reference = await line.db(lambda s: s.free_complaint_reference())
        await asyncio.to_thread(_seal_to, line.config, wav, target, reference)
        relative = str(target.relative_to(line.config.data_dir))
        row = await line.db(lambda s: s.file_complaint(reference, language, relative, seconds, began=began))
    except Exception:
        target.unlink(missing_ok=True)  # half a sealed file (a full disk) is no use to anyone
        raise
    wav.unlink(missing_ok=True)
    # The plain take's removal is on disk too: after a power cut it would come back and be
    # filed a second time.
    await asyncio.to_thread(sync, wav.parent)
    log.info("filed a confidential complaint (%.1f s%s)", seconds, ", left over" if began else "")  # no reference
    return row


def keep_unsealed(wav: Path) -> Path:
    """Mark a take whose sealing failed, for the spool round; a rename needs no free space."""
    if wav.name.endswith(UNSEALED + ".wav") or not wav.exists():
        return wav
    marked = wav.with_name(wav.stem + UNSEALED + ".wav")
    try:
        wav.rename(marked)
    except OSError:
        log.exception("could not mark %s; it will be sealed once abandoned", wav.name)
        return wav
    return marked


def leftover_takes(config: Config) -> list[Path]:
    """Takes whose sealing failed, and takes no call is writing any more."""
    folder = takes_dir(config)
    if not folder.is_dir():
        return []
    return sorted(wav for wav in folder.glob("*.wav") if wav.name.endswith(UNSEALED + ".wav") or abandoned(wav))


def leftover_complaints(line: Line) -> Leftovers:
    return Leftovers(line, "confidential complaint take(s)", leftover_takes, seal_leftover)


async def seal_leftover(line: Line, wav: Path) -> dict | None:
    language, began = await asyncio.to_thread(take_facts, wav, line.config.ivr.default_language)
    try:
        await asyncio.to_thread(repair_wav_header, wav)  # a take whose call died mid-recording
        return await seal_and_file(line, wav, language, began)
    except Exception:
        keep_unsealed(wav)
        raise


def _length_seconds(wav: Path) -> float:
    samples, rate = audio.read_wav(wav)
    return len(samples) / rate


def _seal_to(config: Config, wav: Path, target: Path, reference: str) -> None:
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    sealed = ComplaintSeal.from_config(config).seal(wav.read_bytes(), reference)
    target.write_bytes(sealed)
    target.chmod(0o600)
    make_durable(target, config.data_dir)
