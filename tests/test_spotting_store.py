"""Keyword examples, hits and decisions in the store; examples go with their alert at retention."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from core import keyword_examples, retention
from core.audio.wav import write_wav
from core.model import Status
from core.store.spotting import MIN_DECISIONS, ExampleError, best_threshold
from tests.fixtures.web import make_alert
from tests.spotting_voices import Voice, to_int16, utterance

LATER = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=91)


def _verified(store, config, pseudonym="C-ONE", audio=None):
    alert = make_alert(store, config, pseudonym=pseudonym)
    if audio is not None:
        write_wav(config.data_dir / store.recordings_for(alert["id"])[0]["path"], to_int16(audio), 8000)
    store.set_status(alert["id"], Status.VERIFIED, actor="vera")
    return store.get_alert(alert["id"])


def _recording(store, alert):
    return store.recordings_for(alert["id"])[0]["id"]


def test_an_example_is_cut_stored_and_audited(config, fresh_db):
    audio, spans = utterance(["watu wenye", "bunduki"], Voice("sw+m3"))
    alert = _verified(fresh_db, config, audio=audio)
    _, start, end = spans[1]
    example_id = keyword_examples.mark(config, fresh_db, alert["id"], _recording(fresh_db, alert),
                                       "bunduki", "armed_movement", start, end, "vera")
    row = fresh_db.get_example(example_id)
    assert (row["term"], row["language"], row["category"], row["alert_id"]) == ("bunduki", "sw", "armed_movement",
                                                                                 alert["id"])
    from core.audio.formats import load
    clip = load(config.data_dir / row["path"])
    assert clip.rate == 8000 and abs(clip.seconds - (round(end, 2) - round(start, 2))) < 0.01
    [entry] = [e for e in fresh_db.audit_entries("alert", alert["id"]) if e["action"] == "example"]
    assert entry["actor"] == "vera" and entry["after"]["term"] == "bunduki"
    assert fresh_db.examples_for_language("sw")[0]["recording_path"] == fresh_db.recordings_for(alert["id"])[0]["path"]

    assert keyword_examples.remove(config, fresh_db, example_id, "vera")
    assert fresh_db.get_example(example_id) is None and not (config.data_dir / row["path"]).exists()
    assert any(e["action"] == "remove_example" for e in fresh_db.audit_entries("alert", alert["id"]))


def test_an_example_comes_from_a_verified_alert_and_a_sane_span(config, fresh_db):
    new = make_alert(fresh_db, config)
    with pytest.raises(ExampleError, match="verified"):
        keyword_examples.mark(config, fresh_db, new["id"], _recording(fresh_db, new), "bunduki", "attack", 1, 2, "vera")
    alert = _verified(fresh_db, config)
    recording = _recording(fresh_db, alert)
    for start, end in [(1.0, 1.05), (0.5, 4.0), (3.5, 4.6), (2.0, 1.0)]:
        with pytest.raises(ExampleError):
            keyword_examples.mark(config, fresh_db, alert["id"], recording, "bunduki", "attack", start, end, "vera")
    with pytest.raises(ExampleError, match="recording"):
        keyword_examples.mark(config, fresh_db, alert["id"], recording + 99, "bunduki", "attack", 1, 2, "vera")
    assert not list((config.data_dir / "examples").glob("*")) if (config.data_dir / "examples").exists() else True
    assert fresh_db.examples_for_language("sw") == []


def test_hits_decisions_and_counts_per_term(config, fresh_db):
    source = _verified(fresh_db, config, pseudonym="C-A")
    other = _verified(fresh_db, config, pseudonym="C-B")
    one = keyword_examples.mark(config, fresh_db, source["id"], _recording(fresh_db, source), "bunduki", "armed_movement",
                                1.0, 1.8, "vera")
    keyword_examples.mark(config, fresh_db, other["id"], _recording(fresh_db, other), "bunduki", "armed_movement",
                          0.5, 1.2, "vera")
    new = make_alert(fresh_db, config, pseudonym="C-C")
    fresh_db.replace_hits(new["id"], "sw", [{"example_id": one, "term": "bunduki", "category": "armed_movement",
                                             "start": 7.0, "end": 7.8, "distance": 0.3, "threshold": 0.43}])
    [hit] = fresh_db.hits_for(new["id"])
    assert hit["example_alert_id"] == source["id"] and hit["example_reference"] == source["reference"]
    decided = fresh_db.decide_hit(hit["id"], "confirmed", "vera")
    assert decided["decision"] == "confirmed" and decided["decided_by"] == "vera"
    [entry] = [e for e in fresh_db.audit_entries("alert", new["id"]) if e["action"] == "hit"]
    assert entry["after"]["decision"] == "confirmed" and entry["before"]["decision"] is None
    # A rescan replaces undecided hits only.
    fresh_db.replace_hits(new["id"], "sw", [])
    assert [h["id"] for h in fresh_db.hits_for(new["id"])] == [hit["id"]]
    [counts] = fresh_db.example_terms()
    assert counts == {"language": "sw", "term": "bunduki", "category": "armed_movement", "examples": 2, "speakers": 2,
                      "hits": 1, "confirmed": 1, "rejected": 0}
    with pytest.raises(ValueError):
        fresh_db.decide_hit(hit["id"], "maybe", "vera")


def test_the_threshold_separates_the_last_decisions():
    assert best_threshold([(0.2, "confirmed")] * (MIN_DECISIONS + 2), 0.43) == 0.43   # one kind only
    assert best_threshold([(0.2, "confirmed"), (0.5, "rejected")], 0.43) == 0.43       # too few
    decisions = [(0.30, "confirmed"), (0.33, "confirmed"), (0.36, "rejected"), (0.40, "rejected"), (0.45, "rejected")]
    assert best_threshold(decisions, 0.43) == pytest.approx(0.345)
    looser = [(0.30, "confirmed"), (0.44, "confirmed"), (0.47, "confirmed"), (0.52, "rejected"), (0.60, "rejected")]
    assert best_threshold(looser, 0.43) == pytest.approx(0.495)


def test_term_thresholds_read_only_the_last_n_decisions(config, fresh_db):
    alert = make_alert(fresh_db, config)
    old = [(0.20, "rejected"), (0.22, "rejected"), (0.24, "rejected"), (0.26, "rejected")]
    new = [(0.30, "confirmed"), (0.33, "confirmed"), (0.36, "rejected"), (0.40, "rejected")]
    for distance, decision in old + new:
        fresh_db.replace_hits(alert["id"], "sw", [{"example_id": None, "term": "bunduki", "category": "attack",
                                                   "start": 0, "end": 1, "distance": distance, "threshold": 0.43}])
        [hit] = [h for h in fresh_db.hits_for(alert["id"]) if h["decision"] is None]
        fresh_db.decide_hit(hit["id"], decision, "vera")
    assert fresh_db.term_thresholds("sw", 0.43, last=4) == {"bunduki": pytest.approx(0.345)}
    assert fresh_db.term_thresholds("ln", 0.43, last=4) == {}


def test_retention_purges_the_examples_of_purged_alerts(config, fresh_db):
    purged = _verified(fresh_db, config, pseudonym="C-OLD")
    still_open = make_alert(fresh_db, config, pseudonym="C-NEW")
    example = keyword_examples.mark(config, fresh_db, purged["id"], _recording(fresh_db, purged), "bunduki",
                                    "armed_movement", 1.0, 1.8, "vera")
    clip = config.data_dir / fresh_db.get_example(example)["path"]
    fresh_db.replace_hits(still_open["id"], "sw", [{"example_id": example, "term": "bunduki",
                                                    "category": "armed_movement", "start": 1, "end": 2,
                                                    "distance": 0.3, "threshold": 0.43}])
    summary = retention.purge(config, fresh_db, now=LATER)
    assert summary["alerts"] == [purged["id"]]
    assert fresh_db.get_example(example) is None and not clip.exists()
    [hit] = fresh_db.hits_for(still_open["id"])
    assert hit["example_id"] is None and hit["example_alert_id"] == purged["id"]   # 'example from alert N' stays
    assert fresh_db.example_terms()[0]["examples"] == 0


def test_after_a_purge_the_worker_keeps_no_features_of_the_purged_example(config, fresh_db):
    from asr.spotting.alerts import ExampleScanner

    audio, spans = utterance(["watu wenye", "bunduki", "walikuja"], Voice("sw+m3"))
    purged = _verified(fresh_db, config, pseudonym="C-OLD", audio=audio)
    _, start, end = spans[1]
    example = keyword_examples.mark(config, fresh_db, purged["id"], _recording(fresh_db, purged), "bunduki",
                                    "armed_movement", start, end, "vera")
    scanner = ExampleScanner(config.data_dir, 0.33, 50)
    assert [e.id for e in scanner.examples(fresh_db, "sw")] == [example]
    assert example in scanner._frames
    retention.purge(config, fresh_db, now=LATER)
    assert scanner.examples(fresh_db, "sw") == []
    assert scanner._frames == {}   # the caller's voice, as features, is gone from memory too
