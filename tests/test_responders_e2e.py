"""Responders and communities end to end, through the real Asterisk with pjsua2 phones.

- Escalation: the dialler calls the responders of the alert's locality; the first (left ringing) does not
  answer, the second hears the alert with the caller's own recording and confirms with 1.
- Responses by phone: extension 500, the reference keyed, the response spoken.
- A voice alert to three focal points: one listens to the end and replies (2), one rejects busy, one does
  not answer; retries as configured.

The session's line and IVR are used; a dialler with short ring times and retries runs beside them.
"""

from __future__ import annotations

import shutil

import pytest

from core import directory
from core.directory import NumberSeal
from core.dialplan import EXTEN_BROADCAST_RECORD, EXTEN_RESPONSE
from core.model import Status
from core.store import Store
import phone
from tests.audio_match import normalised_xcorr
from tests.fixtures.asterisk import read_wav, wait_for
from tests.fixtures.web import make_alert
from tests.test_dialler_callbacks import dialler_beside, registered
from tests.test_ivr_e2e import speech

pytestmark = pytest.mark.asterisk

RING_SECONDS = 6
UNANSWERED, CONFIRMING = "test-phone-12", "test-phone-13"
LOCALITY = "4021"
BROADCAST_ATTEMPTS = 2
FAST = {"SAUTI_RESPONSES_RESPONDER_RING_SECONDS": str(RING_SECONDS),
        "SAUTI_BROADCASTS_RING_SECONDS": str(RING_SECONDS), "SAUTI_BROADCASTS_RETRY_SECONDS": "1",
        "SAUTI_BROADCASTS_MAX_ATTEMPTS": str(BROADCAST_ATTEMPTS), "SAUTI_BROADCASTS_CONCURRENCY": "2",
        "SAUTI_BROADCASTS_PIN": "4242"}
LISTENER, BUSY, AWAY = "test-phone-10", "test-phone-11", "test-phone-20"


@pytest.fixture(scope="module")
def dialler(asterisk, ivr_process):
    with dialler_beside(asterisk, ivr_process, FAST) as process:
        yield process


def test_the_second_responder_confirms_and_hears_the_callers_recording(asterisk, dialler, tmp_path):
    config = asterisk.config
    with Store.open(config.db_path) as store:
        store.import_directory(directory.read_csv(
            "kind,name,localities,language,order,number\n"
            f"responder,Base A,{LOCALITY},fr,1,{UNANSWERED}\n"
            f"responder,Base B,{LOCALITY},fr,2,{CONFIRMING}\n"), NumberSeal.from_config(config).seal, "test")
        alert = make_alert(store, config, locality=LOCALITY, write_audio=False, seconds=3.0)
        caller_audio = speech(tmp_path, "sw", 3.0, name="caller")
        (recording,) = store.recordings_for(alert["id"])
        shutil.copy(caller_audio, config.data_dir / recording["path"])
        store.set_status(alert["id"], Status.VERIFIED, actor="vera")

    heard = tmp_path / "responder-b.wav"
    ringing = phone.start_answering(config, UNANSWERED, script="", ignore_calls=9, wait_timeout=60)
    # The line asks twice for the key: pressed once it has spoken and fallen quiet after the recording.
    answering = phone.start_answering(
        config, CONFIRMING, record=heard, wait_timeout=90,
        script="wait silence 60; dtmf 1; wait silence 30; dtmf 1; wait silence 30; dtmf 1; listen 10")
    try:
        wait_for(lambda: registered(asterisk, UNANSWERED) and registered(asterisk, CONFIRMING), 15, "the phones")
        with Store.open(config.db_path) as store:
            store.set_status(alert["id"], Status.ESCALATED, actor="sam")
        calls = wait_for(lambda: [c for c in calls_of(config, alert["id"]) if c["state"] == "confirmed"] and
                         calls_of(config, alert["id"]), 120, "the second responder to confirm")
        answering.result(timeout=60)
    finally:
        answering.kill()
        ringing.kill()
    assert [(c["name"], c["state"], c["result"]) for c in calls] == [
        ("Base A", "no_answer", "no_answer"), ("Base B", "confirmed", "confirmed")], dialler.log()[-2000:]
    with Store.open(config.db_path) as store:
        history = [(e["action"], (e["after"] or {}).get("result")) for e in store.audit_entries("alert", alert["id"])]
        assert store.alert_timeline(alert["id"]).times.get("responder_reached")
    responder_steps = [h for h in reversed(history) if h[0].startswith("responder")]
    assert responder_steps == [("responders_queued", None), ("responder_call", "no_answer"),
                               ("responder_answered", None), ("responder_confirmed", "confirmed")]
    samples, rate = read_wav(heard)
    caller, _ = read_wav(caller_audio)
    match = normalised_xcorr(samples, caller[rate // 2: rate * 5 // 2])
    assert match.max() > 0.8, f"the caller's recording, through the line: {match.max():.2f}"


def calls_of(config, alert_id: int) -> list[dict]:
    with Store.open(config.db_path) as store:
        return store.responder_calls_for(alert_id)


def test_a_responder_keys_the_reference_and_speaks_the_response(asterisk, dialler, tmp_path):
    config = asterisk.config
    with Store.open(config.db_path) as store:
        alert = make_alert(store, config, locality=LOCALITY)
    spoken = speech(tmp_path, "fr", 3.0, name="response")
    script = (f"wait 1; dtmf 3; wait silence; dtmf {alert['reference']}#; wait beep; play {spoken}; dtmf #; "
              "wait silence; hangup")
    result = asterisk.call(EXTEN_RESPONSE, "test-phone-14", script, timeout=90)
    assert result.answered, result.events
    (response,) = wait_for(lambda: responses_of(config, alert["id"]), 15, "the response by phone")
    assert (response["source"], response["outcome"], response["recorded_by"].startswith("phone:")) == (
        "phone", "spoken", True)
    assert "test-phone-14" not in response["recorded_by"]
    kept, rate = read_wav(config.data_dir / response["recording_path"])
    said, _ = read_wav(spoken)
    assert 2.0 < len(kept) / rate < 5.0 and normalised_xcorr(kept, said[rate // 2: rate * 2]).max() > 0.8


def responses_of(config, alert_id: int) -> list[dict]:
    with Store.open(config.db_path) as store:
        return store.responses_for(alert_id)


def test_a_voice_alert_reaches_three_focal_points_and_a_reply_becomes_an_alert(asterisk, dialler, tmp_path):
    config = asterisk.config
    message = speech(tmp_path, "fr", 3.0, name="message")
    (config.data_dir / "broadcasts").mkdir(exist_ok=True)
    shutil.copy(message, config.data_dir / "broadcasts" / "drill.wav")
    reply = speech(tmp_path, "sw", 3.0, name="reply")
    heard = tmp_path / "listener.wav"
    phones = [
        phone.start_answering(config, LISTENER, record=heard, wait_timeout=90,
                              script=f"wait silence 60; dtmf 2; wait beep 20; play {reply}; dtmf #; wait silence 20"),
        phone.start_answering(config, BUSY, script="", busy_calls=9, wait_timeout=90),
        phone.start_answering(config, AWAY, script="", ignore_calls=9, wait_timeout=90),
    ]
    try:
        wait_for(lambda: all(registered(asterisk, p) for p in (LISTENER, BUSY, AWAY)), 15, "the phones")
        with Store.open(config.db_path) as store:
            store.import_directory(directory.read_csv(
                "kind,name,localities,language,order,number\n"
                f"focal_point,Listener,7001,fr,1,{LISTENER}\n"
                f"focal_point,Busy,7001,fr,1,{BUSY}\n"
                f"focal_point,Away,7001 7002,fr,1,{AWAY}\n"), NumberSeal.from_config(config).seal, "test")
            broadcast_id = store.create_broadcast("broadcasts/drill.wav", ["7001"], "sam")
        done = wait_for(lambda: all(d["state"] not in ("waiting", "calling", "answered") for d in
                                    deliveries_of(config, broadcast_id)) and deliveries_of(config, broadcast_id)
                        and all(d["answer"] or d["name"] != "Listener" for d in deliveries_of(config, broadcast_id)),
                        150, "every delivery to end")
        phones[0].result(timeout=60)   # the listener's recording is whole once its call is over
    finally:
        for running in phones:
            running.kill()
    states = {d["name"]: (d["state"], d["attempts"], d["results"], d["answer"]) for d in deliveries_of(
        config, broadcast_id)}
    assert states == {"Listener": ("listened", 1, ["answered"], "replied"),
                      "Busy": ("busy", BROADCAST_ATTEMPTS, ["busy"] * BROADCAST_ATTEMPTS, None),
                      "Away": ("no_answer", BROADCAST_ATTEMPTS, ["no_answer"] * BROADCAST_ATTEMPTS, None)}, (
        done, dialler.log()[-3000:])
    (listener,) = [d for d in deliveries_of(config, broadcast_id) if d["name"] == "Listener"]
    with Store.open(config.db_path) as store:
        alert = store.get_alert(listener["reply_alert_id"])
        assert store.broadcast_of_reply(alert["id"]) == broadcast_id and alert["locality"] == "7001"
        (recording,) = store.recordings_for(alert["id"])
    kept, rate = read_wav(config.data_dir / recording["path"])
    said, _ = read_wav(reply)
    assert normalised_xcorr(kept, said[rate // 2: rate * 2]).max() > 0.8, "the reply, as the focal point spoke it"
    samples, _ = read_wav(heard)
    sent, _ = read_wav(message)
    assert normalised_xcorr(samples, sent[rate // 2: rate * 2]).max() > 0.8, "the message, heard by the focal point"


def deliveries_of(config, broadcast_id: int) -> list[dict]:
    with Store.open(config.db_path) as store:
        return store.deliveries(broadcast_id)


def test_a_supervisor_records_a_voice_alert_by_phone(asterisk, dialler, tmp_path):
    config = asterisk.config
    folder = config.data_dir / "broadcasts"
    before = set(folder.glob("*.wav")) if folder.exists() else set()
    spoken = speech(tmp_path, "fr", 3.0, name="voice-alert")
    script = f"wait silence; dtmf 4242#; wait beep; play {spoken}; dtmf #; wait silence; hangup"
    result = asterisk.call(EXTEN_BROADCAST_RECORD, "test-phone-14", script, timeout=90)
    assert result.answered, result.events
    (recorded,) = wait_for(lambda: set(folder.glob("*.wav")) - before, 15, "the message")
    kept, rate = read_wav(recorded)
    said, _ = read_wav(spoken)
    assert normalised_xcorr(kept, said[rate // 2: rate * 2]).max() > 0.8, "the supervisor's message"
    with Store.open(config.db_path) as store:
        (entry,) = [e for e in store.audit_entries("broadcast_message") if e["after"]["path"].endswith(recorded.name)]
    assert entry["actor"].startswith("phone:") and "test-phone-14" not in entry["actor"]
