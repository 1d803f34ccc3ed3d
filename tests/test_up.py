"""`sauti up`: the whole line starts, a crashed service comes back, SIGTERM stops everything."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import numpy as np
import pytest

import pbx
from core.store import Store
from ivr.audio import facts, write_wav
from tests.fixtures.asterisk import free_ports
from tests.fixtures.core import free_port, in_ci, make_data_dir, wait_for

pytestmark = pytest.mark.asterisk

UP_PORTS = (5460, 5438, 4973, 20000)


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def pids(output: str) -> dict[str, int]:
    """The latest pid `up` printed for each service."""
    return {name: int(pid) for name, pid in re.findall(r"started (.+?) \(pid (\d+)\)", output)}


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}").exists() and "zombie" not in Path(f"/proc/{pid}/status").read_text().lower()


@pytest.fixture
def line_dir(tmp_path, asterisk_prompts):
    overrides = free_ports(UP_PORTS)
    overrides["web"] = {"port": free_port()}
    overrides["prompts"] = {"dir": str(asterisk_prompts)}
    return make_data_dir(tmp_path / "data", overrides)


def test_up_runs_the_whole_line_and_stops_it_cleanly(line_dir, tmp_path):
    config = line_dir
    log_path = tmp_path / "up.log"
    with open(log_path, "w") as log:
        up = subprocess.Popen([sys.executable, "-m", "sauti", "--data", str(config.data_dir), "up"],
                              stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    def output() -> str:
        return log_path.read_text(errors="replace")

    try:
        wait_for(lambda: "Sauti is up" in output() or up.poll() is not None, 120, "`sauti up` to start")
        if up.poll() is not None and "needs root" in output() and not in_ci():
            pytest.skip("Asterisk needs root here")
        assert up.poll() is None, output()
        assert pbx.status(config).running
        assert f"Console: http://127.0.0.1:{config.web.port}/" in output()
        assert "call 100 --as test-phone-1" in output(), "it says how to place a test call"

        # The console answers (and asks for a login).
        def console_answers():
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{config.web.port}/login", timeout=2) as response:
                    return response.status == 200
            except OSError:
                return False

        wait_for(console_answers, 30, "the console")
        # The IVR listens for Asterisk.
        wait_for(lambda: port_open(config.ivr.agi_port), 30, "the IVR")
        # The worker takes an alert's job (a silent recording needs no model).
        wav = config.recordings_dir / "silence.wav"
        write_wav(wav, np.zeros(8000 * 2, dtype=np.int16), 8000)
        with Store.open(config.db_path) as store:
            alert = store.file_alert(store.create_call("phone"), facts(wav, config.data_dir))
            wait_for(lambda: store.get_alert(alert["id"])["transcript_state"] != "pending", 60, "the worker")

        # A crashed service is restarted.
        first = pids(output())
        os.kill(first["asr worker"], signal.SIGKILL)
        wait_for(lambda: pids(output())["asr worker"] != first["asr worker"], 30, "the worker to be restarted")
        running = pids(output())
        assert {"ivr", "asr worker", "console", "dialler"} <= set(running), output()
        wait_for(lambda: "AMI logged in" in output(), 30, "the dialler to log in to Asterisk")
        assert all(alive(pid) for pid in running.values()), output()

        # `sauti status` (the health check) sees every service up.
        def status() -> subprocess.CompletedProcess:
            return subprocess.run([sys.executable, "-m", "sauti", "--data", str(config.data_dir), "status"],
                                  capture_output=True, text=True, timeout=60)

        wait_for(lambda: status().returncode == 0, 30, "`sauti status` to see the whole line up")
        assert {"asterisk", "ivr", "asr worker", "console", "dialler"} <= {
            line.split("  ")[0] for line in status().stdout.splitlines()}
    finally:
        up.send_signal(signal.SIGTERM)
        code = up.wait(timeout=90)
    assert code == 0, output()
    assert "Sauti is down." in output()
    assert not any(alive(pid) for pid in pids(output()).values())
    assert not pbx.status(config).running
    down = subprocess.run([sys.executable, "-m", "sauti", "--data", str(config.data_dir), "status"],
                          capture_output=True, text=True, timeout=60)
    assert down.returncode == 3 and "DOWN" in down.stdout, down.stdout + down.stderr
