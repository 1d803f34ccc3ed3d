"""A verifier's corrected transcript is scored again by the worker's lexicons: the only
priority an alert can get in a language without a speech model."""

from __future__ import annotations

import threading

import pytest

from asr.engine import Models
from core.lexicon import Lexicons
from asr.worker import Worker
from core.model import TranscriptState
from core.store import Store
from tests.fixtures.asr import KO_SHORT, store_alert
from tests.fixtures.web import login, make_alert, post


def run_worker(config):
    lexicons = config.data_dir / "lexicons"
    lexicons.mkdir(exist_ok=True)
    (lexicons / "sw.txt").write_text("[attack]\nbunduki\n[displacement]\nwamekimbia\n", encoding="utf-8")
    outcomes = []
    worker = Worker(config, models=Models({}), lexicons=Lexicons(lexicons), threads=1, name="rescore",
                    on_outcome=outcomes.append)
    worker.run(threading.Event(), until_idle=True)
    return outcomes


def test_a_correction_in_a_language_without_a_model_gets_a_priority(config, fresh_db, client):
    alert = make_alert(fresh_db, config, text=None, language="sw", priority=0)
    run_worker(config)
    assert fresh_db.get_alert(alert["id"])["priority"] == 0
    login(client, "vera")
    post(client, f"/alerts/{alert['id']}/transcript", {"text": "Watu wenye BUNDUKI, watu wamekimbia"})
    outcomes = run_worker(config)
    assert [o.state for o in outcomes] == ["rescored"]
    stored = fresh_db.get_alert(alert["id"])
    assert {k["category"] for k in stored["keywords"]} == {"attack", "displacement"}
    assert stored["priority"] == 14.0     # weights 10 + 4, full confidence
    assert fresh_db.queue()[0]["id"] == alert["id"]


@pytest.mark.model
def test_the_correction_s_score_outlasts_a_later_asr_result(asr_config, make_models, say):
    lexicons = asr_config.data_dir / "lexicons"
    lexicons.mkdir()
    (lexicons / "ko.txt").write_text("[attack]\nbunduki\n", encoding="utf-8")
    with Store.open(asr_config.db_path) as store:
        alert = store_alert(store, asr_config, say(KO_SHORT))
        store.add_transcript(alert["id"], "bunduki", origin="verifier", author="vera")
    worker = Worker(asr_config, models=make_models("ko"), lexicons=Lexicons(lexicons), threads=1, name="r")
    worker.run(threading.Event(), until_idle=True)
    with Store.open(asr_config.db_path) as store:
        stored = store.get_alert(alert["id"])
        assert stored["transcript_state"] == TranscriptState.DONE     # the ASR result came after
        assert stored["priority"] == 10.0 and stored["keywords"][0]["term"] == "bunduki"


def test_the_queue_marks_a_provisional_priority(config, fresh_db, client):
    alert = make_alert(fresh_db, config, text=None, priority=0)
    fresh_db.set_provisional_keywords(alert["id"], [{"term": "bunduki", "category": "attack", "confidence": 0.9,
                                                      "spotted": True}], 9.0)
    login(client, "vera")
    page = client.get("/").text
    assert 'class="prio prio-' in page and " provisional" in page and "~9" in page
    fresh_db.add_transcript(alert["id"], "bunduki", origin="asr")
    fresh_db.set_keywords(alert["id"], [{"term": "bunduki", "category": "attack", "confidence": 0.9}], 9.0)
    assert "~9" not in client.get("/").text
