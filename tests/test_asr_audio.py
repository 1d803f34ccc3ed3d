"""Audio in: every Asterisk format decodes to the samples an independent decoder (sox) gives;
resampling is band-limited; broken files give clear errors. Also the VAD."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest

from core.audio import formats, vad
from tests.fixtures.asr import KO_SHORT, white_noise
from tests.fixtures.audio import read_samples, silence, write_wav

# How sox writes each Asterisk format, and how sox reads it back (the reference decoder).
SOX_WRITE = {
    "wav": ["-t", "wav", "-e", "signed", "-b", "16"],
    "wav16": ["-t", "wav", "-e", "signed", "-b", "16", "-r", "16000"],
    "WAV": ["-t", "wav", "-e", "gsm-full-rate"],
    "gsm": ["-t", "gsm"],
    "ul": ["-t", "ul"],
    "al": ["-t", "al"],
    "sln": ["-t", "raw", "-e", "signed", "-b", "16", "-r", "8000"],
    "sln16": ["-t", "raw", "-e", "signed", "-b", "16", "-r", "16000"],
}
SOX_READ = {
    "wav": [], "wav16": ["-t", "wav"], "WAV": [], "gsm": ["-t", "gsm", "-r", "8000"], "ul": ["-t", "ul", "-r", "8000", "-c", "1"],
    "al": ["-t", "al", "-r", "8000", "-c", "1"], "sln": ["-t", "raw", "-e", "signed", "-b", "16", "-r", "8000", "-c", "1"],
    "sln16": ["-t", "raw", "-e", "signed", "-b", "16", "-r", "16000", "-c", "1"],
}
RATE = {"sln16": 16000, "wav16": 16000}


def asterisk_file(sox, source, fmt, folder):
    """`source` (8 kHz WAV) written in Asterisk format `fmt`, as Asterisk names it."""
    out = folder / f"alert.{fmt}"
    subprocess.run([sox, "-D", str(source), *SOX_WRITE[fmt], str(out)], check=True)
    return out


def sox_decode(sox, path, fmt) -> np.ndarray:
    """The reference decoder: sox reads the file (told the raw formats' rate) to 16-bit PCM."""
    raw = subprocess.run(
        [sox, "-D", *SOX_READ[fmt], str(path), "-t", "raw", "-e", "signed", "-b", "16", "-c", "1", "-"],
        check=True, capture_output=True,
    ).stdout
    return np.frombuffer(raw, dtype="<i2")


@pytest.mark.parametrize("fmt", list(SOX_WRITE))
def test_every_asterisk_format_decodes_like_sox(fmt, say, sox, tmp_path):
    path = asterisk_file(sox, say(KO_SHORT), fmt, tmp_path)
    loaded = formats.load(path)
    reference = sox_decode(sox, path, fmt)
    assert loaded.rate == RATE.get(fmt, 8000)
    assert loaded.samples.dtype == np.int16
    # GSM decoders may differ on the final partial frame's padding; the audio itself is equal.
    n = min(len(reference), len(loaded.samples))
    assert abs(len(reference) - len(loaded.samples)) <= 160
    assert np.array_equal(loaded.samples[:n], reference[:n])


def test_raw_mulaw_is_8khz_not_44khz(say, sox, tmp_path):
    """ffmpeg (and so pydub) would take raw mu-law as 44.1 kHz: the file would last 1/5 as long."""
    source = say(KO_SHORT)
    seconds = len(read_samples(source)[0]) / 8000
    loaded = formats.load(asterisk_file(sox, source, "ul", tmp_path))
    assert loaded.rate == 8000
    assert loaded.seconds == pytest.approx(seconds, abs=0.01)


def test_uppercase_WAV_is_wav49_gsm(say, sox, tmp_path):
    path = asterisk_file(sox, say(KO_SHORT), "WAV", tmp_path)
    assert formats.format_of(path) == "WAV"
    assert formats.load(path).format == "WAV"


def test_resampling_is_band_limited():
    """8 kHz -> 16 kHz must not leave images above 4 kHz (pydub's linear set_frame_rate does)."""
    t = np.arange(8000) / 8000
    tone = (10000 * np.sin(2 * np.pi * 1000 * t)).astype(np.int16)
    up = formats.to_rate(formats.Audio(tone, 8000, "wav"), 16000).astype(np.float64)
    spectrum = np.abs(np.fft.rfft(up[2000:-2000] * np.hanning(len(up) - 4000)))
    freqs = np.fft.rfftfreq(len(up) - 4000, 1 / 16000)
    signal = spectrum[np.abs(freqs - 1000) < 20].max()
    image = spectrum[np.abs(freqs - 7000) < 20].max()
    assert 20 * np.log10(image / signal) < -60


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("empty.wav", b"", "empty"),
        ("garbage.wav", b"this is not audio at all" * 10, "not a WAV"),
        ("header-only.wav", None, "truncated"),
        ("garbage.gsm", b"\x00\x01" * 7, "truncated"),
        ("odd.sln", b"\x00\x01\x02", "truncated"),
        ("bad.gsm", bytes(range(256)) * 4, "does not decode"),
        ("alert.mp9", b"\x00" * 100, "unknown recording format"),
    ],
)
def test_broken_files_raise_clear_errors(tmp_path, name, content, message):
    path = tmp_path / name
    if content is None:  # a WAV whose header announces 1 s of audio, cut after 0.1 s
        write_wav(path, silence(1.0), 8000)
        path.write_bytes(path.read_bytes()[:44 + 1600])
    else:
        path.write_bytes(content)
    with pytest.raises(formats.AudioError, match=message) as info:
        formats.load(path)
    assert name in str(info.value) or message == "unknown recording format"


def test_wav_left_unfinished_by_a_crash_is_recovered(tmp_path):
    """Asterisk writes the sizes into the header when it closes the file; if it dies while
    recording they stay 0, but the audio is there."""
    tone = (3000 * np.sin(np.arange(8000) / 8000 * 2 * np.pi * 440)).astype(np.int16)
    path = write_wav(tmp_path / "unfinished.wav", tone, 8000)
    data = bytearray(path.read_bytes())
    data[4:8] = data[40:44] = b"\x00\x00\x00\x00"
    path.write_bytes(bytes(data))
    assert np.array_equal(formats.load(path).samples, tone)


def test_wav_header_without_audio(tmp_path):
    path = write_wav(tmp_path / "nothing.wav", silence(0.0), 8000)
    with pytest.raises(formats.AudioError, match="nothing.wav"):
        formats.load(path)


def test_missing_file(tmp_path):
    with pytest.raises(formats.AudioError, match="missing"):
        formats.load(tmp_path / "gone.wav")


# -- VAD --------------------------------------------------------------------------


def test_digital_silence_and_quiet_noise_are_silent():
    for samples in (silence(5.0), white_noise(5.0, -45)):
        pcm = formats.to_rate(formats.Audio(samples, 8000, "wav"), 16000)
        assert vad.bounds(pcm).silent
        assert vad.detect(pcm).silent


def test_speech_is_found_and_long_silence_trimmed(say):
    speech, _ = read_samples(say(KO_SHORT))
    padded = np.concatenate([silence(4.0), speech, silence(4.0)])
    pcm = formats.to_rate(formats.Audio(padded, 8000, "wav"), 16000)
    found = vad.bounds(pcm)
    assert not found.silent
    (start, end), = found.segments
    speech_end = 4.0 + len(speech) / 8000
    assert 3.8 <= start <= 4.3 and speech_end - 0.5 <= end <= speech_end + 0.3
    cut_start, cut_end = vad.trim_bounds(found, len(padded) / 8000)
    assert 3.0 < cut_start < 4.0 and speech_end < cut_end < speech_end + 1.0
    # the full scan agrees with the ends-only scan
    full = vad.detect(pcm)
    assert full.segments[0][0] == start and full.segments[-1][1] == pytest.approx(end, abs=0.1)


def test_short_silence_at_the_ends_is_kept(say):
    speech, _ = read_samples(say(KO_SHORT))
    pcm = formats.to_rate(formats.Audio(speech, 8000, "wav"), 16000)
    assert vad.trim_bounds(vad.bounds(pcm), len(speech) / 8000) == (0.0, len(speech) / 8000)
