"""The transcription worker SIGKILLed in the middle of a job (issue 12): the job's lease
runs out, the next worker takes it again, and the alert gets its transcript once."""

from __future__ import annotations

import signal
import subprocess
import sys

import numpy as np
import pytest

from core.model import TranscriptState
from core.store import Store
from core.store.alerts import TRANSCRIBE
from tests.fixtures.asr import KO_SENTENCE, store_alert
from tests.fixtures.audio import read_samples, silence, write_wav
from tests.fixtures.core import make_data_dir, wait_for

pytestmark = pytest.mark.model

LEASE_SECONDS = 3  # renewed every lease/4 while decoding; a dead worker's job is free again after this


def start_worker(config, log) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "sauti", "--data", str(config.data_dir), "worker", "--threads", "1"],
                            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)


def job_of(config, alert_id: int) -> dict:
    with Store.open(config.db_path) as store:
        (job,) = [j for j in store.jobs_for_alert(alert_id) if j["kind"] == TRANSCRIBE]
        return job


def test_a_worker_killed_mid_job_leaves_the_job_to_the_next_one(tmp_path, ko_model_dir, say):
    config = make_data_dir(tmp_path / "data", {"asr": {"models": {"ko": str(ko_model_dir)},
                                                       "lease_seconds": LEASE_SECONDS, "threads": 1}})
    sentence, rate = read_samples(say(KO_SENTENCE))
    # Long enough that decoding is still going on when the worker is killed.
    long_speech = write_wav(tmp_path / "long.wav",
                            np.concatenate([np.concatenate([sentence, silence(0.5, rate)])] * 6), rate)
    with Store.open(config.db_path) as store:
        alert_id = store_alert(store, config, long_speech)["id"]

    with open(tmp_path / "worker.log", "ab") as log:
        first = start_worker(config, log)
        try:
            wait_for(lambda: job_of(config, alert_id)["status"] == "running", 60, "the first worker to claim the job")
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=10)
        finally:
            first.kill()
        assert job_of(config, alert_id)["status"] == "running", "killed before it finished"

        second = start_worker(config, log)
        try:
            wait_for(lambda: job_of(config, alert_id)["status"] == "done", 120, "the job to finish on the second worker")
        finally:
            second.send_signal(signal.SIGTERM)
            second.wait(timeout=30)
    job = job_of(config, alert_id)
    assert job["attempts"] == 2, "claimed once by each worker"
    with Store.open(config.db_path) as store:
        alert = store.get_alert(alert_id)
        transcripts = store.transcripts_for(alert_id)
    assert alert["transcript_state"] == TranscriptState.DONE
    assert len(transcripts) == 1 and transcripts[0]["text"], (tmp_path / "worker.log").read_text()[-2000:]
