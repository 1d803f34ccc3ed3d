"""`sauti up`: the whole line starts, a crashed service comes back, so does a killed
Asterisk (and calls work again with no manual step), a deliberate `sauti asterisk stop`
is respected, SIGTERM stops everything. One `sauti up` for the module, in file order."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

import pbx
from core.dialplan import EXTEN_ALERT, EXTEN_ECHO_TEST
from core.store import Store
from ivr.audio import facts, write_wav
from tests.fixtures.asterisk import AsteriskLine, free_ports
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


@dataclass
class Up:
    config: object
    process: subprocess.Popen
    log_path: Path
    notify_socket: socket.socket  # where `sauti up` tells systemd (Type=notify) it is ready
    status_when_up: subprocess.CompletedProcess

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def sauti(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "sauti", "--data", str(self.config.data_dir), *args],
                              capture_output=True, text=True, timeout=90)


@pytest.fixture(scope="module")
def up(tmp_path_factory, asterisk_prompts):
    tmp_path = tmp_path_factory.mktemp("up")
    overrides = free_ports(UP_PORTS)
    overrides["web"] = {"port": free_port()}
    overrides["prompts"] = {"dir": str(asterisk_prompts)}
    config = make_data_dir(tmp_path / "data", overrides)
    log_path = tmp_path / "up.log"
    notify_socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify_socket.bind(str(tmp_path / "notify"))
    with open(log_path, "w") as log:
        process = subprocess.Popen([sys.executable, "-m", "sauti", "--data", str(config.data_dir), "up"],
                                   stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   env={**os.environ, "NOTIFY_SOCKET": str(tmp_path / "notify")})
    running = Up(config, process, log_path, notify_socket, None)
    try:
        wait_for(lambda: "Sauti is up" in running.output() or process.poll() is not None, 120, "`sauti up` to start")
        if process.poll() is not None and "needs root" in running.output() and not in_ci():
            pytest.skip("Asterisk needs root here")
        assert process.poll() is None, running.output()
        running.status_when_up = running.sauti("status")
        yield running
    finally:
        notify_socket.close()
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=90)
        pbx.stop(config)


def test_up_runs_the_whole_line(up):
    config, output = up.config, up.output
    assert pbx.status(config).running
    assert f"Console: http://127.0.0.1:{config.web.port}/" in output()
    assert "call 100 --as test-phone-1" in output(), "it says how to place a test call"

    # "Sauti is up" means every service answers already, not soon.
    assert up.status_when_up.returncode == 0, up.status_when_up.stdout
    up.notify_socket.settimeout(5)
    assert up.notify_socket.recv(4096).decode().splitlines()[0] == "READY=1", "systemd is told the line is ready"
    with urllib.request.urlopen(f"http://127.0.0.1:{config.web.port}/login", timeout=2) as response:
        assert response.status == 200, "the console answers"
    assert port_open(config.ivr.agi_port), "the IVR listens for Asterisk"
    assert "PJSIP endpoint(s)" in up.status_when_up.stdout
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
    wait_for(lambda: up.sauti("status").returncode == 0, 30, "`sauti status` to see the whole line up")
    assert {"asterisk", "ivr", "asr worker", "console", "dialler"} <= {
        line.split("  ")[0] for line in up.sauti("status").stdout.splitlines()}


def calls(config) -> int:
    with Store.open(config.db_path) as store:
        return store.conn.execute("SELECT count(*) FROM calls").fetchone()[0]


def test_calls_work_after_asterisk_crashes_and_restarts(up, tmp_path):
    config, output = up.config, up.output
    logins = output().count("AMI logged in")
    pid = pbx.running_pid(config)
    killed_at = time.monotonic()
    os.kill(pid, signal.SIGKILL)
    # `sauti up` starts it again over its stale pid file, control socket and log filter.
    new_pid = wait_for(lambda: pbx.running_pid(config) not in (None, pid) and pbx.running_pid(config), 60,
                       "`sauti up` to start Asterisk again")
    wait_for(lambda: pbx.paths(config).socket.exists(), 60, "its control socket")
    pbx.cli(config, "core waitfullybooted")
    before = calls(config)
    line = AsteriskLine(config)
    placed_at = time.monotonic()
    call = line.start_call(EXTEN_ALERT, "test-phone-2", "wait 1; dtmf 1; listen 2; hangup")
    wait_for(lambda: calls(config) > before, 30, "the IVR's flow to take the call")
    result = call.result(timeout=60)
    assert result.answered, result.events
    print(f"killed Asterisk to the first answered call: {placed_at - killed_at + result.answered_at:.2f} s",
          file=sys.stderr)
    result = line.call(EXTEN_ECHO_TEST, "test-phone-1", "listen 2; hangup", record=tmp_path / "heard.wav",
                       timeout=60)
    assert result.ok, result.events
    wait_for(lambda: output().count("AMI logged in") > logins, 60, "the dialler to log in again")
    assert f"Asterisk (pid {pid}) died" in output() and f"Asterisk started again (pid {new_pid})" in output()
    assert "restarted by `sauti up` once" in up.sauti("status").stdout
    assert f"Asterisk (pid {pid}) died" in (config.data_dir / "logs" / "up.log").read_text(), "in the log file too"


def test_an_asterisk_that_cannot_start_again_raises_the_alarm_until_it_can(up):
    config, output = up.config, up.output
    pid = pbx.running_pid(config)
    os.kill(pid, signal.SIGKILL)
    # Something else takes its SIP port as it dies: the restart fails.
    squatter = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)

    def taken() -> bool:
        try:
            squatter.bind(("127.0.0.1", config.asterisk.sip_port))
            return True
        except OSError:  # Asterisk still holds it
            return False

    try:
        wait_for(taken, 30, "Asterisk to let go of its SIP port")
        wait_for(lambda: "ASTERISK ALARM" in output(), 60, "the alarm")
        status = up.sauti("status")
        assert status.returncode == 3 and "ASTERISK ALARM" in status.stdout, status.stdout
        assert f"SIP port (UDP) 127.0.0.1:{config.asterisk.sip_port} is already in use" in status.stdout
    finally:
        squatter.close()
    wait_for(lambda: output().count("Asterisk started again") == 2, 60, "the next try to start it")
    status = wait_for(lambda: (s := up.sauti("status")).returncode == 0 and s, 30, "the whole line up")
    assert "restarted by `sauti up` 2 times" in status.stdout and "ALARM" not in status.stdout, status.stdout
    waits = [int(n) for n in re.findall(r"starting Asterisk again in (\d+) s", output())]
    assert waits == sorted(waits) and waits[-1] > waits[0], f"a failed start waits longer next time: {waits}"


def test_a_deliberate_stop_is_respected_until_start(up):
    config, output = up.config, up.output
    deaths = len(re.findall(r"Asterisk \(pid \d+\) died", output()))
    stopped = up.sauti("asterisk", "stop")
    assert stopped.returncode == 0, stopped.stderr
    wait_for(lambda: "stopped with `sauti asterisk stop`: not starting it again" in output(), 30,
             "`sauti up` to see the deliberate stop")
    assert pbx.running_pid(config) is None
    status = up.sauti("status")
    assert status.returncode == 3 and "leaves it down until `sauti asterisk start`" in status.stdout, status.stdout
    assert len(re.findall(r"Asterisk \(pid \d+\) died", output())) == deaths, "a deliberate stop is no death"

    started = up.sauti("asterisk", "start")
    assert started.returncode == 0, started.stderr
    pid = pbx.running_pid(config)
    wait_for(lambda: f"Asterisk runs again (pid {pid})" in output(), 30, "`sauti up` to watch it again")
    wait_for(lambda: up.sauti("status").returncode == 0, 30, "`sauti status` to see the whole line up")
    assert pbx.running_pid(config) == pid, "`sauti up` started no second Asterisk"


def test_sigterm_stops_everything(up):
    config, output = up.config, up.output
    up.process.send_signal(signal.SIGTERM)
    code = up.process.wait(timeout=90)
    assert code == 0, output()
    assert "Sauti is down." in output()
    assert not any(alive(pid) for pid in pids(output()).values())
    assert not pbx.status(config).running
    assert up.notify_socket.recv(4096) == b"STOPPING=1"
    assert "starting Asterisk again" not in output().split("Stopping:")[-1], "no restart while stopping"
    down = up.sauti("status")
    assert down.returncode == 3 and "DOWN" in down.stdout, down.stdout + down.stderr
