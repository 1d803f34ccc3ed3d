"""A call in each of the line's languages, through the real Asterisk and IVR, transcribed by
the real Whisper base, and the transcript on the console's alert page with the model named.

espeak-ng's Swahili and French are heard badly by Whisper base (docs/whisper.md): what is
checked is that the line's own path works end to end, in each language, with words, times
and confidences from Whisper, not how well base understands a synthetic voice.
"""

from __future__ import annotations

import threading

import pytest

from core.lexicon import Lexicons
from asr.worker import Worker
from core.dialplan import EXTEN_ALERT
from core.model import TranscriptState
from core.store import Store
from tests.fixtures.web import add_users, login
from tests.test_ivr_e2e import alert_script, last_alert_id, newest_alerts, speech

pytestmark = [pytest.mark.asterisk, pytest.mark.model]


def test_a_call_in_each_language_gets_a_whisper_transcript_shown_in_the_console(
        asterisk, ivr_running, make_whisper_models, tmp_path):
    config = asterisk.config
    before = last_alert_id(config)
    # Three callers at once, one per language.
    running = [asterisk.start_call(EXTEN_ALERT, f"test-phone-{number}",
                                   alert_script(language, speech(tmp_path, language, 8.0)))
               for number, language in enumerate(("sw", "ln", "fr"), start=1)]
    for call in running:
        result = call.result(150)
        assert result.ok, (result.events, ivr_running.log()[-3000:])
    alerts = newest_alerts(config, before)
    assert sorted(a["language"] for a in alerts) == ["fr", "ln", "sw"]

    worker = Worker(config, models=make_whisper_models("sw", "ln", "fr"),
                    lexicons=Lexicons(config.data_dir / "lexicons"), threads=1, name="whisper-e2e")
    worker.run(threading.Event(), until_idle=True)

    with Store.open(config.db_path) as store:
        add_users(store)
        for alert in alerts:
            alert = store.get_alert(alert["id"])
            transcript = store.latest_transcript(alert["id"])
            assert alert["transcript_state"] == TranscriptState.DONE, alert
            assert transcript["model"] == "whisper-base (whisper)" and transcript["language"] == alert["language"]
            assert all(0 < w["conf"] <= 1 and 0 <= w["start"] <= w["end"] <= 8.6 for w in transcript["words"])
            assert transcript["confidence"] is None or 0 < transcript["confidence"] <= 1
        # espeak-ng's French is sometimes held back whole as "no speech" under load: words in one at least.
        heard = [a for a in alerts if store.latest_transcript(a["id"])["words"]]
        assert heard, "Whisper heard no word in any of the three alerts"

    from web import create_app

    client = create_app({"SAUTI_CONFIG": config, "TESTING": True}).test_client()
    login(client, "vera")
    for alert in heard:
        page = client.get(f"/alerts/{alert['id']}").get_data(as_text=True)
        with Store.open(config.db_path) as store:
            first_word = store.latest_transcript(alert["id"])["words"][0]["word"]
        assert "whisper-base (whisper)" in page and first_word in page
