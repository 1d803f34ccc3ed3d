"""A confidential complaint through the real Asterisk, with a pjsua2 phone, read in the console.

One call keys 9 in the alert line's menu and speaks a complaint; the complaints role reads it,
records an answer; a second call keys the reference on the complaints extension and
hears that answer. Nobody else sees it, and it is in no queue, search, export or report.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest

from core import complaints
from core.complaints import ComplaintOpener
from core.dialplan import EXTEN_ALERT, EXTEN_COMPLAINTS
from core.store import Store
from ivr.complaint_takes import takes_dir
from tests.audio_match import find_prompts
from tests.fixtures.asterisk import read_wav, say, wait_for
from tests.test_ivr_callers_e2e import heard_at
from tests.fixtures.web import PASSWORDS, _hash, add_users, login, post

pytestmark = pytest.mark.asterisk


def counts(config) -> tuple[int, int]:
    with Store.open(config.db_path) as store:
        return tuple(store.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("alerts", "complaints"))


def test_a_complaint_by_the_menu_reaches_the_complaints_role_only(asterisk, ivr_running, caller_wav, tmp_path):
    config = asterisk.config
    alerts_before, complaints_before = counts(config)
    with Store.open(config.db_path) as store:
        calls_before = store.last_call_id()
    # Heard the menu's first round (languages, then the complaints offered in each), keys 9 in
    # its pause, is asked the language, keys 3 (French), then 1 to file a complaint.
    script = (f"wait silence 60; dtmf 9; wait 1; dtmf 3; wait silence; dtmf 1; wait beep; play {caller_wav}; dtmf #;"
              " listen 40; hangup")
    result = asterisk.call(EXTEN_ALERT, "test-phone-2", script, timeout=150)
    assert result.ok, (result.events, ivr_running.log()[-3000:])
    wait_for(lambda: counts(config)[1] == complaints_before + 1, 20, "the complaint to be filed")
    assert counts(config)[0] == alerts_before, "a complaint is never an alert"
    with Store.open(config.db_path) as store:
        row = store.complaints()[0]
        wait_for(lambda: store.get_call(calls_before + 1)["ended_at"] is not None, 20, "the call to end")
        call_row = store.get_call(calls_before + 1)
    # Nothing links the complaint to its call: no channel naming the phone, no time finer than the day.
    assert (call_row["channel"], call_row["uniqueid"], call_row["caller_pseudonym"]) == (None, None, None)
    assert call_row["started_at"] == call_row["ended_at"] == f"{row['created_at'][:10]}T00:00:00.000+00:00"
    with Store.open(config.db_path) as store:
        add_users(store)
        if store.get_user("cora") is None:
            store.add_user("cora", _hash(PASSWORDS["vera"]), "verifier", actor="test")
            store.set_complaints_role("cora", True, "test")
        sealed = (config.data_dir / store.complaint(row["id"])["path"]).read_bytes()
    opened = tmp_path / "opened.wav"
    opened.write_bytes(ComplaintOpener.from_config(config).open(sealed, row["reference"]))
    heard, rate = read_wav(opened)
    spoken, spoken_rate = read_wav(caller_wav)
    assert find_prompts(heard, rate, {"caller": (spoken[: int(1.5 * spoken_rate)], spoken_rate)}, threshold=0.5)

    from web import create_app

    client = create_app({"SAUTI_CONFIG": config, "TESTING": True}).test_client()
    urls = (f"/complaints/{row['id']}", f"/complaints/{row['id']}/audio")
    for user in ("vera", "sam", "ada"):
        login(client, user)
        assert [client.get(url).status_code for url in urls] == [403, 403], user
        pages = ("/", "/incidents", "/exports/hxl?since=2000-01-01", "/exports/cap?since=2000-01-01",
                 "/reports/response-times.csv") if user != "vera" else ("/",)
        for page in pages:
            assert row["reference"].encode() not in client.get(page).data, (user, page)
        assert b"data-href" not in client.get(f"/?q={row['reference']}").data
        post(client, "/logout")
    login(client, "cora", PASSWORDS["vera"])
    assert client.get(urls[1]).data.startswith(b"RIFF")
    answer = say("Nous avons reçu votre plainte. Une enquête est ouverte.", "fr", tmp_path / "answer.wav")
    response = post(client, urls[0], {"status": "in_progress", "message": (io.BytesIO(answer.read_bytes()), "a.wav")},
                    content_type="multipart/form-data")
    assert response.status_code == 302

    line_audio = tmp_path / "follow-up.wav"
    script = f"wait 1; dtmf 3; wait silence; dtmf 2; wait silence; dtmf {row['reference']}; listen 20; hangup"
    result = asterisk.call(EXTEN_COMPLAINTS, "test-phone-2", script, record=line_audio, timeout=90)
    assert result.ok, (result.events, ivr_running.log()[-3000:])
    samples, line_rate = read_wav(line_audio)
    template, template_rate = read_wav(answer)
    assert find_prompts(samples, line_rate, {"answer": (template[: int(2 * template_rate)], template_rate)},
                        threshold=0.6), "the caller hears the team's answer"
    with Store.open(config.db_path) as store:
        actions = {e["action"] for e in store.complaint_audit(row["id"])}
    assert {"file", "listen", "status_message", "follow_up"} <= actions
    named = [line for line in ivr_running.log().splitlines() if "test-phone-2" in line and "complaint" in line]
    assert not named, "the IVR's log never names the complainant's phone beside a complaint"


@pytest.mark.parametrize(("script", "language"), [
    ("wait 1; dtmf 9", "sw"),                   # during the menu's first prompt: its language
    ("wait 1; dtmf 3; wait 1; dtmf 9", "fr"),   # during the welcome, once French is chosen
], ids=["menu", "welcome"])
def test_nine_during_the_menu_or_the_welcome_reaches_the_complaints(asterisk, ivr_running, tmp_path, script,
                                                                     language):
    config = asterisk.config
    alerts_before, complaints_before = counts(config)
    heard = tmp_path / "heard.wav"
    result = asterisk.call(EXTEN_ALERT, "test-phone-4", f"{script}; wait silence 40; hangup", record=heard,
                           timeout=90)
    assert result.ok, (result.events, ivr_running.log()[-3000:])
    assert heard_at(config, heard, language, "complaint_menu") is not None, "the complaints menu, in that language"
    assert not any(text == "beep heard" for _, text in result.events), "no alert recording began"
    assert counts(config) == (alerts_before, complaints_before)


def test_a_complaint_that_cannot_be_sealed_is_told_to_the_caller_and_filed_once_sealing_works(
        asterisk, ivr_running, caller_wav, tmp_path):
    """The complaints public key gone (a real fault, not a stand-in): the caller hears that the
    complaint could not be saved; once the key is back the IVR's spool round files the take."""
    config = asterisk.config
    public = config.secrets_dir / complaints.PUBLIC_KEY
    aside = tmp_path / "complaints.pub"
    _, complaints_before = counts(config)
    heard = tmp_path / "heard.wav"
    script = f"wait 1; dtmf 3; wait silence; dtmf 1; wait beep; play {caller_wav}; dtmf #; listen 40; hangup"
    public.rename(aside)
    try:
        result = asterisk.call(EXTEN_COMPLAINTS, "test-phone-3", script, record=heard, timeout=120)
        called_at = dt.datetime.now(dt.timezone.utc)
        assert result.ok and result.remote_hangup, (result.events, ivr_running.log()[-3000:])
        assert heard_at(config, heard, "fr", "complaint_not_saved") is not None, "told it was not saved"
        assert heard_at(config, heard, "fr", "complaint_recorded") is None, "never told it was"
        (kept,) = takes_dir(config).glob("*.wav")
        assert counts(config)[1] == complaints_before, "nothing filed without the key"
        assert "could not be sealed" in ivr_running.log()
    finally:
        aside.rename(public)
    wait_for(lambda: counts(config)[1] == complaints_before + 1, 30, "the leftover take to be sealed and filed")
    # The spool round deletes the plain take once the complaint is filed: a moment after the count.
    wait_for(lambda: not kept.exists() and not list(takes_dir(config).glob("*.wav")), 10, "no plain take left")
    with Store.open(config.db_path) as store:
        row = store.complaints()[0]
        stored = store.complaint(row["id"])
        (filing,) = [e for e in store.complaint_audit(row["id"]) if e["action"] == "file"]
    assert row["language"] == "fr"
    recorded = dt.datetime.fromisoformat(row["created_at"])
    assert recorded < called_at and called_at - recorded < dt.timedelta(minutes=2), "the call's own time"
    assert filing["detail"] == f"recorded {row['created_at']}" and filing["at"] > row["created_at"]
    sealed = (config.data_dir / stored["path"]).read_bytes()
    opened = tmp_path / "opened.wav"
    opened.write_bytes(ComplaintOpener.from_config(config).open(sealed, row["reference"]))
    spoken, spoken_rate = read_wav(caller_wav)
    got, got_rate = read_wav(opened)
    assert find_prompts(got, got_rate, {"caller": (spoken[: int(1.5 * spoken_rate)], spoken_rate)}, threshold=0.5)
