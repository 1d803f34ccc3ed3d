"""A confidential complaint through the real Asterisk, with a pjsua2 phone, read in the console.

One call keys 9 after the welcome and speaks a complaint; the complaints role reads it,
records an answer; a second call keys the reference on the complaints extension and
hears that answer. Nobody else sees it, and it is in no queue, search, export or report.
"""

from __future__ import annotations

import io

import pytest

from core.complaints import ComplaintOpener
from core.dialplan import EXTEN_ALERT, EXTEN_COMPLAINTS
from core.store import Store
from tests.audio_match import find_prompts
from tests.fixtures.asterisk import read_wav, say, wait_for
from tests.fixtures.web import PASSWORDS, _hash, add_users, login, post

pytestmark = pytest.mark.asterisk


def counts(config) -> tuple[int, int]:
    with Store.open(config.db_path) as store:
        return tuple(store.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("alerts", "complaints"))


def test_a_complaint_by_the_menu_reaches_the_complaints_role_only(asterisk, ivr_running, caller_wav, tmp_path):
    config = asterisk.config
    alerts_before, complaints_before = counts(config)
    script = (f"wait 1; dtmf 3; wait silence; dtmf 9; wait silence; dtmf 1; wait beep; play {caller_wav}; dtmf #;"
              " listen 40; hangup")
    result = asterisk.call(EXTEN_ALERT, "test-phone-2", script, timeout=150)
    assert result.ok, (result.events, ivr_running.log()[-3000:])
    wait_for(lambda: counts(config)[1] == complaints_before + 1, 20, "the complaint to be filed")
    assert counts(config)[0] == alerts_before, "a complaint is never an alert"
    with Store.open(config.db_path) as store:
        row = store.complaints()[0]
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
