"""Faults that take the line down (issue 12), on a line of this module's own whose data
directory is a small tmpfs: a power cut in the middle of recordings, and a full disk.
(Asterisk crashing and `sauti up` bringing it back: tests/test_up.py.)"""

from __future__ import annotations

import errno
import hashlib
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

import pbx
from core import prompts
from core.dialplan import EXTEN_ALERT, SPOOL_FAILED
from core.store import Store
from tests.audio_match import find_prompts
from tests.fixtures.asterisk import PRIVATE_PORTS, AsteriskLine, free_ports, read_wav, say
from tests.fixtures.core import in_ci, wait_for
from tests.fixtures.ivr import IvrProcess

pytestmark = pytest.mark.asterisk

DISK_MB = 64
MIN_FREE_MB = 8
SPEECH = ("Watu wenye silaha wameingia kijijini usiku wa leo. Wamechoma nyumba tatu karibu na soko. "
          "Wanawake na watoto wanakimbia kuelekea mtoni.")


@pytest.fixture(scope="module")
def disk(tmp_path_factory):
    """A tmpfs of DISK_MB for the data directory, so it can be filled."""
    mount_point = tmp_path_factory.mktemp("disk")
    out = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={DISK_MB}m,mode=0700", "tmpfs", str(mount_point)],
                         capture_output=True, text=True)
    if out.returncode != 0:
        if in_ci():
            pytest.fail(f"cannot mount a tmpfs (root needed): {out.stderr}")
        pytest.skip(f"cannot mount a tmpfs: {out.stderr.strip()}")
    yield mount_point
    subprocess.run(["umount", "-l", str(mount_point)], check=True)


@pytest.fixture(scope="module")
def line(disk, asterisk_prompts, tmp_path_factory):
    overrides = free_ports(PRIVATE_PORTS)
    overrides["site"] = {"min_free_mb": MIN_FREE_MB}
    with AsteriskLine.started(disk / "data", asterisk_prompts, overrides) as started:
        ivr = IvrProcess(started.config)
        ivr.log_path = tmp_path_factory.mktemp("logs") / "ivr.log"  # off the disk that fills
        started.ivr = ivr
        try:
            yield started
        finally:
            ivr.stop()


@pytest.fixture
def up(line):
    """The line with Asterisk and the IVR running, whatever the last test left."""
    if pbx.running_pid(line.config) is None:
        pbx.start(line.config)
    if not line.ivr.running:
        line.ivr.start()
    return line


def rows(config, sql: str, *args) -> list[tuple]:
    with Store.open(config.db_path) as store:
        return store.conn.execute(sql, args).fetchall()


def last_id(config, table: str) -> int:
    return rows(config, f"SELECT coalesce(max(id), 0) FROM {table}")[0][0]


def reaches_the_ivr(line, caller: str) -> None:
    """An alert-line call gets into the flow (its call row appears)."""
    before = last_id(line.config, "calls")
    call = line.start_call(EXTEN_ALERT, caller, "wait 1; dtmf 1; listen 2; hangup")
    wait_for(lambda: last_id(line.config, "calls") > before, 30, "the flow to start")
    assert call.result(timeout=60).answered


def kill_all(line, worker: subprocess.Popen, calls: list) -> None:
    """The power cut: SIGKILL to Asterisk, the worker and the phones at once."""
    pid = pbx.running_pid(line.config)
    if pid is not None:
        os.kill(pid, signal.SIGKILL)
    worker.kill()
    worker.wait(timeout=10)
    for call in calls:
        call.kill()
    wait_for(lambda: pid is None or not Path(f"/proc/{pid}").exists(), 10, "Asterisk to die")


def test_after_a_power_cut_the_database_opens_and_every_recording_is_filed(up, tmp_path):
    import sys

    config = up.config
    speech = say(SPEECH, "sw", tmp_path / "speech.wav")
    recordings = config.recordings_dir
    known_before = {p for p in recordings.rglob("*.wav")}
    spool = config.spool_dir / SPOOL_FAILED
    worker = subprocess.Popen([sys.executable, "-m", "sauti", "--data", str(config.data_dir), "worker"],
                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # One caller recording through the IVR's flow...
    flow_call = up.start_call(EXTEN_ALERT, "test-phone-3", f"wait 1; dtmf 1; wait beep 60; play {speech}; play {speech}; hangup")
    growing = wait_for(lambda: [p for p in recordings.rglob("*.wav") if p not in known_before
                                and p.stat().st_size > 16000], 60, "the flow's recording")
    # ...then the IVR dies and a second caller is recorded by the failure path.
    up.ivr.proc.kill()
    up.ivr.proc.wait(timeout=10)
    failure_call = up.start_call(EXTEN_ALERT, "test-phone-4", f"play {speech}; play {speech}; hangup")
    wait_for(lambda: [p for p in spool.glob("*.wav") if p.stat().st_size > 16000], 60, "the failure path's recording")
    kill_all(up, worker, [flow_call, failure_call])

    with Store.open(config.db_path) as store:
        assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    # The power stays off a while: nothing has been written for long when the line comes back.
    long_ago = time.time() - 3600
    for path in [*recordings.rglob("*"), *spool.iterdir()]:
        os.utime(path, (long_ago, long_ago))
    orphan = growing[0]

    pbx.start(config)
    up.ivr.start()
    wait_for(lambda: not list(spool.iterdir()), 30, "the spool to be imported")

    with Store.open(config.db_path) as store:
        assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        filed = {row["path"]: row for row in store.recording_paths()}
        on_disk = {str(p.relative_to(config.data_dir)) for p in recordings.rglob("*.wav")
                   if "echo-test" not in p.parts}
        assert on_disk <= set(filed), "every recording on disk is in the queue"
        (orphan_row,) = [r for r in store.conn.execute(
            "SELECT duration FROM recordings WHERE path = ?", (str(orphan.relative_to(config.data_dir)),))]
        assert orphan_row[0] > 2.0, "its WAV header was repaired, so its audio counts"
        queued = {r[0] for r in store.conn.execute("SELECT alert_id FROM jobs WHERE kind = 'transcribe'")}
        alerts = {r[0] for r in store.conn.execute("SELECT id FROM alerts")}
        assert alerts <= queued, "each alert is queued for transcription"


def fill(path: Path) -> Path:
    """Write until the disk is full (ENOSPC), the way a runaway log or a copy would."""
    filler = path / "filler"
    chunk = b"\0" * (1024 * 1024)
    with open(filler, "wb", buffering=0) as out:
        for size in (len(chunk), 4096, 1):
            try:
                while True:
                    out.write(chunk[:size])
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
    return filler


def test_a_full_disk_gives_an_apology_an_alarm_and_corrupts_nothing(up, tmp_path, disk):
    from web import create_app
    from tests.fixtures.web import add_users, login

    config = up.config
    with Store.open(config.db_path) as store:
        add_users(store)
        recordings_before = {row["path"]: row["sha256"] for row in store.recording_paths()}
    console = create_app({"SAUTI_CONFIG": config, "TESTING": True}).test_client()
    assert login(console).status_code == 302
    assert b"disk-alarm" not in console.get("/").data

    filler = fill(disk)
    try:
        heard = tmp_path / "heard.wav"
        result = up.call(EXTEN_ALERT, "test-phone-5", "listen 40; hangup", record=heard, timeout=90)
        assert result.answered and result.remote_hangup, result.events
        samples, rate = read_wav(heard)
        apology = {lang: read_wav(Path(prompts.audio_path(config.prompts_dir, lang, "failure_apology")))
                   for lang in ("sw", "fr")}
        assert find_prompts(samples, rate, apology), "the caller heard the apology"
        wait_for(lambda: "DISK ALARM" in up.ivr.log(), 15, "the alarm in the IVR's log")
        page = console.get("/")
        assert page.status_code == 200 and b'id="disk-alarm"' in page.data
    finally:
        filler.unlink()

    with Store.open(config.db_path) as store:
        assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        for path, sha in recordings_before.items():
            assert hashlib.sha256((config.data_dir / path).read_bytes()).hexdigest() == sha, path
    assert b"disk-alarm" not in console.get("/").data
    reaches_the_ivr(up, "test-phone-6")
