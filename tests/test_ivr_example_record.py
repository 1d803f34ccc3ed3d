"""Examples of a risk term said by phone on the prompt line (ivr/flows/example_record.py),
against a scripted fake AGI session: the PIN, the language, 0 and the term's number, the
term said three times in one take; each saying becomes an example the worker then finds."""

from __future__ import annotations


import numpy as np
import pytest

from asr.spotting.alerts import ExampleScanner
from core import keyword_examples
from core.audio.wav import write_wav
from core.lexicon import Lexicons
from ivr.line import Line
from tests.fixtures.core import make_data_dir
from tests.fixtures.ivr import run_prompt_line
from tests.spotting_voices import RATE, Voice, line, say, to_int16, utterance


@pytest.fixture
def prompt_line(tmp_path):
    config = make_data_dir(tmp_path / "data", {"prompts": {"pin": "4321"}})
    opened = Line.open(config)
    yield opened
    opened.close()


def _said(word: str, times: int, voice: Voice) -> np.ndarray:
    """The word said `times` times with pauses, through the telephone line, as int16."""
    pause = np.zeros(int(0.7 * RATE), dtype=np.float32)
    parts = [pause]
    for n in range(times):
        parts += [say(word, Voice(voice.name, speed=voice.speed + 10 * n, pitch=voice.pitch)), pause]
    return to_int16(line(np.concatenate(parts), 25, seed=times))


def _number(language: str, term: str) -> str:
    terms = keyword_examples.phone_terms(Lexicons(), language)
    return str([t for t, _ in terms].index(term) + 1)


def run(line, **script):
    return run_prompt_line(line, **script)


def test_a_trusted_person_says_a_term_three_times_and_the_worker_hears_it(prompt_line):
    number = _number("sw", "bunduki")
    call = run(prompt_line, keys={"getdata:prompt_pin": ["4321"], "sw/language_menu": ["1"],
                                  "getdata:prompt_choose": ["0", number, ""],
                                  "getdata:prompt_keep_or_retry": ["1", "1"]},
               recordings=[_said("bunduki", 1, Voice("sw+m1")), _said("bunduki", 3, Voice("sw+m1"))])
    played = [p for _, p in call.played]
    assert played.count("prompt_record_now") == 2 and "nothing_heard" in played, "once is not enough: again"
    assert "prompt_saved" in played
    examples = prompt_line.db.run(lambda s: s.examples_for_language("sw"))
    assert [(e["term"], e["category"], e["alert_id"]) for e in examples] == [("bunduki", "armed_movement", None)] * 3
    assert all(0.3 < e["end"] - e["start"] < 1.5 and e["created_by"].startswith("phone:C-") for e in examples)
    audit = prompt_line.db.run(lambda s: s.audit_entries("example"))
    assert len(audit) == 3 and audit[0]["after"] == {"term": "bunduki", "lang": "sw"}
    assert not list((prompt_line.config.spool_dir / "prompt-recordings").glob("*.wav")), "takes are cleaned up"

    # A caller saying the term in another voice (a man, as the examples: MFCC do not carry across
    # men and women, docs/spotting.md): the worker's scan finds it by these examples.
    audio, spans = utterance(["watu wenye", "bunduki", "walikuja jana"], Voice("sw+m3", speed=165), snr_db=20)
    path = prompt_line.config.data_dir / "new-alert.wav"
    write_wav(path, to_int16(audio), RATE)
    scanner = ExampleScanner(prompt_line.config.data_dir, 0.33, 50)
    hits = prompt_line.db.run(lambda s: scanner.scan(s, "sw", [path]))
    assert hits and {h["term"] for h in hits} == {"bunduki"}
    assert abs(hits[0]["start"] - spans[1][1]) < 0.3


def test_an_unknown_term_number_records_nothing(prompt_line):
    too_far = str(len(keyword_examples.phone_terms(Lexicons(), "sw")) + 1)
    call = run(prompt_line, keys={"getdata:prompt_pin": ["4321"], "sw/language_menu": ["1"],
                                  "getdata:prompt_choose": ["0", too_far, ""]},
               recordings=[_said("bunduki", 3, Voice("sw+m1"))])
    played = [p for _, p in call.played]
    assert "invalid_choice" in played and "prompt_record_now" not in played
    assert prompt_line.db.run(lambda s: s.examples_for_language("sw")) == []
