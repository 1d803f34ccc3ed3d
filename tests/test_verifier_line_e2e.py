"""The verifier line end to end, through the real Asterisk with pjsua2 phones.

A verifier covering the territory of Beni calls 520, keys a wrong PIN, then the right one, and
hears the two alerts of her area that nobody holds (their recordings found in what the phone
heard by cross-correlation): she verifies the first and records a spoken note on the second.
An alert of Beni claimed in the console and one of another territory are not offered. The
store, the audit and the alert pages show both with the channel. Then, on a second call, she
hangs up while an alert's recording plays: its claim is released, and the console takes it.
"""

from __future__ import annotations

import datetime as dt
import shutil

import numpy as np
import pytest

from core.committees import VERIFIER_PINS, PinHasher
from core.dialplan import EXTEN_VERIFIER
from core.model import Status
from core.store import Store
from tests.audio_match import normalised_xcorr
from tests.fixtures.asterisk import PRIVATE_PORTS, free_ports, read_wav, say, wait_for
from tests.fixtures.audio import write_wav
from tests.fixtures.ivr import private_line
from tests.fixtures.web import add_users, login, make_alert, post
from tests.test_ivr_callers_e2e import heard_at

pytestmark = pytest.mark.asterisk

PIN = "730416"
FRENCH = "wait 1; dtmf 3; wait silence"   # the language menu: French; then the PIN prompt has played
VERIFIER_PHONE = "test-phone-5"


@pytest.fixture(scope="module")
def verifier_line(tmp_path_factory, asterisk_prompts):
    with private_line(tmp_path_factory.mktemp("verifier-line") / "data", asterisk_prompts,
                      free_ports(PRIVATE_PORTS)) as started:
        yield started


def alert_with(store, config, audio, locality: str, priority: float) -> int:
    alert = make_alert(store, config, locality=locality, priority=priority, write_audio=False)
    (recording,) = store.recordings_for(alert["id"])
    target = config.data_dir / recording["path"]
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(audio, target)
    return alert["id"]


def found_in(heard, audio) -> float:
    """The best normalised cross-correlation of the audio's middle 1.5 s in what the phone heard."""
    samples, rate = read_wav(heard)
    template, _ = read_wav(audio)
    middle = len(template) // 2
    return float(normalised_xcorr(samples, template[middle - 3 * rate // 4: middle + 3 * rate // 4]).max())


def claimed_by(config, alert_id: int) -> str | None:
    with Store.open(config.db_path) as store:
        return store.get_alert(alert_id)["claimed_by"]


def console(config):
    from web import create_app

    app = create_app({"SAUTI_CONFIG": config, "TESTING": True})
    return app.test_client()


def test_a_verifier_hears_and_decides_the_alerts_of_her_area_by_phone(verifier_line, tmp_path):
    line, ivr = verifier_line
    config = line.config
    first = say("Watu wenye silaha wameonekana karibu na shule ya Kalunguta asubuhi.", "sw", tmp_path / "first.wav")
    second = say("Nyumba tatu zimechomwa moto usiku wa jana karibu na mto.", "sw", tmp_path / "second.wav")
    other = say("Hommes armés vus près du marché de Bunia ce soir.", "fr", tmp_path / "other.wav")
    note = say("Je connais ce village. Il faut appeler le chef de poste.", "fr", tmp_path / "note.wav")
    with Store.open(config.db_path) as store:
        add_users(store)
        store.add_locality("4021", "Kalunguta", "Beni")
        store.add_locality("5001", "Bunia", "Irumu")
        store.set_user_areas("vera", [("territory", "Beni")], "ada")
        store.set_phone_pin("vera", PinHasher.from_config(config, VERIFIER_PINS).hash(PIN), "ada")
        verified = alert_with(store, config, first, "4021", priority=9)
        noted = alert_with(store, config, second, "4021", priority=5)
        held = alert_with(store, config, other, "4021", priority=8)
        elsewhere = alert_with(store, config, other, "5001", priority=10)
    sam = console(config)
    login(sam, "sam")
    assert post(sam, f"/alerts/{held}/claim", json=True).status_code == 200, "claimed in the console"

    heard = tmp_path / "verifier.wav"
    script = (f"{FRENCH}; dtmf 111111#; wait silence; dtmf {PIN}#; "
              "wait silence 120; dtmf 1; "                        # the first alert heard: verified
              "wait silence 120; dtmf 5; wait beep; "             # the second heard: a spoken note
              f"play {note}; dtmf #; wait silence 60; dtmf 9; "   # then on to the next: there is none
              "listen 30; hangup")
    result = line.call(EXTEN_VERIFIER, VERIFIER_PHONE, script, record=heard, timeout=300)
    assert result.ok and result.remote_hangup, (result.events, ivr.log()[-3000:])

    with Store.open(config.db_path) as store:
        assert store.committee_wrong_pins(dt.datetime.now(dt.timezone.utc), 60, "verifier") == 1
        assert store.get_alert(verified)["status"] == Status.VERIFIED.value
        assert store.get_alert(noted)["status"] == Status.NEW.value
        assert store.get_alert(noted)["claimed_by"] is None, "moving on released it"
        assert store.get_alert(held)["claimed_by"] == "sam" and store.get_alert(held)["status"] == Status.NEW.value
        phone = {alert_id: [(e["actor"], e["action"]) for e in reversed(store.audit_entries("alert", alert_id))
                            if e["channel"] == "phone"] for alert_id in (verified, noted, held, elsewhere)}
        (spoken,) = store.notes_for(noted)
    assert phone == {verified: [("vera", "claim"), ("vera", "status")],
                     noted: [("vera", "claim"), ("vera", "note"), ("vera", "release")], held: [], elsewhere: []}

    # What the phone heard: the PIN asked again, both recordings, none of the alerts not offered.
    assert heard_at(config, heard, "fr", "committee_pin_wrong") is not None
    assert found_in(heard, first) > 0.8 and found_in(heard, second) > 0.8
    assert found_in(heard, other) < 0.5, "neither the console's alert nor the other territory's"
    assert heard_at(config, heard, "fr", "verifier_none") is not None
    # The note kept is the verifier's own voice, played on the alert's page.
    assert spoken["author"] == "vera" and found_in(config.data_dir / spoken["recording_path"], note) > 0.8

    pages = {alert_id: sam.get(f"/alerts/{alert_id}").get_data(as_text=True) for alert_id in (verified, noted)}
    assert "vera · par téléphone" in pages[verified] and "vera · par téléphone" in pages[noted]
    audio = f"/alerts/{noted}/notes/{spoken['id']}/audio"
    assert audio in pages[noted]
    with sam.get(audio) as response:
        assert response.status_code == 200 and response.data[:4] == b"RIFF"
    audit = sam.get("/admin/audit?actor=vera").get_data(as_text=True)
    assert audit.count("vera · par téléphone") == 5
    log = ivr.log()
    assert "Traceback" not in log, log[-5000:]


def test_a_hang_up_during_an_alert_releases_its_claim_at_once(verifier_line, tmp_path):
    line, ivr = verifier_line
    config = line.config
    # A recording with a steady tone in its middle: the phone hangs up as it ends, mid-alert.
    words, rate = read_wav(say("Watu wenye silaha wameonekana barabarani.", "sw", tmp_path / "words.wav"))
    tone = 0.3 * np.sin(2 * np.pi * 1000 * np.arange(int(0.5 * rate)) / rate)
    samples = (np.concatenate([words, tone, words]) * 32767).astype(np.int16)
    cut = write_wav(tmp_path / "cut.wav", samples, rate)
    with Store.open(config.db_path) as store:
        add_users(store)
        store.add_locality("4021", "Kalunguta", "Beni")
        store.set_user_areas("vera", [("territory", "Beni")], "ada")
        store.set_phone_pin("vera", PinHasher.from_config(config, VERIFIER_PINS).hash(PIN), "ada")
        alert_id = alert_with(store, config, cut, "4021", priority=10)

    result = line.call(EXTEN_VERIFIER, VERIFIER_PHONE, f"{FRENCH}; dtmf {PIN}#; wait beep 120; hangup", timeout=180)
    assert result.ok, (result.events, ivr.log()[-3000:])
    wait_for(lambda: claimed_by(config, alert_id) is None, 10, "the claim released")
    with Store.open(config.db_path) as store:
        actions = [(e["actor"], e["action"], e["channel"]) for e in reversed(store.audit_entries("alert", alert_id))]
        assert store.get_alert(alert_id)["status"] == Status.NEW.value
    assert actions[-2:] == [("vera", "claim", "phone"), ("vera", "release", "phone")]
    sam = console(config)
    login(sam, "sam")
    assert post(sam, f"/alerts/{alert_id}/claim", json=True).status_code == 200, "the console takes it at once"
