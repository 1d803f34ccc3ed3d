"""The test phone's script language and its ear (no Asterisk needed)."""

import numpy as np
import pytest

from core import prompts
from phone import ScriptError, parse
from phone.ear import FRAME_SECONDS, Ear
from tests.fixtures.audio import read_samples, silence, speechlike
from tests.fixtures.ivr import tone


def test_parses_every_step(tmp_path):
    wav = tmp_path / "a.wav"
    wav.write_bytes(b"")
    steps = parse(f"wait 2; dtmf 4021#; play {wav}\nlisten 12.5; hangup")
    assert [s.action for s in steps] == ["wait", "dtmf", "play", "listen", "hangup"]
    assert steps[0].seconds == 2 and steps[1].digits == "4021#"
    assert steps[2].path == wav and steps[3].seconds == 12.5
    assert str(steps[1]) == "dtmf 4021#"


def test_empty_script_is_no_steps():
    assert parse("") == [] and parse(" ; ;") == []


@pytest.mark.parametrize(
    "script, message",
    [
        ("jump 3", "unknown step"),
        ("wait soon", "needs seconds"),
        ("wait -1", ">= 0"),
        ("dtmf 12x", "0-9"),
        ("play /no/such/file.wav", "no such file"),
        ("play", "needs a WAV"),
        ("hangup now", "no argument"),
    ],
)
def test_rejects_bad_steps(script, message):
    with pytest.raises(ScriptError, match=message):
        parse(script)


def test_parses_the_steps_that_follow_the_line():
    steps = parse("wait beep; wait beep 12; wait silence 30; freeze")
    assert [(s.action, s.until, s.seconds) for s in steps] == [
        ("wait", "beep", 60.0), ("wait", "beep", 12.0), ("wait", "silence", 30.0), ("freeze", "", 0.0)]
    assert str(steps[1]) == "wait beep 12"
    prompt, silence = parse("wait prompt 20; wait silence")
    assert (prompt.until, prompt.seconds, str(prompt)) == ("prompt", 20.0, "wait prompt 20")
    assert prompt.talk_from_this_step and not silence.talk_from_this_step


@pytest.mark.parametrize("script, message", [
    ("wait beep soon", "timeout in seconds"),
    ("wait silence 0", "one timeout > 0"),
    ("wait beep 3 4", "one timeout > 0"),
    ("freeze now", "no argument"),
])
def test_rejects_bad_steps_that_follow_the_line(script, message):
    with pytest.raises(ScriptError, match=message):
        parse(script)


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def hear(ear, clock, samples, rate=8000):
    size = int(rate * FRAME_SECONDS)
    for start in range(0, len(samples) - size + 1, size):
        clock.now += FRAME_SECONDS
        ear.hear(samples[start:start + size])


def test_the_ear_hears_the_lines_beep_and_asterisks_but_not_a_voice():
    samples, _ = read_samples(prompts.audio_path(prompts.CATALOGUE_PATH.parent, "sw", "beep"))
    clock = Clock()
    ear = Ear(clock)
    hear(ear, clock, speechlike(2.0))
    hear(ear, clock, silence(0.5))
    assert ear.beep_after(0) is None, "a voice is no beep"
    hear(ear, clock, samples[:1600])          # the line's own beep (1 kHz), its first 0.2 s
    assert ear.beep_after(0) is None, "heard only once it ends"
    hear(ear, clock, np.concatenate([samples[1600:], silence(0.1)]))
    first = ear.beep_after(0)
    assert first is not None and abs(first - (2.5 + len(samples) / 8000)) < 0.05
    hear(ear, clock, np.concatenate([tone(0.44, 700), silence(0.1)]))  # Asterisk's Record() beep
    assert ear.beep_after(first) is not None


def test_the_ear_knows_when_the_line_stopped_talking():
    clock = Clock()
    ear = Ear(clock)
    hear(ear, clock, speechlike(1.0))
    hear(ear, clock, silence(0.4))
    assert not ear.silent_after_talk(0), "a pause inside a prompt"
    hear(ear, clock, speechlike(1.0))
    hear(ear, clock, silence(0.9))
    assert ear.silent_after_talk(0)
    assert not ear.silent_after_talk(clock.now), "no talk since then"
