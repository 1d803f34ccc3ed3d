"""The prompt-recording line, against a scripted fake AGI session and real audio conversion."""

from __future__ import annotations

import json
import shutil

import pytest

from core import prompts
from ivr.line import Line
from tests.fixtures.core import make_data_dir
from tests.fixtures.ivr import run_prompt_line, tone


@pytest.fixture
def prompt_line(tmp_path, ffmpeg):
    shipped = prompts.load_catalogue()
    copy = tmp_path / "prompts"
    shutil.copytree(prompts.CATALOGUE_PATH.parent, copy, ignore=shutil.ignore_patterns("*.lock", "backup"))
    config = make_data_dir(tmp_path / "data", {"prompts": {"dir": str(copy), "pin": "4321"}})
    line = Line.open(config)
    assert line.catalogue.ids == shipped.ids
    yield line
    line.close()


def run(line, **script):
    return run_prompt_line(line, **script)


def test_an_administrator_replaces_a_lingala_prompt_by_phone(prompt_line):
    goodbye = prompt_line.catalogue.get("goodbye")
    target = prompts.audio_path(prompt_line.config.prompts_dir, "ln", "goodbye")
    old = target.read_bytes()
    call = run(prompt_line,
               keys={"getdata:prompt_pin": ["4321"], "ln/language_menu": ["2"],
                     "getdata:prompt_choose": [str(goodbye.number), ""],
                     "getdata:prompt_keep_or_retry": ["2", "1"]},
               recordings=[tone(1.5, 300), tone(2.0, 500)])
    # Heard the current Lingala audio and the French words before recording.
    played = call.played
    assert ("ln", "goodbye") in played and ("fr", "goodbye") in played
    assert [p for _, p in played].count("prompt_record_now") == 2, "record again after choosing 2"
    assert ("fr", "prompt_saved") in played
    info = prompts.check_audio(target)
    assert info.problems() == [] and target.read_bytes() != old
    assert abs(info.seconds - 2.0) < 0.3, "the kept take (2 s), not the discarded one (1.5 s)"
    backups = list((target.parent / "backup").glob("goodbye.*.wav"))
    assert len(backups) == 1 and backups[0].read_bytes() == old
    manifest = json.loads((target.parent / "manifest.json").read_text())
    assert manifest["goodbye"]["source"] == prompts.HUMAN
    audit = prompt_line.db.run(lambda s: s.audit_entries("prompt"))
    assert audit[0]["after"]["prompt"] == "goodbye" and audit[0]["actor"].startswith("phone:C-")
    assert not list((prompt_line.config.spool_dir / "prompt-recordings").glob("*.wav")), "takes are cleaned up"


def test_a_wrong_pin_never_reaches_the_recorder(prompt_line):
    call = run(prompt_line, keys={"getdata:prompt_pin": ["1111", "2222", "3333"]}, recordings=[tone(1.0)])
    assert ("fr", "prompt_choose") not in call.played
    assert call.hung_up and call.recordings, "nothing was recorded"


def test_hanging_up_mid_take_installs_nothing(prompt_line):
    target = prompts.audio_path(prompt_line.config.prompts_dir, "sw", "welcome")
    old = target.read_bytes()
    run(prompt_line, keys={"getdata:prompt_pin": ["4321"], "wait": ["1"], "getdata:prompt_choose": ["1"]},
        recordings=[tone(1.0)], hang_up_during_recording=True)
    assert target.read_bytes() == old
    assert prompt_line.db.run(lambda s: s.audit_entries("prompt")) == []


def test_no_pin_configured_means_the_line_is_closed(tmp_path):
    config = make_data_dir(tmp_path / "data")
    line = Line.open(config)
    try:
        call = run(line, keys={"getdata:prompt_pin": ["0000"]})
        assert ("fr", "prompt_pin") not in call.played and call.hung_up
    finally:
        line.close()
