"""Audio in: every format Asterisk records, as 16-bit mono PCM at the model's sample rate.

    audio = load(path)                      # int16 mono samples at the file's own rate
    pcm = to_rate(audio, 16000)             # resampled with soxr (band-limited, not linear)

Formats, by file extension (Asterisk's `Record()` and `MixMonitor` names):

    wav     RIFF WAV, 16-bit PCM, 8 kHz (Asterisk's `wav`)
    wav16   RIFF WAV, 16-bit PCM, 16 kHz (Asterisk's `wav16`)
    WAV     RIFF WAV holding MS-GSM (Asterisk's `wav49`)
    gsm     raw GSM 06.10 frames, 8 kHz
    ul, al  raw G.711 mu-law / A-law, 8 kHz (decoded here: ffmpeg would assume 44.1 kHz);
            `pcm` is Asterisk's other name for raw mu-law
    sln     raw signed 16-bit little-endian, 8 kHz; sln12, sln16, sln24, sln32, sln44,
            sln48, sln96, sln192 at their own rates

pydub does the reading (ffmpeg for GSM). A file that is empty, truncated or does
not decode raises `AudioError` with a message meant for the verifier's screen.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soxr

from . import pydub_import

RAW_SLIN_RATES = {
    "sln": 8000, "sln12": 12000, "sln16": 16000, "sln24": 24000, "sln32": 32000,
    "sln44": 44100, "sln48": 48000, "sln96": 96000, "sln192": 192000,
}
G711 = {"ul": "ulaw2lin", "ulaw": "ulaw2lin", "pcm": "ulaw2lin", "al": "alaw2lin", "alaw": "alaw2lin"}
FORMATS = ("wav", "wav16", "WAV", "gsm", "ul", "al", "pcm", *RAW_SLIN_RATES)
GSM_FRAME_BYTES = 33


class AudioError(Exception):
    """The recording cannot be turned into audio; retrying will not help."""


@dataclass(frozen=True)
class Audio:
    samples: np.ndarray  # int16, mono
    rate: int
    format: str

    @property
    def seconds(self) -> float:
        return len(self.samples) / self.rate if self.rate else 0.0


def format_of(path: Path | str) -> str:
    """The Asterisk format name from the extension; `.WAV` (wav49) is case-sensitive."""
    suffix = Path(path).suffix[1:]
    if suffix == "WAV":
        return "WAV"
    return suffix.lower()


def load(path: Path | str, fmt: str | None = None) -> Audio:
    """Read a recording into int16 mono samples at its own sample rate."""
    path = Path(path)
    fmt = fmt or format_of(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise AudioError(f"recording file is missing: {path.name}") from None
    except OSError as exc:
        raise AudioError(f"recording file cannot be read: {path.name}: {exc.strerror}") from None
    if not data:
        raise AudioError(f"recording is empty (0 bytes): {path.name}")
    AudioSegment = pydub_import.load().AudioSegment
    if fmt in G711:
        linear = getattr(pydub_import.audioop(), G711[fmt])(data, 2)
        return _segment_audio(AudioSegment(linear, sample_width=2, frame_rate=8000, channels=1), fmt, path.name)
    if fmt in RAW_SLIN_RATES:
        if len(data) % 2:
            raise AudioError(f"recording is truncated: odd byte count in 16-bit audio: {path.name}")
        return _segment_audio(AudioSegment(data, sample_width=2, frame_rate=RAW_SLIN_RATES[fmt], channels=1), fmt, path.name)
    if fmt == "gsm":
        if len(data) < GSM_FRAME_BYTES:
            raise AudioError(f"recording is truncated: shorter than one GSM frame: {path.name}")
        frames = np.frombuffer(data, dtype=np.uint8)[: len(data) // GSM_FRAME_BYTES * GSM_FRAME_BYTES]
        bad = np.flatnonzero(frames[::GSM_FRAME_BYTES] >> 4 != 0xD)
        if len(bad):
            raise AudioError(f"recording does not decode as GSM: frame {bad[0] + 1} lacks the GSM signature: {path.name}")
        return _segment_audio(_ffmpeg(path, "gsm", "gsm"), fmt, path.name)
    if fmt in ("wav", "WAV", "wav16", "wav49"):
        return _segment_audio(_wav(path, data), fmt, path.name)
    raise AudioError(f"unknown recording format {fmt!r}: {path.name} (known: {', '.join(FORMATS)})")


def _wav(path: Path, data: bytes):
    tag, declared, offset = _wav_facts(path, data)
    if tag in (1, 0xFFFE):
        if declared == 0 and len(data) > offset:
            # Asterisk writes the sizes when it closes the file; if it died while recording,
            # they are still 0. The audio is there: take all of it.
            data = _with_data_size(data, offset, len(data) - offset)
        elif declared is not None and declared > len(data) - offset:
            raise AudioError(
                f"recording is truncated: its WAV header announces {declared} bytes of audio,"
                f" the file holds {len(data) - offset}: {path.name}"
            )
        pydub = pydub_import.load()
        try:
            return pydub.AudioSegment(data)
        except (pydub.exceptions.CouldntDecodeError, struct.error, ValueError) as exc:
            raise AudioError(f"recording does not decode as WAV: {path.name}: {exc}") from None
    if tag == 0x31:  # MS-GSM, Asterisk's wav49
        return _ffmpeg(path, "wav", "gsm_ms")
    raise AudioError(f"unsupported WAV encoding 0x{tag:X}: {path.name}")


def _with_data_size(data: bytes, offset: int, size: int) -> bytes:
    size -= size % 2
    fixed = bytearray(data[: offset + size])
    fixed[4:8] = struct.pack("<I", len(fixed) - 8)
    fixed[offset - 4:offset] = struct.pack("<I", size)
    return bytes(fixed)


def _wav_facts(path: Path, data: bytes) -> tuple[int, int | None, int]:
    """(format tag, declared data size, offset of the data) from a RIFF header."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise AudioError(f"recording is not a WAV file (no RIFF/WAVE header): {path.name}")
    pos, tag = 12, None
    while pos + 8 <= len(data):
        chunk, size = data[pos:pos + 4], struct.unpack_from("<I", data, pos + 4)[0]
        if chunk == b"fmt ":
            if pos + 10 > len(data):
                break
            tag = struct.unpack_from("<H", data, pos + 8)[0]
        elif chunk == b"data":
            if tag is None:
                break
            return tag, size, pos + 8
        pos += 8 + size + (size & 1)
    raise AudioError(f"recording is truncated: WAV header without audio data: {path.name}")


def _ffmpeg(path: Path, fmt: str, codec: str):
    pydub = pydub_import.load()
    try:
        return pydub.AudioSegment.from_file(str(path), format=fmt, codec=codec)
    except pydub.exceptions.CouldntDecodeError as exc:
        detail = str(exc).strip().splitlines()[-1] if str(exc).strip() else "ffmpeg failed"
        raise AudioError(f"recording does not decode as {fmt}/{codec}: {path.name}: {detail}") from None


def _segment_audio(segment, fmt: str, name: str = "") -> Audio:
    if segment.channels != 1:
        segment = segment.set_channels(1)
    if segment.sample_width != 2:
        segment = segment.set_sample_width(2)
    samples = np.frombuffer(segment.raw_data, dtype="<i2").astype(np.int16, copy=False)
    if len(samples) == 0:
        raise AudioError(f"recording holds no audio samples: {name}")
    return Audio(samples, segment.frame_rate, fmt)


def to_rate(audio: Audio, rate: int) -> np.ndarray:
    """int16 samples at `rate`. Band-limited resampling (soxr, high quality), not pydub's
    linear `set_frame_rate`, so 8 kHz telephone audio is not smeared with aliases."""
    if audio.rate == rate:
        return audio.samples
    return resample(audio.samples, audio.rate, rate)


def resample(samples: np.ndarray, rate_in: int, rate_out: int) -> np.ndarray:
    """The one resampler the pipeline uses (tests call it to build their reference)."""
    return soxr.resample(samples, rate_in, rate_out, quality="HQ")
