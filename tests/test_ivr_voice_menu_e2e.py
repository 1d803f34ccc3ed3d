"""Choosing the language by voice, through the real Asterisk and IVR with pjsua2 phones.

The phone follows the menu by its prompts (`wait prompt`: the end of the line's next
prompt), says the language's name right after its option, and speaks after the beep.
Answer-to-beep times are printed (`-s`) for the README's call-flow figures.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from core.dialplan import EXTEN_ALERT, SPOOL_MENU_WINDOWS
from tests.fixtures.asterisk import say
from tests.test_ivr_callers_e2e import heard_at
from tests.test_ivr_e2e import last_alert_id, newest_alerts, speech

pytestmark = pytest.mark.asterisk

OPTIONS = ("sw", "ln", "fr")
# What a caller says after an option (the language's name, as the prompt invites, or another
# word), in a voice the line was not built with for Lingala (espeak-ng has none).
SAID = {"sw": ("Ndiyo, Kiswahili", "sw"), "ln": ("Iyo, Lingala", "sw"), "fr": ("Oui, en français", "fr")}


def answer_to_beep(result) -> float:
    answered = next(at for at, text in result.events if text == "answered")
    beep = next(at for at, text in result.events if text == "beep heard")
    return round(beep - answered, 1)


def windows_left(config) -> list[Path]:
    folder = config.spool_dir / SPOOL_MENU_WINDOWS
    return list(folder.glob("*")) if folder.exists() else []


@pytest.mark.parametrize("language", OPTIONS)
def test_a_caller_who_says_a_word_after_an_option_gets_that_language(asterisk, ivr_running, tmp_path, language):
    config = asterisk.config
    before = last_alert_id(config)
    text, voice = SAID[language]
    word = say(text, voice, tmp_path / "word.wav")
    heard = tmp_path / "heard.wav"
    # Through the options up to theirs, the word in the quiet after it, then the alert.
    options = "; ".join(["wait prompt 60"] * (OPTIONS.index(language) + 1))
    script = (f"{options}; play {word}; wait beep 90; play {speech(tmp_path, language, 4.0)}; dtmf #; "
              "wait silence 30; hangup")
    result = asterisk.call(EXTEN_ALERT, "test-phone-7", script, record=heard, timeout=180)
    assert result.ok, (result.events, ivr_running.log()[-3000:])
    print(f"\nvoice chooser {language}: answer to beep {answer_to_beep(result)} s")
    (alert,) = newest_alerts(config, before)
    assert alert["language"] == language and alert["flags"] == []
    assert heard_at(config, heard, language, "welcome") is not None, "the welcome in the chosen language"
    for other in set(OPTIONS) - {language}:
        assert heard_at(config, heard, other, "welcome") is None, other
    assert heard_at(config, heard, "sw", "complaint_option") is None, "chosen before the complaints offer"
    assert windows_left(config) == [], "the windows' takes (the caller's voice) are deleted"


def test_a_caller_who_talks_over_the_first_option_then_stays_silent_is_not_lost(asterisk, ivr_running, tmp_path):
    """'Allô? Allô?' as the line answers, over its first option, then nothing: that is no
    choice, the menu goes on (every option, the complaints offer, the second round), and
    the caller reaches the beep in the default language and leaves an alert."""
    config = asterisk.config
    before = last_alert_id(config)
    hello = say("Allô? Allô? Habari?", "fr", tmp_path / "hello.wav")
    heard = tmp_path / "heard.wav"
    script = (f"wait 0.3; play {hello}; wait silence 30; wait beep 150; play {speech(tmp_path, 'sw', 3.0)}; "
              "dtmf #; wait silence 30; hangup")
    result = asterisk.call(EXTEN_ALERT, "test-phone-8", script, record=heard, timeout=240)
    assert result.ok, (result.events, ivr_running.log()[-3000:])
    played = next(at for at, text in result.events if text.startswith("played hello"))
    quiet = next(at for at, text in result.events if text == "the line stopped talking")
    assert played < quiet, "the words ended while the first option still played"
    print(f"\nsilent caller (after talking over the first option): answer to beep {answer_to_beep(result)} s")
    offers = [heard_at(config, heard, lang, "complaint_option") for lang in OPTIONS]
    assert None not in offers, "the whole first round was played"
    welcome = heard_at(config, heard, config.ivr.default_language, "welcome")
    assert welcome is not None and welcome > offers[-1]
    (alert,) = newest_alerts(config, before)
    assert alert["language"] == config.ivr.default_language and alert["flags"] == []
    assert windows_left(config) == []


def test_a_caller_still_talking_as_the_first_window_opens_answers_later_by_voice(asterisk, ivr_running, tmp_path):
    """'Allô, allô, qui est à l'appareil...' over the first option and on into its window is
    no choice of Kiswahili; the menu goes on, and "français" after the French option counts."""
    config = asterisk.config
    before = last_alert_id(config)
    carried_over = "still talking as a listening window opened"
    logged_before = ivr_running.log().count(carried_over)
    # About 5 s of words: longer than the first option, shorter than it and its window (the
    # phone cannot play while it listens; the IVR's log below proves they reached the window).
    hello = say("Allô, allô, habari, qui est à l'appareil, je ne vous entends pas, allô, vous m'entendez, allô",
                "fr", tmp_path / "hello.wav")
    word = say(SAID["fr"][0], "fr", tmp_path / "word.wav")
    heard = tmp_path / "heard.wav"
    # After the words, the quiet of the first window; then the Lingala and French options, and the answer.
    script = (f"wait 0.3; play {hello}; wait silence 30; wait prompt 60; wait prompt 60; play {word}; wait beep 90; "
              f"play {speech(tmp_path, 'fr', 3.0)}; dtmf #; wait silence 30; hangup")
    result = asterisk.call(EXTEN_ALERT, "test-phone-9", script, record=heard, timeout=180)
    assert result.ok, (result.events, ivr_running.log()[-3000:])
    assert ivr_running.log().count(carried_over) > logged_before, "the talk ran on into the first window"
    (alert,) = newest_alerts(config, before)
    assert alert["language"] == "fr" and alert["flags"] == []
    assert heard_at(config, heard, "fr", "welcome") is not None
    assert heard_at(config, heard, "sw", "welcome") is None and heard_at(config, heard, "sw", "complaint_option") is None
    assert windows_left(config) == []
