"""Call-backs end to end: a pjsua2 phone beeps the real Asterisk, the IVR queues a call-back,
the dialler calls the phone back through AMI and the phone records an alert.

The session's line and IVR are used; the IVR is restarted with fast call-back settings
(environment overrides) for this module, and a dialler runs beside it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import signal
import stat
import subprocess
import sys
from unittest import mock

import numpy as np
import pytest

from core import secrets
from core.dialplan import EXTEN_ALERT, EXTEN_BEEP, SPOOL_BEEPS
from core.identity import pseudonym
from core.model import Source, Status
from core.store import Store
from core.store.callbacks import CallbackKind, CallbackState
import phone
from tests.audio_match import normalised_xcorr
from tests.fixtures.asterisk import read_wav, rms, wait_for
from tests.fixtures.web import add_users, login
from core import prompts
from tests.test_ivr_e2e import KEYS, heard_digits, last_alert_id, newest_alerts, speech

pytestmark = pytest.mark.asterisk

DELAY = 2
MAX_ATTEMPTS = 2
RING_SECONDS = 8
RETRY_SECONDS = 1
FAST = {
    "SAUTI_DIALLER_CALLBACK_DELAY_SECONDS": str(DELAY),
    "SAUTI_DIALLER_RETRY_SPACING_SECONDS": str(RETRY_SECONDS),
    "SAUTI_DIALLER_MAX_ATTEMPTS": str(MAX_ATTEMPTS),
    "SAUTI_DIALLER_RING_SECONDS": str(RING_SECONDS),
    "SAUTI_DIALLER_CALLING_HOURS": "00:00-24:00",
}


class DiallerProcess:
    def __init__(self, config):
        self.config = config
        self.log_path = config.data_dir / "dialler-test.log"
        with open(self.log_path, "a") as log, mock.patch.dict(os.environ, FAST):
            self.proc = subprocess.Popen([sys.executable, "-m", "sauti", "--data", str(config.data_dir), "dialler"],
                                         stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        wait_for(lambda: "AMI logged in" in self.log() or self.proc.poll() is not None, 30, "the dialler")
        assert self.proc.poll() is None, self.log()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=30)


@contextlib.contextmanager
def dialler_beside(asterisk, ivr_process, settings: dict):
    """The IVR restarted with `settings` (fast timings) and a dialler beside it."""
    ivr_process.stop()
    with mock.patch.dict(os.environ, settings):
        ivr_process.start()
        process = DiallerProcess(asterisk.config)
    try:
        yield process
    finally:
        process.stop()
        ivr_process.stop()
        ivr_process.start()  # back to the installation's own settings for the rest of the session


@pytest.fixture(scope="module")
def dialler(asterisk, ivr_process):
    with dialler_beside(asterisk, ivr_process, FAST) as process:
        yield process


def caller_of(config, endpoint: str) -> str:
    return pseudonym(secrets.pseudonym_key(config), endpoint)


def callbacks_of(config, endpoint: str) -> list[dict]:
    with Store.open(config.db_path) as store:
        return store.callbacks_for_caller(caller_of(config, endpoint))


def share_heard(heard, prompt, rate: int, piece: float = 0.5) -> float:
    """The share of the prompt's voiced half-seconds found in `heard` by cross-correlation.

    Piece by piece, because on a loaded machine the phone's jitter buffer may drop or
    stretch a frame, shifting the rest of a long prompt.
    """
    size = int(rate * piece)
    pieces = [prompt[i: i + size] for i in range(0, len(prompt) - size, size)]
    voiced = [p for p in pieces if np.sqrt(np.mean(p ** 2)) > 0.01]
    return sum(normalised_xcorr(heard, p).max() > 0.9 for p in voiced) / len(voiced)


def contact_kept(config, endpoint: str) -> bool:
    with Store.open(config.db_path) as store:
        return store.conn.execute("SELECT count(*) FROM contacts WHERE caller_pseudonym = ?",
                                  (caller_of(config, endpoint),)).fetchone()[0] > 0


def beep(asterisk, endpoint: str) -> phone.CallResult:
    result = asterisk.call(EXTEN_BEEP, endpoint, answer_timeout=15, timeout=40)
    assert not result.answered, result.events
    assert result.status_code >= 400, "rejected, not left ringing"
    return result


def registered(asterisk, endpoint: str) -> bool:
    return f"{endpoint}/sip:" in asterisk.cli("pjsip show contacts")


def test_a_beep_is_called_back_and_the_alert_is_linked_to_it(asterisk, dialler, tmp_path):
    config = asterisk.config
    endpoint = "test-phone-17"
    before = last_alert_id(config)
    hello = seconds_of(config, config.ivr.default_language, "callback_hello")
    # The opening and the whole menu, then the key in the menu's pause.
    script = f"wait silence; dtmf 3; wait beep; play {speech(tmp_path, 'fr', 4.0)}; dtmf #; wait 1; hangup"
    heard = tmp_path / "heard.wav"
    waiting = phone.start_answering(config, endpoint, script=script, record=heard, wait_timeout=90)
    try:
        wait_for(lambda: registered(asterisk, endpoint), 15, f"{endpoint} to register")
        beep(asterisk, endpoint)
        result = waiting.result(timeout=150)
    finally:
        waiting.kill()
    assert result.answered and not result.premature_hangup, (result.events, dialler.log()[-2000:])
    (alert,) = wait_for(lambda: newest_alerts(config, before), 20, "the call-back's alert")

    def linked():
        with Store.open(config.db_path) as store:
            return [e for e in store.audit_entries("alert", alert["id"]) if e["action"] == "callback_linked"]

    # The IVR ties the alert to the beep once the call is over; then it is in the alert's history.
    (entry,) = wait_for(linked, 10, "the link to the beep in the alert's history")
    (alert,) = newest_alerts(config, before)
    assert alert["source"] == Source.CALLBACK and alert["language"] == "fr"
    assert alert["caller_pseudonym"] == caller_of(config, endpoint)
    assert rms(config.data_dir / alert["recordings"][0]["path"]) > 0.02
    with Store.open(config.db_path) as store:
        (callback,) = store.callbacks_for_alert(alert["id"])
        beep_call = store.get_call(callback["beep_call_id"])
        (attempt,) = store.callback_attempts(callback["id"])
    assert entry["after"]["beep_call_id"] == callback["beep_call_id"]
    # Called back after the configured delay, give or take the dialler's one-second tick.
    waited = (dt.datetime.fromisoformat(attempt["started_at"]) - dt.datetime.fromisoformat(beep_call["ended_at"]))
    assert DELAY - 0.1 <= waited.total_seconds() <= DELAY + 2, waited
    wait_for(lambda: not contact_kept(config, endpoint), 10, "the number to be deleted once the call-back is over")
    assert callback["kind"] == CallbackKind.CALLBACK and callback["state"] == CallbackState.ANSWERED
    assert beep_call["source"] == Source.BEEP and beep_call["caller_pseudonym"] == alert["caller_pseudonym"]
    # The phone heard who was calling first: the call-back's opening, by cross-correlation.
    samples, rate = read_wav(heard)
    opening, _ = read_wav(config.prompts_dir / config.ivr.default_language / "callback_hello.wav")
    assert share_heard(samples[: int(rate * (hello + 2))], opening, rate) >= 0.8, "the opening, first"


def test_an_unanswered_call_back_is_retried_then_given_up(asterisk, dialler, tmp_path):
    """The phone rings each time (`sauti phone --ignore-calls`) and nobody answers."""
    endpoint = "test-phone-18"
    output = tmp_path / "phone.log"
    with open(output, "w") as log:
        ringing = subprocess.Popen([sys.executable, "-m", "sauti", "--data", str(asterisk.config.data_dir), "phone",
                                    "--as", endpoint, "--ignore-calls", "9", "--wait", "90"],
                                   stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        wait_for(lambda: registered(asterisk, endpoint), 15, f"{endpoint} to register")
        beep(asterisk, endpoint)
        (callback,) = wait_for(lambda: [c for c in callbacks_of(asterisk.config, endpoint)
                                        if c["state"] == CallbackState.GIVEN_UP], 90, "the call-back to be given up")
    finally:
        ringing.terminate()
        ringing.wait(timeout=30)
    assert callback["attempts"] == MAX_ATTEMPTS
    with Store.open(asterisk.config.db_path) as store:
        attempts = store.callback_attempts(callback["id"])
    assert [a["result"] for a in attempts] == ["no_answer"] * MAX_ATTEMPTS
    assert output.read_text().count("letting it ring") == MAX_ATTEMPTS, output.read_text()
    assert not contact_kept(asterisk.config, endpoint), "the number is deleted once its last call-back is done"
    # Spaced: the retry started after the first attempt had rung out (ring time, then the spacing).
    first, second = (dt.datetime.fromisoformat(a["started_at"]) for a in attempts)
    assert (second - first).total_seconds() >= RING_SECONDS + RETRY_SECONDS


def test_a_flood_of_beeps_from_one_number_gets_one_call_back(asterisk, dialler):
    endpoint = "test-phone-19"
    calls = [asterisk.start_call(EXTEN_BEEP, endpoint, answer_timeout=15) for _ in range(6)]
    results = [call.result(timeout=60) for call in calls]
    assert not any(r.answered for r in results)
    with Store.open(asterisk.config.db_path) as store:
        beeps = store.conn.execute("SELECT count(*) FROM calls WHERE source = 'beep' AND caller_pseudonym = ?",
                                   (caller_of(asterisk.config, endpoint),)).fetchone()[0]
    assert beeps == 6
    assert len(callbacks_of(asterisk.config, endpoint)) == 1


def seconds_of(config, language: str, *prompt_ids: str) -> float:
    """How long the given prompts last (to judge what the phone heard, never to time a script)."""
    return sum(phone.wav_seconds(prompts.audio_path(config.prompts_dir, language, p)) for p in prompt_ids)


def accepting_script(tmp_path, language: str) -> str:
    """An alert with locality 4021, then `1` once the line has offered the acknowledgement
    (the read-backs, the offer, then the line waits for the key)."""
    return (f"wait 1; dtmf {KEYS[language]}; wait beep; play {speech(tmp_path, language, 4.0)}; dtmf #; "
            f"wait silence; dtmf 4021#; wait silence; dtmf 1; listen 15; hangup")


def test_an_acknowledgement_reaches_the_phone_that_accepted_it(asterisk, dialler, tmp_path):
    config = asterisk.config
    endpoint, language = "test-phone-16", "fr"
    before = last_alert_id(config)
    result = asterisk.call(EXTEN_ALERT, endpoint, accepting_script(tmp_path, language), timeout=150)
    assert result.answered, result.events
    (alert,) = wait_for(lambda: newest_alerts(config, before), 20, "the alert")
    (ack,) = wait_for(lambda: [c for c in callbacks_of(config, endpoint) if c["alert_id"] == alert["id"]],
                      10, "the acknowledgement the caller accepted")
    assert ack["kind"] == CallbackKind.ACKNOWLEDGEMENT and ack["state"] == CallbackState.WAITING

    heard = tmp_path / "acknowledgement.wav"
    waiting = phone.start_answering(config, endpoint, script="listen 60", record=heard, wait_timeout=90)
    try:
        wait_for(lambda: registered(asterisk, endpoint), 15, f"{endpoint} to register")
        with Store.open(config.db_path) as store:
            store.set_status(alert["id"], Status.ESCALATED, actor="supervisor-test")
        answered = waiting.result(timeout=120)
    finally:
        waiting.kill()
    assert answered.answered and answered.remote_hangup, (answered.events, dialler.log()[-2000:])

    samples, rate = read_wav(heard)
    message, _ = read_wav(config.prompts_dir / language / "acknowledgement.wav")
    expected = (seconds_of(config, language, "acknowledgement", "goodbye")
                + sum(seconds_of(config, language, f"digit_{d}") for d in alert["reference"]))
    assert expected - 1.5 <= len(samples) / rate <= expected + 5, (len(samples) / rate, expected)
    assert rms(heard) > 0.02, "a message, not silence"
    assert share_heard(samples[: rate * 9], message, rate) >= 0.8, "the acknowledgement prompt, first"
    assert alert["reference"] in heard_digits(config, language, heard)
    with Store.open(config.db_path) as store:
        done = store.get_callback(ack["id"])
        history = [e["action"] for e in store.audit_entries("alert", alert["id"])]
    assert done["state"] == CallbackState.ANSWERED and done["last_result"] == "delivered"
    assert "acknowledgement_delivered" in history
    assert not contact_kept(config, endpoint)


def test_the_console_shows_calls_in_progress_from_asterisk_events(asterisk, dialler):
    from web import create_app

    config = asterisk.config
    with Store.open(config.db_path) as store:
        if store.get_user("vera") is None:
            add_users(store)
    client = create_app({"SAUTI_CONFIG": config, "TESTING": True}).test_client()
    login(client, "vera")
    running = asterisk.start_call(EXTEN_ALERT, "test-phone-15", "wait 1; dtmf 2; listen 20; hangup")
    try:
        def live():
            with Store.open(config.db_path) as store:
                return store.live_calls()

        (call,) = wait_for(lambda: [c for c in live() if c["step"] in ("welcome", "recording")], 30,
                           "the call's flow step on the live page")
        assert call["source"] == "phone"
        page = client.get("/live/").get_data(as_text=True)
        assert "Téléphone" in page and ("accueil" in page or "enregistrement" in page)
        assert 'http-equiv="refresh"' in page
        assert "test-phone-15" not in page and "PJSIP" not in page
    finally:
        result = running.result(timeout=60)
    assert result.answered
    wait_for(lambda: live() == [], 15, "the call to leave the live page once it hangs up")


def test_a_beep_while_the_ivr_is_down_is_noted_and_called_back(asterisk, dialler, ivr_process, tmp_path):
    """The beep line's failure path notes the beep; the IVR queues its call-back once it runs."""
    config = asterisk.config
    endpoint = "test-phone-19"
    notes = config.spool_dir / SPOOL_BEEPS
    earlier = {c["id"] for c in callbacks_of(config, endpoint)}

    def new_callbacks():
        return [c for c in callbacks_of(config, endpoint) if c["id"] not in earlier]

    ivr_process.stop()
    waiting = phone.start_answering(config, endpoint, script="wait silence; hangup", wait_timeout=120)
    try:
        wait_for(lambda: registered(asterisk, endpoint), 15, f"{endpoint} to register")
        beep(asterisk, endpoint)  # held ringing for [ivr] hold_seconds, then rejected: still free for the caller
        (note,) = wait_for(lambda: [m for m in notes.glob("*.meta") if "noted=" in m.read_text()], 10,
                           "the beep line's note of the beep")
        assert stat.S_IMODE(note.stat().st_mode) == 0o600, "it holds the number: the owner's alone"
        assert new_callbacks() == [], "nothing queued while the IVR is down"
        with mock.patch.dict(os.environ, FAST):
            ivr_process.start()
        (callback,) = wait_for(new_callbacks, 20, "the IVR to queue the noted beep's call-back")
        assert not note.exists(), "the number in clear leaves the disk once the beep is noted"
        result = waiting.result(timeout=150)
    finally:
        waiting.kill()
    assert result.answered, (result.events, dialler.log()[-2000:])
    with Store.open(config.db_path) as store:
        beep_call = store.get_call(callback["beep_call_id"])
    assert beep_call["source"] == Source.BEEP and beep_call["uniqueid"] == note.stem
    assert beep_call["caller_pseudonym"] == caller_of(config, endpoint)
    wait_for(lambda: new_callbacks()[0]["state"] == CallbackState.ANSWERED, 30,
             "the call-back answered")
