"""The CLI: `sauti models add|list`, `sauti transcribe`, and `sauti worker` as the separate
process `sauti up` runs: stopped by SIGTERM, killed by SIGKILL mid-job."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tomllib
import zipfile

import numpy as np
import pytest
from click.testing import CliRunner

from core import config as config_module
from core.model import TranscriptState
from core.store import Store
from sauti.cli import main
from tests.fixtures.asr import KO_SENTENCE, KO_SHORT, store_alert
from tests.fixtures.audio import read_samples, write_wav
from tests.fixtures.core import make_data_dir, wait_for


def sauti(config, *args):
    return CliRunner().invoke(main, ["--data", str(config.data_dir), *args], catch_exceptions=False)


def test_every_asr_command_has_help(config):
    for args in (["worker"], ["models"], ["models", "list"], ["models", "add"], ["transcribe"]):
        result = sauti(config, *args, "--help")
        assert result.exit_code == 0, result.output
        assert len(result.output.split("\n\n")[1].strip()) > 20  # a real description


@pytest.mark.model
def test_models_add_folder_keeps_the_config_file(config, ko_model_dir):
    path = config.config_path
    before = path.read_text()
    path.write_text(before.replace("[asr]", "# my own note\n[asr]\nthreads = 1", 1))
    result = sauti(config, "models", "add", "sw", str(ko_model_dir))
    assert result.exit_code == 0, result.output
    text = path.read_text()
    assert "# my own note" in text and "threads = 1" in text
    assert all(line in text for line in before.splitlines() if line.startswith("#"))
    loaded = config_module.load(config.data_dir, env={})
    assert loaded.asr.models == {"sw": str(ko_model_dir)} and loaded.asr.threads == 1
    # registering again replaces, and a second language is added beside it
    assert sauti(config, "models", "add", "sw", str(ko_model_dir)).exit_code == 0
    assert sauti(config, "models", "add", "ko", str(ko_model_dir)).exit_code == 0
    assert config_module.load(config.data_dir, env={}).asr.models == {"sw": str(ko_model_dir), "ko": str(ko_model_dir)}
    assert tomllib.loads(path.read_text())["asr"]["models"]["ko"] == str(ko_model_dir)


@pytest.mark.model
def test_models_add_zip_unpacks_into_the_data_dir(config, ko_model_dir, tmp_path):
    archive = tmp_path / "vosk-model-small-xx.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for file in ko_model_dir.rglob("*"):
            if file.is_file() and "__pycache__" not in file.parts:
                zf.write(file, "vosk-model-small-xx/" + str(file.relative_to(ko_model_dir)))
    result = sauti(config, "models", "add", "sw", str(archive))
    assert result.exit_code == 0, result.output
    target = config.data_dir / "models" / "sw" / "vosk-model-small-xx"
    assert (target / "am" / "final.mdl").is_file()
    assert config_module.load(config.data_dir, env={}).asr.models == {"sw": str(target)}


@pytest.mark.model
@pytest.mark.parametrize("kind", ["empty-folder", "not-zip", "bad-lang", "missing"])
def test_models_add_refuses_what_is_not_a_model(config, tmp_path, kind, ko_model_dir):
    before = config.config_path.read_text()
    if kind == "empty-folder":
        (tmp_path / "m").mkdir()
        args = ["sw", str(tmp_path / "m")]
    elif kind == "not-zip":
        (tmp_path / "m.zip").write_bytes(b"nope")
        args = ["sw", str(tmp_path / "m.zip")]
    elif kind == "bad-lang":
        args = ["Swahili!", str(ko_model_dir)]
    else:
        args = ["sw", str(tmp_path / "nothing")]
    result = sauti(config, "models", "add", *args)
    assert result.exit_code != 0 and "Error" in result.output
    assert config.config_path.read_text() == before


@pytest.mark.model
def test_models_list(asr_config, tmp_path):
    result = sauti(asr_config, "models", "list")
    assert result.exit_code == 0, result.output
    assert "ko\t" in result.output and "loads" in result.output and "16000 Hz" in result.output
    empty = make_data_dir(tmp_path / "empty")
    assert "no models configured" in sauti(empty, "models", "list").output


@pytest.mark.model
def test_transcribe_prints_the_pipeline_result(asr_config, say):
    result = sauti(asr_config, "transcribe", "--lang", "ko", "--json", str(say(KO_SHORT)))
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["language"] == "ko" and data["text"] and data["words"]
    plain = sauti(asr_config, "transcribe", str(say(KO_SHORT)))
    assert "language: ko (identified)" in plain.output and f"text: {data['text']}" in plain.output
    missing = sauti(asr_config, "transcribe", "--lang", "ln", str(say(KO_SHORT)))
    assert missing.exit_code == 3 and "no speech model" in missing.output


@pytest.mark.model
def test_transcribe_reports_broken_files(asr_config, tmp_path):
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"garbage")
    result = sauti(asr_config, "transcribe", str(bad))
    assert result.exit_code == 1 and "not a WAV" in result.output


# -- the worker as a process ------------------------------------------------------


def start_worker(config, threads: int = 1) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", "from sauti.cli import main; main()", "--data", str(config.data_dir),
         "worker", "--threads", str(threads), "--verbose"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env={**os.environ, "PYTHONWARNINGS": "error"},
    )


def stop(process: subprocess.Popen, sig=signal.SIGTERM, timeout: float = 20) -> str:
    if process.poll() is None:
        process.send_signal(sig)
    out, _ = process.communicate(timeout=timeout)
    return out


@pytest.fixture
def long_recording(say, tmp_path):
    speech, _ = read_samples(say(KO_SENTENCE))
    return write_wav(tmp_path / "long.wav", np.concatenate([speech] * 5), 8000)  # ~28 s: ~10 s to decode


@pytest.fixture
def short_lease(tmp_path, ko_model_dir):
    return make_data_dir(tmp_path / "data", {"asr": {"models": {"ko": str(ko_model_dir)}, "lease_seconds": 3}})


@pytest.mark.model
def test_worker_process_transcribes_and_stops_on_sigterm(asr_config, say):
    process = start_worker(asr_config)
    try:
        with Store.open(asr_config.db_path) as store:
            alert = store_alert(store, asr_config, say(KO_SHORT))
            wait_for(lambda: store.get_alert(alert["id"])["transcript_state"] == TranscriptState.DONE,
                     timeout=60, message="the worker process to transcribe")
    finally:
        out = stop(process)
    assert process.returncode == 0, out


@pytest.mark.model
def test_sigterm_mid_job_gives_the_job_back(short_lease, long_recording):
    config = short_lease
    with Store.open(config.db_path) as store:
        alert = store_alert(store, config, long_recording)
        process = start_worker(config)
        try:
            wait_for(lambda: store.jobs_for_alert(alert["id"])[0]["status"] == "running", timeout=60,
                     message="the job to be claimed")
        finally:
            out = stop(process)
        assert process.returncode == 0, out
        job = store.jobs_for_alert(alert["id"])[0]
        assert job["status"] == "queued" and job["attempts"] == 0, out
        assert "released" in out


@pytest.mark.model
def test_sigkill_mid_job_then_another_worker_finishes_it(short_lease, long_recording):
    config = short_lease
    with Store.open(config.db_path) as store:
        alert = store_alert(store, config, long_recording)
        first = start_worker(config)
        try:
            job = wait_for(lambda: (j := store.jobs_for_alert(alert["id"])[0])["status"] == "running" and j,
                           timeout=60, message="the first worker to claim the job")
        finally:
            stop(first, signal.SIGKILL)
        assert first.returncode == -signal.SIGKILL
        second = start_worker(config)
        try:
            wait_for(lambda: store.get_alert(alert["id"])["transcript_state"] == TranscriptState.DONE,
                     timeout=90, message="the second worker to finish the job")
        finally:
            out = stop(second)
        done = store.jobs_for_alert(alert["id"])[0]
        assert done["status"] == "done" and done["attempts"] == 2, out
        assert done["worker"] != job["worker"]
        assert store.latest_transcript(alert["id"])["text"]


@pytest.mark.model
def test_models_add_with_a_commented_table_header(config, ko_model_dir):
    path = config.config_path
    path.write_text(path.read_text().replace("[asr.models]", "[asr.models]   # one model per language"))
    assert sauti(config, "models", "add", "fr", str(ko_model_dir)).exit_code == 0
    assert config_module.load(config.data_dir, env={}).asr.models == {"fr": str(ko_model_dir)}
    assert "# one model per language" in path.read_text()
