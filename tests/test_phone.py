"""End-to-end calls through the real Asterisk with the pjsua2 test phone."""

from pathlib import Path

import pytest

import phone
from tests.audio_match import normalised_xcorr
from tests.fixtures.asterisk import read_wav, rms, voiced_span, wait_for

pytestmark = pytest.mark.asterisk

SILENCE = 0.003       # RMS of a line carrying nothing (digital silence is 0)


def new_recordings(folder: Path, before: set) -> list[Path]:
    return sorted(p for p in folder.glob("*.wav") if p not in before)


def echo_script(wav: Path) -> str:
    """Play `wav` once the echo test's prompt and Record()'s own beep are over."""
    return f"wait beep 30; play {wav}; hangup"


def test_echo_test_carries_audio_both_ways(asterisk, asterisk_prompts, caller_wav, tmp_path):
    echo_dir = asterisk.paths.echo
    before = set(echo_dir.glob("*.wav"))
    heard = tmp_path / "heard.wav"

    result = asterisk.call("901", script=echo_script(caller_wav), record=heard)

    assert result.ok, result.events
    assert not result.remote_hangup
    # The phone heard the prompt, not silence.
    welcome = asterisk_prompts / asterisk.config.ivr.default_language / "welcome.wav"
    prompt_seconds = phone.wav_seconds(welcome)
    assert rms(heard, 0, prompt_seconds) > 5 * SILENCE
    start, end = voiced_span(heard)
    assert start < 0.5 and end > prompt_seconds - 0.3
    # Asterisk recorded what the phone played.
    wait_for(lambda: not asterisk.channels(), 10, "the echo call to leave Asterisk")
    [recording] = new_recordings(echo_dir, before)
    played = phone.wav_seconds(caller_wav)
    assert abs(phone.wav_seconds(recording) - played) < 0.5
    assert rms(recording) > 5 * SILENCE
    # ... intact: the phone's WAV is found in Asterisk's recording (1.0 would be bit-exact).
    sent, rate = read_wav(caller_wav)
    got, _ = read_wav(recording)
    middle = sent[int(0.3 * rate): -int(0.3 * rate)]  # shorter than the recording, wherever it starts
    assert normalised_xcorr(got, middle).max() > 0.9
    rec_start, rec_end = voiced_span(recording)
    wav_start, wav_end = voiced_span(caller_wav)
    assert abs((rec_end - rec_start) - (wav_end - wav_start)) < 0.5
