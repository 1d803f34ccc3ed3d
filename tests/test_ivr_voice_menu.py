"""Choosing the language by voice: the menu listens after each option, no speech model.

Against the scripted fake AGI session: what the caller sends in each listening window
(a word, line hiss, nothing, a key) and what the menu makes of it.
"""

from __future__ import annotations

import threading
from dataclasses import replace

import numpy as np
import pytest

from core.dialplan import SPOOL_MENU_WINDOWS
from ivr.flows.alert import alert
from ivr.flows.committee import committee
from ivr.flows.common import forget_menu_windows
from tests.fixtures.audio import silence, speechlike
from tests.fixtures.ivr import hiss

MENU = [("sw", "language_menu"), ("ln", "language_menu"), ("fr", "language_menu")]


def answer(seconds: float) -> np.ndarray:
    """A caller answering an option: quiet as its window opens, then `seconds` of words."""
    return np.concatenate([silence(0.6), speechlike(seconds)])


def menu_of(call) -> list[tuple[str, str]]:
    return [(lang, p) for lang, p in call.played if p in ("language_menu", "complaint_option", "invalid_choice")]


def stored_language(line) -> str:
    return line.db.run(lambda s: s.get_alert(1))["language"]


@pytest.mark.parametrize("language", ["sw", "ln", "fr"])
def test_a_word_in_the_window_after_an_option_chooses_its_language(run_flow, line, language):
    call, error = run_flow(alert, windows={f"{language}/language_menu": [answer(0.6)]},
                           recordings=[speechlike(3.0)])
    assert error is None and stored_language(line) == language
    assert menu_of(call) == MENU[: MENU.index((language, "language_menu")) + 1], "chosen at once, no offer"
    assert call.prompts_in(language)[1:3] == ["welcome", "record_after_beep"]
    window_ms = int(line.config.ivr.menu_voice_seconds * 1000)
    assert [ms for _, ms in call.window_takes] == [window_ms] * (MENU.index((language, "language_menu")) + 1)


def test_the_windows_takes_are_the_callers_voice_deleted_once_examined_off_the_event_loop(
        run_flow, line, wav_reading_threads):
    call, _ = run_flow(alert, windows={"sw/language_menu": [hiss(3.0)], "ln/language_menu": [answer(1.0)]},
                       recordings=[speechlike(3.0)])
    assert len(call.window_takes) == 2
    assert all(path.parent == line.config.spool_dir / SPOOL_MENU_WINDOWS for path, _ in call.window_takes)
    assert not any(path.exists() for path, _ in call.window_takes)
    assert not list((line.config.spool_dir / SPOOL_MENU_WINDOWS).iterdir())
    assert wav_reading_threads and threading.main_thread() not in wav_reading_threads


def test_line_hiss_or_a_click_chooses_nothing(run_flow, line):
    click = speechlike(0.1)
    call, _ = run_flow(alert, windows={"sw/language_menu": [hiss(3.0, level=0.01)], "ln/language_menu": [click]},
                       recordings=[speechlike(3.0)])
    assert stored_language(line) == line.config.ivr.default_language
    assert menu_of(call)[:6] == MENU + [(lang, "complaint_option") for lang in ("sw", "ln", "fr")]
    assert len(call.window_takes) == 3 * line.config.ivr.menu_attempts


def test_a_caller_who_neither_keys_nor_speaks_gets_the_default_after_the_rounds(run_flow, line):
    call, _ = run_flow(alert, recordings=[speechlike(3.0)])
    offers = [(lang, "complaint_option") for lang in ("sw", "ln", "fr")]
    assert menu_of(call) == MENU + offers + MENU * (line.config.ivr.menu_attempts - 1)
    # The pause for a key only after the offers: in the other rounds the last window is the pause.
    assert call.waited_ms[:1] == [4000] and len(call.waited_ms) == 2, call.waited_ms  # and the consent's
    assert stored_language(line) == line.config.ivr.default_language


def test_keys_work_in_the_windows_whatever_option_was_last(run_flow, line):
    call, _ = run_flow(alert, windows={"sw/language_menu": ["3"]}, recordings=[speechlike(3.0)])
    assert stored_language(line) == "fr" and menu_of(call) == MENU[:1]


def test_a_wrong_key_in_a_window_is_explained_and_the_menu_goes_on(run_flow, line):
    call, _ = run_flow(alert, windows={"sw/language_menu": ["7"], "ln/language_menu": [answer(0.8)]},
                       recordings=[speechlike(3.0)])
    assert menu_of(call) == [MENU[0], ("sw", "invalid_choice"), MENU[1]]
    assert stored_language(line) == "ln"


def test_speech_over_a_prompt_is_not_a_choice_only_in_the_window(run_flow, line):
    """The fake's prompts cannot be talked over; what counts is the window: a caller who said
    something while the first option played and then nothing is still offered every option."""
    call, _ = run_flow(alert, windows={"fr/language_menu": [answer(0.5)]}, recordings=[speechlike(3.0)])
    assert menu_of(call) == MENU and stored_language(line) == "fr"


def test_voice_choice_off_is_the_key_menu(run_flow, line):
    line.config = replace(line.config, ivr=replace(line.config.ivr, menu_voice_seconds=0))
    call, _ = run_flow(alert, windows={"ln/language_menu": [answer(1.0)]}, recordings=[speechlike(3.0)])
    assert call.window_takes == [] and stored_language(line) == line.config.ivr.default_language
    assert call.waited_ms[:-1] == [4000] * line.config.ivr.menu_attempts


def test_every_flow_that_asks_the_language_hears_it_spoken(run_flow, line):
    """The shared menu: the committees' line too (no offer there)."""
    call, _ = run_flow(committee, windows={"ln/language_menu": [answer(0.7)]}, keys={"getdata:committee_pin": []})
    assert menu_of(call) == MENU[:2]
    assert "committee_pin" in call.prompts_in("ln")


def test_windows_a_stopped_ivr_left_are_deleted_unread_at_start(line):
    folder = line.config.spool_dir / SPOOL_MENU_WINDOWS
    folder.mkdir(parents=True)
    (folder / "20261126T081500-abc.wav").write_bytes(b"RIFF")
    assert forget_menu_windows(line.config.spool_dir) == 1 and not list(folder.iterdir())
    assert forget_menu_windows(line.config.spool_dir / "nowhere") == 0


def test_a_caller_still_talking_as_the_first_window_opens_has_not_chosen_and_answers_later(run_flow, line):
    """'Hello? Hello? Who is this?' over the first option and on into its window: not
    Kiswahili; the menu goes on and the word after French chooses French."""
    carried_over = np.concatenate([speechlike(1.5), silence(1.5)])
    call, _ = run_flow(alert, windows={"sw/language_menu": [carried_over], "fr/language_menu": [answer(0.7)]},
                       recordings=[speechlike(3.0)])
    assert menu_of(call) == MENU and stored_language(line) == "fr"


def test_a_caller_who_stops_pauses_and_answers_in_the_same_window_has_chosen(run_flow, line):
    carried_then_answered = np.concatenate([speechlike(0.5), silence(0.6), speechlike(0.8), silence(1.1)])
    call, _ = run_flow(alert, windows={"sw/language_menu": [carried_then_answered]}, recordings=[speechlike(3.0)])
    assert menu_of(call) == MENU[:1] and stored_language(line) == "sw"
