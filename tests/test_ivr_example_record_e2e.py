"""Examples of a risk term said by phone, through the real Asterisk with a pjsua2 phone: the
prompt line's PIN, Swahili, 0 and the term's number, the term said three times after the
beep, kept with 1; three examples with no alert are stored."""

from __future__ import annotations

import numpy as np
import pytest

from core import keyword_examples
from core.audio.wav import write_wav
from core.dialplan import EXTEN_PROMPTS
from core.lexicon import Lexicons
from core.store import Store
from tests.fixtures.ivr import prompt_line_with_pin
from tests.spotting_voices import RATE, Voice, say, to_int16

pytestmark = pytest.mark.asterisk

PIN = "1357"


@pytest.fixture(scope="module")
def prompt_line(tmp_path_factory):
    with prompt_line_with_pin(tmp_path_factory, PIN, "example-line") as started:
        yield started


def test_a_trusted_person_says_a_term_three_times_through_the_line(prompt_line, tmp_path):
    line, ivr = prompt_line
    number = [t for t, _ in keyword_examples.phone_terms(Lexicons(), "sw")].index("wanajeshi") + 1
    # Pauses long enough to split the sayings (0.35 s), shorter than the phone's "the line
    # stopped talking" (0.8 s), so `wait silence` waits for the end of the playback.
    pause = np.zeros(int(0.25 * RATE), dtype=np.float32)   # espeak-ng adds 0.2-0.35 s of its own
    parts = []
    for speed in (140, 155, 170):   # said three times, never quite the same
        parts += [say("wanajeshi", Voice("sw+m2", speed=speed)), pause]
    take = tmp_path / "take.wav"
    write_wav(take, to_int16(np.concatenate(parts) * 0.8), RATE)
    # Swahili is 1 in the language menu; 0 asks for a term's number.
    script = (f"wait 1; dtmf {PIN}#; wait 1; dtmf 1; wait 1; dtmf 0#; wait 1; dtmf {number}#; "
              f"wait beep; play {take}; dtmf #; wait silence; dtmf 1; listen 6; hangup")
    result = line.call(EXTEN_PROMPTS, "test-phone-1", script, timeout=120)
    assert result.ok, (result.events, ivr.log()[-3000:])

    with Store.open(line.config.db_path, migrate=False) as store:
        examples = store.examples_for_language("sw")
    assert [(e["term"], e["category"], e["alert_id"]) for e in examples] == [("wanajeshi", "armed_movement", None)] * 3, \
        (result.events, ivr.log()[-3000:])
    assert len({e["path"] for e in examples}) == 1 and (line.config.data_dir / examples[0]["path"]).is_file()
    assert all(0.4 < e["end"] - e["start"] < 2.0 for e in examples)
    assert all(a["end"] <= b["start"] for a, b in zip(examples, examples[1:]))
