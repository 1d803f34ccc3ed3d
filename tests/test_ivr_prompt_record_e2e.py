"""Recording a prompt by telephone, through the real Asterisk, with a pjsua2 phone.

A line of its own, with a copy of the shipped prompts: the call replaces a prompt.
"""

from __future__ import annotations

import json
import subprocess

import numpy as np
import pytest

from core import prompts
from core.dialplan import EXTEN_PROMPTS
from phone import wav_seconds
from tests.audio_match import find_prompts
from tests.fixtures.asterisk import read_wav
from tests.fixtures.ivr import prompt_line_with_pin

pytestmark = pytest.mark.asterisk

PIN = "2468"


@pytest.fixture(scope="module")
def prompt_line(tmp_path_factory):
    with prompt_line_with_pin(tmp_path_factory, PIN, "prompt-line") as started:
        yield started


def test_an_administrator_records_a_lingala_prompt_by_phone(prompt_line, tmp_path):
    line, ivr = prompt_line
    config = line.config
    catalogue = prompts.load_catalogue()
    goodbye = catalogue.get("goodbye")
    target = prompts.audio_path(config.prompts_dir, "ln", "goodbye")
    before = target.read_bytes()

    take = tmp_path / "take.wav"
    subprocess.run(["espeak-ng", "-v", "fr", "-s", "150", "-w", str(tmp_path / "raw.wav"),
                    "Tokomonana lobi. Kende malamu."], check=True)
    subprocess.run(["sox", str(tmp_path / "raw.wav"), "-r", "8000", "-b", "16", "-c", "1", str(take)], check=True)
    take_seconds = wav_seconds(take)
    # The phone follows the line: it reads after the beep, and keys its choice once the
    # line has played the take back and asked (a key pressed during the playback is dropped).
    script = (f"wait 1; dtmf {PIN}#; wait 1; dtmf 2; wait 1; dtmf {goodbye.number}#; "
              f"wait beep; play {take}; dtmf #; wait silence; dtmf 1; listen 6; hangup")
    result = line.call(EXTEN_PROMPTS, "test-phone-1", script, timeout=120)
    assert result.ok, (result.events, ivr.log()[-3000:])

    assert target.read_bytes() != before
    assert prompts.check_audio(target).problems() == []
    manifest = json.loads((target.parent / "manifest.json").read_text())
    assert manifest["goodbye"]["source"] == prompts.HUMAN
    backups = list((target.parent / "backup").glob("goodbye.*.wav"))
    assert len(backups) == 1 and backups[0].read_bytes() == before
    # The new prompt is the audio the phone played (converted, trimmed, normalised).
    installed, rate = read_wav(target)
    played, played_rate = read_wav(take)
    core = played[int(0.5 * played_rate): int((take_seconds - 0.3) * played_rate)]
    hits = find_prompts(installed, rate, {"take": (core, played_rate)}, threshold=0.7)
    assert [name for _, name, _ in hits] == ["take"], hits
    assert not np.array_equal(installed, played)
