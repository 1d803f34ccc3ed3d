"""Spotting by example on a real call: a verifier marks a term on a verified alert in the console,
then a caller on the real line (Asterisk, the IVR, a pjsua2 phone) says that term in another
voice; the worker's keyword pass gives the new alert its provisional priority and its "sounds
like" hit before any transcript exists, and the verifier confirms the hit in the console.
(tests/test_spotting_browser.py drives the same loop's marking and confirming in Chromium.)"""

from __future__ import annotations

import pytest

from core.audio.wav import write_wav
from core.dialplan import EXTEN_ALERT
from core.model import Status
from core.store import Store
from core.store.jobs import SPOT
from tests.fixtures.asterisk import PRIVATE_PORTS, free_ports, wait_for
from tests.fixtures.ivr import private_line
from tests.fixtures.web import add_users, login, post
from tests.spotting_voices import Voice, to_int16, utterance
from tests.test_ivr_e2e import alert_script, last_alert_id, newest_alerts
from tests.test_spotting_browser import _spoken_alert, keyword_pass

pytestmark = pytest.mark.asterisk


def test_a_call_saying_a_marked_term_is_ranked_before_any_transcript(asterisk_prompts, tmp_path):
    with private_line(tmp_path / "data", asterisk_prompts, free_ports(PRIVATE_PORTS)) as (line, _ivr):
        config = line.config
        with Store.open(config.db_path) as store:
            add_users(store)
            source, spans, _ = _spoken_alert(store, config, ["habari za asubuhi", "bunduki", "zilionekana kijijini"],
                                             Voice("sw+m3"), "C-SPOTSRC")
            store.set_status(source["id"], Status.VERIFIED, actor="vera")
            recording_id = store.recordings_for(source["id"])[0]["id"]
        from web import create_app

        client = create_app({"SAUTI_CONFIG": config, "TESTING": True}).test_client()
        login(client, "vera")
        _, start, end = spans[1]
        marked = post(client, f"/alerts/{source['id']}/examples", {
            "recording_id": recording_id, "start": f"{start - 0.05:.2f}", "end": f"{end + 0.05:.2f}",
            "term": "bunduki", "category": "armed_movement"})
        assert marked.status_code in (200, 302), marked.get_data(as_text=True)

        audio, said = utterance(["watu wenye", "bunduki", "walikuja jana usiku"], Voice("sw+m3", speed=175),
                                snr_db=20, seed=4)
        wav = tmp_path / "said.wav"
        write_wav(wav, to_int16(audio), 8000)
        before = last_alert_id(config)
        result = line.call(EXTEN_ALERT, "test-phone-5", alert_script("sw", wav))
        assert result.answered and not result.premature_hangup, result.events
        (alert,) = wait_for(lambda: newest_alerts(config, before), 30, "the call's alert")

        def queued():
            with Store.open(config.db_path, migrate=False) as store:
                return store.conn.execute("SELECT count(*) FROM jobs WHERE alert_id = ? AND kind = ?",
                                          (alert["id"], SPOT)).fetchone()[0]
        wait_for(queued, 30, "the keyword pass to be queued")
        spotted = keyword_pass(config, alert["id"])
        assert spotted["transcripts"] == []                     # ranked before any decode
        assert spotted["priority"] == 6.0                        # armed_movement's weight
        [hit] = [h for h in spotted["hits"] if h["term"] == "bunduki"]
        [(_, said_start, _)] = [s for s in said if s[0] == "bunduki"]
        # Where the caller said it, give or take the line's delay between the beep and the phone's playing.
        assert said_start - 0.5 <= hit["start"] <= said_start + 1.5, (hit, said_start)

        page = client.get(f"/alerts/{alert['id']}").get_data(as_text=True)
        assert "ressemble à bunduki" in page and source["reference"] in page   # the "sounds like" line, its example's alert
        decided = post(client, f"/alerts/{alert['id']}/hits/{hit['id']}", {"decision": "confirmed"})
        assert decided.status_code in (200, 302)
        with Store.open(config.db_path, migrate=False) as store:
            [confirmed] = [h for h in store.hits_for(alert["id"]) if h["id"] == hit["id"]]
        assert (confirmed["decision"], confirmed["decided_by"]) == ("confirmed", "vera")
