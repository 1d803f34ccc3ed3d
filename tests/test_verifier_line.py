"""The verifier line against a scripted call: the PIN, the alerts of the verifier's areas in queue
order, the keys and what each does in the store, with the console's claim rules; the console's
phone PIN and `sauti user phone-pin`."""

from __future__ import annotations

import asyncio

import pytest

from core.committees import VERIFIER_PINS, PinHasher
from core.model import Status
from ivr.agi import HangupError
from ivr.flows.verifier import verifier
from tests.fixtures.audio import speechlike
from tests.fixtures.ivr import FakeCall
from tests.fixtures.web import login, make_alert, post

PIN = "582014"


@pytest.fixture
def beni(fresh_db, config, app):
    """Vera covers Beni; alerts in Beni (one high, one low priority), in Irumu, and one with no locality."""
    fresh_db.add_locality("4021", "Kalunguta", "Beni")
    fresh_db.add_locality("5001", "Bunia", "Irumu")
    fresh_db.set_user_areas("vera", [("territory", "Beni")], "ada")
    hasher = PinHasher.from_config(config, VERIFIER_PINS)
    fresh_db.set_phone_pin("vera", hasher.hash(PIN), "ada")
    fresh_db.set_phone_pin("sam", hasher.hash("582015"), "ada")
    fresh_db.set_user_areas("sam", [("territory", "Beni")], "ada")
    alerts = {"high": make_alert(fresh_db, config, locality="4021", priority=9),
              "low": make_alert(fresh_db, config, locality="4021", priority=2),
              "irumu": make_alert(fresh_db, config, locality="5001", priority=8),
              "nowhere": make_alert(fresh_db, config, locality=None, priority=5)}
    return {name: alert["id"] for name, alert in alerts.items()}


class HangsUpAt(FakeCall):
    """A caller who hangs up as a given prompt starts."""

    def __init__(self, at: str, **kwargs):
        super().__init__(**kwargs)
        self.at = at

    async def stream_file(self, path: str, escape_digits: str = "") -> str:
        if path.endswith("/" + self.at):
            self.hung_up = True
        return await super().stream_file(path, escape_digits)


def phoned(line, keys: list[str], pins=(PIN,), call=None, **script) -> FakeCall:
    """A verifier's call: French, the PIN, then `keys`, one after each verifier_keys prompt."""
    call = call or FakeCall(**script)
    call.keys = {"language_menu": ["3"], "getdata:verifier_pin": list(pins), "verifier_keys": list(keys),
                 **call.keys}
    try:
        asyncio.run(verifier(call, line))
    except HangupError:
        pass
    return call


def status(store, alert_id) -> str:
    return store.get_alert(alert_id)["status"]


def phone_entries(store, alert_id) -> list[tuple]:
    return [(e["actor"], e["action"]) for e in reversed(store.audit_entries("alert", alert_id))
            if e["channel"] == "phone"]


def test_the_verifier_hears_their_areas_in_queue_order_and_decides(line, fresh_db, beni, config):
    call = phoned(line, ["1", "9", "#"])
    said = call.prompts_in("fr")
    assert said[:3] == ["verifier_pin", "verifier_waiting", said[2]], "the count, spoken"
    assert said.count("verifier_alert") == 3, "high, then the alert with no locality, then low; # ends"
    assert said[-1] == "goodbye"
    assert status(fresh_db, beni["high"]) == Status.VERIFIED.value
    assert status(fresh_db, beni["nowhere"]) == Status.NEW.value, "9 moves on"
    assert status(fresh_db, beni["low"]) == Status.NEW.value and status(fresh_db, beni["irumu"]) == Status.NEW.value
    assert phone_entries(fresh_db, beni["high"]) == [("vera", "claim"), ("vera", "status")]
    assert phone_entries(fresh_db, beni["nowhere"]) == [("vera", "claim"), ("vera", "release")]
    assert phone_entries(fresh_db, beni["irumu"]) == [], "not in her areas"
    assert all(fresh_db.get_alert(i)["claimed_by"] is None for i in beni.values()), "nothing left claimed"
    # Each alert: its reference, locality, age, keywords and recording, in that order.
    first = said[said.index("verifier_alert"):said.index("verifier_keys")]
    assert [p for p in first if p.startswith("verifier_") or p == "reference_is"] == [
        "verifier_alert", "reference_is", "verifier_locality", "verifier_received", "verifier_minutes",
        "verifier_keywords", "verifier_recording"]
    reference = fresh_db.get_alert(beni["high"])["reference"]
    assert [p for p in first if p.startswith("digit_")][:len(reference)] == [f"digit_{d}" for d in reference]
    recording = config.data_dir / fresh_db.recordings_for(beni["high"])[0]["path"]
    heard = [p for _, p in call.played]
    assert heard[heard.index("verifier_recording") + 1] == recording.stem, "then the caller's own recording"


def test_false_unverifiable_replay_and_the_end(line, fresh_db, beni):
    call = phoned(line, ["4", "2", "3", "#"])
    assert call.prompts_in("fr").count("verifier_alert") == 4, "replayed once, then three alerts"
    assert status(fresh_db, beni["high"]) == Status.FALSE.value
    assert status(fresh_db, beni["nowhere"]) == Status.UNVERIFIED.value
    assert status(fresh_db, beni["low"]) == Status.NEW.value and fresh_db.get_alert(beni["low"])["claimed_by"] is None


def test_an_alert_claimed_in_the_console_is_not_offered(line, fresh_db, beni):
    assert fresh_db.claim_alert(beni["high"], "sam", 15)
    assert line.db.run(lambda s: s.phone_waiting("vera")) == 2
    phoned(line, ["1", "#"])
    assert status(fresh_db, beni["high"]) == Status.NEW.value and fresh_db.get_alert(beni["high"])["claimed_by"] == "sam"
    assert status(fresh_db, beni["nowhere"]) == Status.VERIFIED.value


def test_a_hang_up_mid_alert_releases_its_claim_at_once(line, fresh_db, beni, client):
    phoned(line, [], call=HangsUpAt("verifier_recording"))
    assert fresh_db.get_alert(beni["high"])["claimed_by"] is None
    assert phone_entries(fresh_db, beni["high"]) == [("vera", "claim"), ("vera", "release")]
    login(client, "sam")
    assert post(client, f"/alerts/{beni['high']}/claim", json=True).status_code == 200, "the console takes it"


def test_a_spoken_note_is_kept_with_its_audio_and_the_alert_stays_claimed(line, fresh_db, beni, config, client):
    call = FakeCall(recordings=[speechlike(2.0)])
    phoned(line, ["5", "9", "#"], call=call)
    (note,) = fresh_db.notes_for(beni["high"])
    assert note["author"] == "vera" and note["recording_path"].startswith("notes/") and note["text"] == ""
    assert (config.data_dir / note["recording_path"]).stat().st_size > 8000
    assert phone_entries(fresh_db, beni["high"]) == [("vera", "claim"), ("vera", "note"), ("vera", "release")]
    assert "verifier_note_saved" in call.prompts_in("fr")
    login(client, "sam")
    page = client.get(f"/alerts/{beni['high']}").get_data(as_text=True)
    audio = f"/alerts/{beni['high']}/notes/{note['id']}/audio"
    assert audio in page and "vera · par téléphone" in page and "<p>Note vocale</p>" in page
    with client.get(audio) as response:
        assert response.status_code == 200 and response.mimetype == "audio/wav" and response.data[:4] == b"RIFF"
    assert client.get(f"/alerts/{beni['low']}/notes/{note['id']}/audio").status_code == 404


def test_escalation_is_for_supervisors(line, fresh_db, beni):
    call = phoned(line, ["6", "#"])
    assert "verifier_cannot_escalate" in call.prompts_in("fr")
    assert status(fresh_db, beni["high"]) == Status.NEW.value
    phoned(line, ["6", "#"], pins=("582015",))
    assert status(fresh_db, beni["high"]) == Status.ESCALATED.value
    assert phone_entries(fresh_db, beni["high"])[-1] == ("sam", "status")


def test_a_wrong_pin_is_counted_on_the_verifier_line_apart(line, fresh_db, beni):
    call = phoned(line, ["#"], pins=("111111", PIN))
    assert call.prompts_in("fr")[:3] == ["verifier_pin", "committee_pin_wrong", "verifier_pin"]
    import datetime as dt
    now = dt.datetime.now(dt.timezone.utc)
    assert fresh_db.committee_wrong_pins(now, 60, "verifier") == 1
    assert fresh_db.committee_wrong_pins(now, 60) == 0, "the committee line counts its own"
    call = phoned(line, [], pins=("111111", "222222", "333333"))
    assert call.prompts_in("fr")[-1] == "committee_pin_refused"
    assert [e["action"] for e in fresh_db.audit_entries("verifier_line")] == ["pin_refused"]


def test_a_disabled_account_or_a_removed_pin_does_not_open_the_line(line, fresh_db, beni):
    fresh_db.update_user("vera", "ada", disabled=1)
    assert phoned(line, [], pins=(PIN,)).prompts_in("fr")[1] == "committee_pin_wrong"
    fresh_db.update_user("vera", "ada", disabled=0)
    fresh_db.set_phone_pin("vera", None, "ada")
    assert phoned(line, [], pins=(PIN,)).prompts_in("fr")[1] == "committee_pin_wrong"


def test_the_console_gives_a_pin_once_and_the_cli_sets_one(fresh_db, config, client, runner):
    login(client, "ada")
    assert "Donner à « vera » un nouveau code" in client.get("/admin/users/vera/phone-pin").get_data(as_text=True)
    page = post(client, "/admin/users/vera/phone-pin", {"confirm": "1"}).get_data(as_text=True)
    pin = page.split('id="new-phone-pin">')[1].split("<")[0]
    hasher = PinHasher.from_config(config, VERIFIER_PINS)
    assert len(pin) == 6 and fresh_db.user_by_phone_pin(hasher.hash(pin))["username"] == "vera"
    assert pin not in client.get("/admin/users").get_data(as_text=True), "shown once"
    assert fresh_db.user_by_phone_pin(PinHasher.from_config(config).hash(pin)) is None, "not a committee PIN's hash"
    result = runner.invoke("user", "phone-pin", "sam", input="123456\n123456\n")
    assert result.exit_code == 0, result.output
    assert fresh_db.user_by_phone_pin(hasher.hash("123456"))["username"] == "sam"
    result = runner.invoke("user", "phone-pin", "vera", input="123456\n123456\n")
    assert result.exit_code == 1 and "another account has this PIN" in result.output
    assert runner.invoke("user", "phone-pin", "vera", input="12\n12\n").exit_code == 1
    assert runner.invoke("user", "phone-pin", "sam", "--clear").exit_code == 0
    assert fresh_db.user_by_phone_pin(hasher.hash("123456")) is None
    entries = [e["after"] for e in fresh_db.audit_entries("user") if e["after"] and "pin" in e["after"]]
    assert pin not in str(entries) and entries[0] == {"username": "sam", "pin": None}


def test_an_sms_alert_is_spoken_by_the_prompt_voice_and_its_words_are_not_kept(line, fresh_db, beni, config):
    for alert_id in beni.values():
        fresh_db.set_status(alert_id, Status.FALSE, "sam")
    sms = fresh_db.file_sms_alert(pseudonym="C-SMS", sealed=None, keep_hours=1, text="Watu wenye bunduki Kalunguta",
                                  language="sw", language_inferred=False, locality="4021", keywords=[], priority=4)
    call = phoned(line, ["#"])
    heard = call.played
    at = heard.index(("fr", "verifier_text"))
    assert heard[at + 1][0] == "spoken-texts", "the text, synthesised for this call"
    assert "verifier_text_unspoken" not in call.prompts_in("fr")
    assert not list((config.spool_dir / "spoken-texts").glob("*")), "a caller's words are deleted once played"
    locality = heard[heard.index(("fr", "verifier_locality")) + 1]
    assert locality[0] == "fr" and (config.data_dir / "spoken" / "fr" / f"{locality[1]}.wav").exists(), \
        "a name is kept for the next call"
    assert fresh_db.get_alert(sms["id"])["claimed_by"] is None


def test_without_speech_synthesis_the_line_says_what_it_can(line, fresh_db, beni, config, monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")   # no espeak-ng: the code and count digit by digit
    call = phoned(line, ["#"])
    said = call.prompts_in("fr")
    assert said[said.index("verifier_locality") + 1:][:4] == ["digit_4", "digit_0", "digit_2", "digit_1"]
    assert said[said.index("verifier_waiting") + 1] == "digit_3"


def test_the_accounts_page_shows_the_verifier_lines_lock_and_an_admin_unlocks_it(line, fresh_db, beni, config, client):
    import datetime as dt

    from core.committees import pin_limits

    limits = pin_limits(config)
    now = dt.datetime.now(dt.timezone.utc)
    login(client, "ada")
    fresh_db.committee_wrong_pin("C-A", now, limits, "verifier")
    page = client.get("/admin/users").get_data(as_text=True)
    assert 'id="verifier-wrong-pins"' in page and 'id="verifier-line-locked"' not in page
    for n in range(limits.line_wrong_pins):
        fresh_db.committee_wrong_pin(f"C-{n}", now, limits, "verifier")
    assert fresh_db.committee_line_lock(now, "verifier") is not None
    assert fresh_db.committee_line_lock(now) is None, "the committee line stays open"
    assert 'id="verifier-line-locked"' in client.get("/admin/users").get_data(as_text=True)
    assert phoned(line, []).prompts_in("fr")[-2:] == ["verifier_locked", "goodbye"], "no PIN asked"
    assert post(client, "/admin/verifier-line/unlock").status_code == 302
    assert fresh_db.committee_line_lock(dt.datetime.now(dt.timezone.utc), "verifier") is None
    assert [e["actor"] for e in fresh_db.audit_entries("verifier_line") if e["action"] == "unlock"] == ["ada"]
