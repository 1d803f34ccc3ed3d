"""Prompt audio: any recording made into the line's format, and the checks on a prompt file.

`to_telephone` converts (ffmpeg), trims the silence at both ends, normalises the loudness
and writes an 8 kHz 16-bit mono WAV; `check_audio` reads a file's format and levels.
pydub comes from core.audio, like every service's.
"""

from __future__ import annotations

import math
import tempfile
import wave
from dataclasses import dataclass
from pathlib import Path

from core.audio import pydub_import

from .catalogue import PromptError
from .tools import run

SAMPLE_RATE = 8000
SAMPLE_WIDTH = 2                 # bytes: 16-bit
CHANNELS = 1
TARGET_LOUDNESS_DBFS = -20.0     # gated RMS of the speech, the same for every prompt
PEAK_CEILING_DBFS = -1.0         # never louder than this
PEAK_FLOOR_DBFS = -12.0          # a normalised prompt peaks between this and the ceiling
SILENT_DBFS = -45.0              # a recording whose peak is below this holds no speech
MIN_SECONDS = 0.15               # shorter than this after trimming is not a prompt
MAX_SECONDS = 60.0               # longer than this after trimming is a mistake (no # pressed...)
LEAD_PAD_MS = 50                 # silence kept before the speech
TAIL_PAD_MS = 150                # silence kept after it, so prompts in a row do not run together

BEEP_HZ = 1000
BEEP_MS = 300
BEEP_PEAK_DBFS = -10.0


@dataclass(frozen=True)
class AudioInfo:
    rate: int
    channels: int
    width: int             # bytes per sample
    seconds: float
    peak_dbfs: float       # -inf for digital silence
    loudness_dbfs: float   # gated RMS, as normalisation measures it

    def problems(self) -> list[str]:
        """Why Asterisk could not play this as a prompt without transcoding; empty if fine."""
        found = []
        if self.rate != SAMPLE_RATE:
            found.append(f"{self.rate} Hz, not {SAMPLE_RATE}")
        if self.channels != CHANNELS:
            found.append(f"{self.channels} channels, not mono")
        if self.width != SAMPLE_WIDTH:
            found.append(f"{8 * self.width}-bit, not 16-bit")
        if self.peak_dbfs < SILENT_DBFS:
            found.append("silent")
        return found


def check_audio(path: Path) -> AudioInfo:
    """Format and levels of a WAV file; PromptError if it is not a PCM WAV."""
    try:
        with wave.open(str(path), "rb") as wav:
            rate, channels, width = wav.getframerate(), wav.getnchannels(), wav.getsampwidth()
            frames = wav.getnframes()
    except (OSError, EOFError, wave.Error) as exc:
        raise PromptError(f"{path}: not a PCM WAV file ({exc})") from None
    segment = read_segment(path)
    return AudioInfo(rate, channels, width, frames / rate if rate else 0.0,
                     segment.max_dBFS, _loudness(segment))


def to_telephone(source: Path, dest: Path) -> AudioInfo:
    """Convert any audio to a trimmed, normalised 8 kHz 16-bit mono WAV at `dest`."""
    with tempfile.TemporaryDirectory(prefix="sauti-prompt-") as work:
        narrow = Path(work) / "8k.wav"
        # ffmpeg decodes anything and resamples with a proper anti-aliasing filter;
        # the high-pass removes hum and any DC offset, which would skew the peak.
        run(["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
             "-i", str(Path(source).resolve()), "-vn", "-map_metadata", "-1",
             "-af", "highpass=f=100", "-ac", str(CHANNELS), "-ar", str(SAMPLE_RATE),
             "-c:a", "pcm_s16le", "-f", "wav", str(narrow)])
        segment = read_segment(narrow)
    if len(segment) == 0 or segment.max_dBFS < SILENT_DBFS:
        raise PromptError("the recording is silent: nothing was heard")
    segment = _trim(segment)
    if len(segment) / 1000 < MIN_SECONDS + (LEAD_PAD_MS + TAIL_PAD_MS) / 1000:
        raise PromptError("the recording is too short")
    if len(segment) / 1000 > MAX_SECONDS:
        raise PromptError(f"the recording is too long: a prompt takes at most {MAX_SECONDS:.0f} seconds")
    write_segment(_normalise(segment), dest)
    return check_audio(dest)


def beep():
    """A 1 kHz tone of BEEP_MS, with 10 ms fades so it does not click."""
    tone = pydub_import.load().generators.Sine(BEEP_HZ, sample_rate=SAMPLE_RATE, bit_depth=8 * SAMPLE_WIDTH)
    return tone.to_audio_segment(duration=BEEP_MS, volume=BEEP_PEAK_DBFS).fade_in(10).fade_out(10)


def read_segment(path: Path):
    """A WAV file as a pydub AudioSegment."""
    pydub = pydub_import.load()
    try:
        with open(path, "rb") as handle:   # pydub leaves files it opens itself unclosed
            return pydub.AudioSegment.from_wav(handle)
    except (ValueError, pydub.exceptions.CouldntDecodeError) as exc:
        raise PromptError(f"{path}: cannot read the audio ({exc})") from None


def write_segment(segment, path: Path) -> None:
    with open(path, "wb") as handle:
        segment.export(handle, format="wav")


def _trim(segment):
    """Cut leading and trailing silence (relative to the loudest sound), keeping short pads."""
    silence = pydub_import.load().silence
    threshold = max(segment.max_dBFS - 35.0, -60.0)
    lead = silence.detect_leading_silence(segment, silence_threshold=threshold, chunk_size=10)
    tail = silence.detect_leading_silence(segment.reverse(), silence_threshold=threshold, chunk_size=10)
    return segment[max(0, lead - LEAD_PAD_MS):min(len(segment), len(segment) - tail + TAIL_PAD_MS)]


def _loudness(segment) -> float:
    """RMS level of the parts that hold sound (50 ms windows within 30 dB of the peak), in dBFS."""
    if segment.rms == 0:
        return -math.inf
    gate = segment.max_dBFS - 30.0
    windows = [segment[i:i + 50] for i in range(0, len(segment), 50)]
    active = [w.rms for w in windows if w.rms and w.dBFS > gate] or [segment.rms]
    mean_square = sum(r * r for r in active) / len(active)
    return 20 * math.log10(math.sqrt(mean_square) / segment.max_possible_amplitude)


def _normalise(segment):
    """Bring the speech to TARGET_LOUDNESS_DBFS without the peak passing PEAK_CEILING_DBFS."""
    gain = TARGET_LOUDNESS_DBFS - _loudness(segment)
    gain = min(gain, PEAK_CEILING_DBFS - segment.max_dBFS)
    return segment.apply_gain(gain)
