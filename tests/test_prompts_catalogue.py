"""The prompt catalogue: every id in every language, stable numbers, ids the flows use, shipped audio."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from core import prompts
from tests.fixtures.prompts import missing_prompt_ids, referenced_prompt_ids, scan_flows

REPO = Path(__file__).resolve().parent.parent

# Numbers are keyed on the phone recording line and printed on recording sheets: never change one.
NUMBERS = {
    "welcome": 1, "language_menu": 2, "record_after_beep": 3, "recorded_thanks": 4,
    "reference_is": 5, "enter_locality": 6, "locality_not_found": 7, "invalid_choice": 8,
    "goodbye": 9,
    **{f"digit_{d}": 10 + d for d in range(10)},
    "radio_instructions": 20, "radio_recorded": 21, "failure_apology": 22, "callback_consent": 23,
    "callback_hello": 24, "nothing_heard": 25, "locality_is": 26, "acknowledgement": 27,
    "nothing_heard_again": 28,
    "prompt_pin": 30, "prompt_choose": 31, "prompt_current": 32, "prompt_words": 33,
    "prompt_record_now": 34, "prompt_playback": 35, "prompt_keep_or_retry": 36, "prompt_saved": 37,
    "responder_alert": 38,
    "category_attack": 39,
    "category_abduction": 40,
    "category_sexual_violence": 41,
    "category_burning_looting": 42,
    "category_armed_movement": 43,
    "category_displacement": 44,
    "category_threats_hate": 45,
    "category_land_livestock": 46,
    "category_other": 47,
    "responder_locality": 48,
    "responder_recording": 49,
    "responder_confirm": 50,
    "responder_confirmed": 51,
    "response_reference": 52,
    "response_unknown": 53,
    "response_speak": 54,
    "response_saved": 55,
    "complaint_option": 56, "complaint_menu": 57, "complaint_intro": 58, "complaint_recorded": 59,
    "complaint_follow_up": 60, "complaint_enter_reference": 61, "complaint_no_answer": 62, "complaint_unknown": 63,
    "committee_pin": 64, "committee_pin_wrong": 65, "committee_pin_refused": 66, "committee_welcome": 67,
    "committee_another": 68, "committee_thanks": 69, "committee_locked": 85, "callback_consent_sms": 86,
    "broadcast_keys": 70,
    "broadcast_confirmed": 71,
    "survey_intro": 72, "survey_none": 73, "survey_thanks": 74,
    "complaint_not_saved": 75, "committee_not_saved": 76, "survey_call_hello": 77,
    # The verifier line (extension 520): numbers from 300, apart from the others'.
    **{f"verifier_{name}": 300 + n for n, name in enumerate((
        "pin", "locked", "waiting", "none", "alert", "locality", "received", "minutes", "hours", "days",
        "keywords", "recording", "text", "text_unspoken", "keys", "decided", "cannot_escalate", "changed", "note",
        "note_saved", "duty"))},
}


def test_every_prompt_has_words_in_sw_ln_fr(prompt_catalogue):
    assert list(prompt_catalogue.languages) == ["sw", "ln", "fr"]
    for prompt in prompt_catalogue.prompts.values():
        for lang in ("sw", "ln", "fr"):
            assert prompt.words[lang].strip(), f"{prompt.id} has no {lang} words"


def test_numbers_are_stable_and_every_prompt_has_one(prompt_catalogue):
    assert {p.id: p.number for p in prompt_catalogue.prompts.values()} == NUMBERS
    assert prompt_catalogue.by_number(11).id == "digit_1"
    assert prompt_catalogue.get("11").id == "digit_1"
    assert prompt_catalogue.get("goodbye").number == 9
    with pytest.raises(prompts.PromptError):
        prompt_catalogue.get("29")
    with pytest.raises(prompts.PromptError):
        prompt_catalogue.get("no_such_prompt")


def test_the_language_menu_speaks_each_option_in_its_own_language(prompt_catalogue):
    assert prompt_catalogue.get("language_menu").words == {
        "sw": "Kwa Kiswahili, bonyeza moja, au sema Kiswahili.",
        "ln": "Mpo na Lingala, finá mibale, to loba Lingala.",
        "fr": "Pour le français, appuyez sur trois, ou dites français.",
    }


def test_digits_are_the_numbers_in_each_language(prompt_catalogue):
    said = {lang: [prompt_catalogue.get(f"digit_{d}").words[lang] for d in range(10)] for lang in ("sw", "ln", "fr")}
    assert said["sw"][1:4] == ["moja", "mbili", "tatu"]
    assert said["ln"][1:4] == ["moko", "mibale", "misato"]
    assert said["fr"] == ["zéro", "un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf"]


def test_sentences_are_short(prompt_catalogue):
    for prompt in prompt_catalogue.prompts.values():
        for lang, words in prompt.words.items():
            for sentence in re.split(r"[.?!:]", words):
                count = len(re.findall(r"\w+", sentence))
                assert count <= 12, f"{lang}/{prompt.id}: {count} words in {sentence.strip()!r}"


def test_the_beep_is_common_to_every_language(prompts_dir):
    for lang in ("sw", "ln", "fr"):
        assert prompts.audio_path(prompts_dir, lang, "beep") == prompts_dir / "common" / "beep.wav"
    assert prompts.playback_path(prompts_dir, "ln", "welcome") == str(prompts_dir / "ln" / "welcome")
    assert prompts.words_path(prompts_dir, "welcome") == prompts_dir / "fr" / "welcome.wav"
    with pytest.raises(prompts.PromptError):
        prompts.audio_path(prompts_dir, "sw", "../../etc/passwd")


@pytest.mark.parametrize("body, message", [
    ('[prompts.a]\nnumber = 1\nsw = "x"\nfr = "y"\n[prompts.b]\nnumber = 1\nsw = "x"\nfr = "y"\n', "already a"),
    ('[prompts.a]\nnumber = 1\nsw = "x"\n', "no words for fr"),
    ('[prompts.a]\nsw = "x"\nfr = "y"\n', "positive `number`"),
    ('[prompts.Bad-Id]\nnumber = 1\nsw = "x"\nfr = "y"\n', "lower_case"),
])
def test_a_broken_catalogue_is_refused_with_the_reason(tmp_path, body, message):
    path = tmp_path / "catalogue.toml"
    path.write_text('[languages.sw]\nvoice = "sw"\n[languages.fr]\nvoice = "fr"\n' + body)
    with pytest.raises(prompts.PromptError, match=re.escape(message)):
        prompts.load_catalogue(path)


# ---------------------------------------------------------------- ids the flows reference

SAMPLE_FLOW = '''
async def flow(call, language):
    await play(call, "welcome", language, escape_digits="123")
    digits, _ = await call.get_data(line.prompt("enter_locality", language), 6000, 6)
    await call.play_prompts(["goodbye", "not_in_catalogue"], language)
    await play_beep(call)
    await play(call, f"digit_{d}", language)
    await play(call, "digit_" + d, language)
    await call.record_file("/tmp/x", "wav")
    log.info("welcome_back")
    await call.prompt(prompt_id="another_missing_one", language=language)
'''


def test_the_scanner_finds_ids_passed_to_play_and_prompt_helpers():
    found = referenced_prompt_ids(SAMPLE_FLOW, "sample.py")
    assert set(found) == {"welcome", "enter_locality", "goodbye", "not_in_catalogue", "another_missing_one"}
    assert found["welcome"] == ["sample.py:3"]


def test_the_scanner_reports_ids_missing_from_the_catalogue(prompt_catalogue):
    missing = missing_prompt_ids(referenced_prompt_ids(SAMPLE_FLOW, "sample.py"), prompt_catalogue)
    assert missing == {"not_in_catalogue": ["sample.py:5"], "another_missing_one": ["sample.py:11"]}


def test_every_prompt_the_flows_play_is_in_the_catalogue(prompt_catalogue):
    references = scan_flows(REPO / "ivr")
    missing = missing_prompt_ids(references, prompt_catalogue)
    assert not missing, "prompts played by the flows but not in prompts/catalogue.toml: " + "; ".join(
        f"{pid} ({', '.join(where)})" for pid, where in sorted(missing.items()))


# ---------------------------------------------------------------- the audio shipped with Sauti


def test_the_shipped_audio_is_complete_current_and_playable(prompt_catalogue):
    """A fresh checkout has a working line: every prompt in every language, made from today's words."""
    shipped = prompts.CATALOGUE_PATH.parent
    problems = [
        f"{s.lang}/{s.id}: {s.source}{' (words changed: run `sauti prompts build`)' if s.stale else ''}"
        f"{' ' + ', '.join(s.problems) if s.problems else ''}"
        for s in prompts.status(shipped, prompt_catalogue)
        if s.source == prompts.MISSING or s.stale or s.problems
    ]
    assert not problems, problems
    sources = {s.lang: s.source for s in prompts.status(shipped, prompt_catalogue) if s.id == "welcome"}
    assert sources["ln"] in (prompts.PLACEHOLDER, prompts.HUMAN)
