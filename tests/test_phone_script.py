"""The test phone's script language (no Asterisk needed)."""

import pytest

from phone import ScriptError, parse


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
