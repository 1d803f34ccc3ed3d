"""The verifier on duty end to end: the dialler calls the rota of an urgent alert's area through the
real Asterisk; the first on it (a pjsua2 phone left ringing) does not answer, the second answers,
keys his phone PIN, hears the alert and escalates it (a supervisor). The call order and times are
on the alert's page; the decision is the alert's "decided" moment."""

from __future__ import annotations

import shutil

import pytest

import phone
from core.committees import VERIFIER_PINS, PinHasher
from core.directory import NumberSeal
from core.model import Status
from core.store import Store
from tests.fixtures.asterisk import read_wav, wait_for
from tests.fixtures.web import add_users, login, make_alert
from tests.test_dialler_callbacks import dialler_beside, registered
from tests.test_ivr_e2e import speech
from tests.audio_match import normalised_xcorr

pytestmark = pytest.mark.asterisk

RING_SECONDS = 6
AWAY, ON_DUTY = "test-phone-18", "test-phone-19"
LOCALITY = "7301"   # a locality no other test uses: only this test's alert is urgent there
PIN = "915302"
FAST = {"SAUTI_VERIFIERS_DUTY_RING_SECONDS": str(RING_SECONDS), "SAUTI_VERIFIERS_DUTY_PRIORITY": "7"}


@pytest.fixture(scope="module")
def dialler(asterisk, ivr_process):
    with dialler_beside(asterisk, ivr_process, FAST) as process:
        yield process


def duty_calls(config, alert_id: int) -> list[dict]:
    with Store.open(config.db_path) as store:
        return store.duty_calls_for(alert_id)


def test_the_second_verifier_on_duty_answers_and_escalates(asterisk, dialler, tmp_path):
    config = asterisk.config
    seal = NumberSeal.from_config(config).seal
    with Store.open(config.db_path) as store:
        add_users(store)
        store.add_locality(LOCALITY, "Kasugho", "Lubero")
        store.set_duty_number("vera", AWAY, seal, None, "ada")
        store.set_duty_number("sam", ON_DUTY, seal, None, "ada")
        store.set_phone_pin("sam", PinHasher.from_config(config, VERIFIER_PINS).hash(PIN), "ada")
        store.set_duty_rota("territory", "Lubero", ["vera", "sam"], "ada")

    heard = tmp_path / "on-duty.wav"
    ringing = phone.start_answering(config, AWAY, script="", ignore_calls=9, wait_timeout=90)
    # French, the PIN once asked; the alert once the line has said it all and waits; 6 escalates.
    answering = phone.start_answering(
        config, ON_DUTY, record=heard, wait_timeout=120,
        script=f"wait 1; dtmf 3; wait silence 30; dtmf {PIN}#; wait silence 120; dtmf 6; listen 30")
    try:
        wait_for(lambda: registered(asterisk, AWAY) and registered(asterisk, ON_DUTY), 15, "the phones")
        with Store.open(config.db_path) as store:
            alert = make_alert(store, config, locality=LOCALITY, priority=2.0, write_audio=False, seconds=3.0)
            caller_audio = speech(tmp_path, "sw", 3.0, name="caller")
            (recording,) = store.recordings_for(alert["id"])
            shutil.copy(caller_audio, config.data_dir / recording["path"])
            # The full transcript ranks it urgent: only now is the rota called.
            store.set_keywords(alert["id"], alert["keywords"], 9.0)
        wait_for(lambda: duty_calls(config, alert["id"]), 15, "the rota queued")
        answering.result(timeout=150)
    finally:
        answering.kill()
        ringing.kill()
    calls = wait_for(lambda: [c for c in duty_calls(config, alert["id"]) if c["state"] == "reached"]
                     and duty_calls(config, alert["id"]), 30, "the second verifier reached")
    assert [(c["username"], c["state"], c["result"]) for c in calls] == [
        ("vera", "no_answer", "no_answer"), ("sam", "reached", "reached")], dialler.log()[-2000:]
    assert calls[0]["updated_at"] <= calls[1]["updated_at"]
    with Store.open(config.db_path) as store:
        decided = store.get_alert(alert["id"])
        status = [(e["actor"], e["channel"], e["after"]) for e in store.audit_entries("alert", alert["id"])
                  if e["action"] == "status"]
        timeline = store.alert_timeline(alert["id"])
    assert decided["status"] == Status.ESCALATED.value and decided["claimed_by"] is None
    assert status == [("sam", "phone", {"status": "escalated"})]
    assert timeline.times["decided"] == timeline.times["escalated"] and timeline.minutes("received", "decided") < 10
    samples, rate = read_wav(heard)
    caller, _ = read_wav(caller_audio)
    match = normalised_xcorr(samples, caller[rate // 2: rate * 5 // 2])
    assert match.max() > 0.8, f"the caller's recording, heard by the verifier on duty: {match.max():.2f}"

    from web import create_app

    client = create_app({"SAUTI_CONFIG": config, "TESTING": True}).test_client()
    login(client, "sam")
    page = client.get(f"/alerts/{alert['id']}").get_data(as_text=True)
    duty = page.split('class="duty-calls"')[1].split("</ol>")[0]
    assert duty.index("vera: pas de réponse") < duty.index("sam: joint (code tapé)")
    assert duty.count("→") == 2, "each call's times"
