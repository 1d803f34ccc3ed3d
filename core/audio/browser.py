"""Any recording as a file a browser plays: mono MP3 at 32 kbit/s, or 16-bit WAV when
ffmpeg has no MP3 encoder."""

from __future__ import annotations

import logging
from pathlib import Path

from . import pydub_import

log = logging.getLogger(__name__)

MP3_MIN_RATE = 16000   # MPEG-2 rates play everywhere; 8 kHz (MPEG-2.5) may not


def to_browser(source: Path, dest: Path) -> str:
    """Convert `source` (any format ffmpeg reads) into `dest`; returns the format written:
    "mp3", or "wav" when there is no MP3 encoder. The caller names the file accordingly."""
    pydub = pydub_import.load()
    with open(source, "rb") as handle:   # pydub leaves files it opens itself unclosed
        audio = pydub.AudioSegment.from_file(handle).set_channels(1)
    if audio.frame_rate < MP3_MIN_RATE:
        audio = audio.set_frame_rate(MP3_MIN_RATE)
    try:
        audio.export(dest, format="mp3", bitrate="32k").close()
        return "mp3"
    except pydub.exceptions.CouldntEncodeError as exc:
        log.warning("no MP3 encoder (%s); serving 16-bit WAV", exc)
        audio.set_sample_width(2).export(dest, format="wav").close()
        return "wav"
