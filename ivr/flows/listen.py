"""Listening to a caller or a radio: every frame kept, whatever the pace.

Asterisk's RECORD FILE ends after `s=` seconds of silence counted from its start,
so a caller who needs a few seconds to begin (a first-time caller, someone who
cannot read, someone checking that the road is clear) was cut off before their
first word. The wait for the first word and the silence after the last one are
two different questions, and the line asks Asterisk each separately:

1. MixMonitor starts on the channel right after the beep. It writes every frame
   the caller sends from then on, whatever else runs on the channel, until it
   is stopped: that file is the take.
2. WaitForNoise waits up to `first_word_seconds` for the caller's voice
   (WAITSTATUS says NOISE or TIMEOUT).
3. Once they speak, RECORD FILE into a scratch file, with `#` as its escape and
   `s=silence_seconds`, serves only to detect the end: `#`, that much silence
   after the last word, or the time limit. Its file is deleted.
4. StopMixMonitor closes the take, also after a hang-up (EXEC still runs on a
   dead channel), and the IVR waits until Asterisk has finished the file.

Whether the take holds speech is decided by the IVR's own speech check, never
by Asterisk's energy threshold or a file size. A take with speech is trimmed to
its speech plus a margin, so an alert lasts as long as what was said, not as
long as the caller hesitated; a silent take is kept whole for a person to hear.

A radio patch (`record_patch`) is the same MixMonitor, started at answer so the
HF traffic is kept from its first frame, and WaitForSilence for the end of the
session (no keypad over HF).
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from pathlib import Path

from core.dialplan import FIRST_WORD_NOISE_MS

from .. import audio
from ..agi import Call, HangupError
from ..line import Line
from ..spool import repair_wav_header

log = logging.getLogger(__name__)

TRIM_MARGIN_SECONDS = 0.3  # kept either side of the speech (as for radio reports), so no soft syllable is clipped
WAV_HEADER = 44            # Asterisk's WAV writer: a plain 44-byte header, sizes filled in at close
CLOSE_WAIT_SECONDS = 3.0
END_DETECTOR_DIR = "end-detector"  # under the spool: RECORD FILE's throwaway files


@dataclass(frozen=True)
class Take:
    """One recording: its WAV, how it ended, and where the kept part starts in it."""

    path: Path
    hung_up: bool
    digit: str = ""
    offset_seconds: float = 0.0


async def start_monitor(call: Call, path: Path) -> None:
    if await call.exec("MixMonitor", str(path)) != 0:
        raise RuntimeError(f"{call.channel}: MixMonitor refused {path}")


async def stop_monitor(call: Call, path: Path) -> None:
    """Stop MixMonitor (even on a dead channel) and wait until its file is complete."""
    try:
        await call.exec("StopMixMonitor", on_dead_channel=True)
    except HangupError:
        log.info("%s: StopMixMonitor not possible any more; salvaging %s", call.channel, path.name)
    await finished_file(path)


async def record_caller(call: Call, line: Line, path: Path) -> Take:
    """After the beep: wait for the first word, record until `#` or silence after the last one."""
    config = line.config.ivr
    wav = path.with_suffix(".wav")
    started = time.monotonic()
    await start_monitor(call, wav)
    hung_up, digit = False, ""
    try:
        await call.exec("WaitForNoise", str(FIRST_WORD_NOISE_MS), "1", str(config.first_word_seconds))
        status = await call.get_variable("WAITSTATUS")
        if status == "NOISE":
            left = config.max_record_seconds - (time.monotonic() - started)
            # Outside recordings/, so a crash mid-take never leaves it to be filed as an orphan.
            scratch = line.config.spool_dir / END_DETECTOR_DIR / path.name
            scratch.parent.mkdir(parents=True, exist_ok=True)
            try:
                result = await call.record_file(str(scratch), "wav", escape_digits="#",
                                                timeout_ms=max(1000, int(left * 1000)), beep=False,
                                                silence_seconds=config.silence_seconds)
            finally:
                Path(f"{scratch}.wav").unlink(missing_ok=True)
            hung_up, digit = result.hung_up, result.digit
        else:
            log.info("%s: no voice within %d s of the beep (%s)", call.channel, config.first_word_seconds, status)
    except HangupError:
        hung_up = True
    await stop_monitor(call, wav)
    # Reading and rewriting a take can take a while for a long one: off the event loop,
    # so the other calls' AGI commands are not held up.
    return Take(wav, hung_up or call.hung_up, digit, await asyncio.to_thread(trim_to_speech, wav))


async def record_patch(call: Call, line: Line, path: Path) -> Take:
    """From answer: everything the radio side sends, until a long silence, the limit or hang-up."""
    config = line.config.ivr
    wav = path.with_suffix(".wav")
    await start_monitor(call, wav)
    hung_up = False
    try:
        await call.exec("WaitForSilence", str(config.radio_silence_seconds * 1000), "1",
                        str(config.radio_max_record_seconds))
    except HangupError:
        hung_up = True
    await stop_monitor(call, wav)
    return Take(wav, hung_up or call.hung_up)


async def finished_file(path: Path) -> None:
    """Wait until Asterisk has closed `path` (its header states its size); if it never does
    (the channel went away first), give it the header Asterisk would have written."""
    deadline = time.monotonic() + CLOSE_WAIT_SECONDS
    while time.monotonic() < deadline:
        if _complete(path):
            return
        await asyncio.sleep(0.05)
    if path.exists() and path.stat().st_size > WAV_HEADER:
        repair_wav_header(path)
        log.warning("%s: not closed by Asterisk in time; its header was repaired", path.name)


def _complete(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            header = handle.read(WAV_HEADER)
            size = path.stat().st_size
    except FileNotFoundError:
        return False
    if len(header) < WAV_HEADER or header[:4] != b"RIFF":
        return False
    return int.from_bytes(header[40:44], "little") == size - WAV_HEADER and size > WAV_HEADER


def trim_to_speech(wav: Path) -> float:
    """Keep the speech and a margin, cut the waiting before and the silence after.

    Returns where the kept part started in the take (0 when nothing was cut)."""
    if not wav.exists() or wav.stat().st_size <= WAV_HEADER:
        return 0.0
    samples, rate = audio.read_wav(wav)
    whole = len(samples) / rate
    spans = audio.split_at_pauses(samples, rate, pause_seconds=whole + 1, margin=TRIM_MARGIN_SECONDS)
    if not spans or not audio.has_speech(samples, rate):
        return 0.0
    start, end = spans[0].start, spans[-1].end
    if start <= 0 and end >= whole:
        return 0.0
    audio.write_wav(wav, samples[int(start * rate): int(end * rate)], rate)
    return start
