"""`sauti status` and `sauti ready`: a service counts as up only while its process runs and
answers: the IVR serving a FastAGI session, the console HTTP, the worker and the dialler
with their ready mark; one down makes the exit code non-zero."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time

from core.store import Store
from sauti import readiness
from sauti.supervisor import Supervisor, pid_file, ready_file
from tests.fixtures.core import free_port, make_data_dir, wait_for


def run_status(data_dir) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sauti", "--data", str(data_dir), "status", "--no-asterisk"],
                          capture_output=True, text=True, timeout=60)


def rows(output: str) -> dict[str, str]:
    return {line[:11].strip(): line[11:].split()[0] for line in output.splitlines() if line.strip()}


def test_status_follows_the_services_processes(tmp_path):
    config = make_data_dir(tmp_path / "data", {"web": {"port": free_port()}})
    nothing = run_status(config.data_dir)
    assert nothing.returncode == 3, nothing.stdout + nothing.stderr
    assert rows(nothing.stdout) == {"ivr": "DOWN", "asr worker": "DOWN", "console": "DOWN", "dialler": "DOWN"}

    supervisor = Supervisor(config.data_dir, echo=lambda _: None)
    supervisor.add("console", "web")
    supervisor.start_all()
    try:
        wait_for(lambda: rows(run_status(config.data_dir).stdout)["console"] == "up", 60, "the console to answer")
        partly = run_status(config.data_dir)
        assert partly.returncode == 3 and rows(partly.stdout)["ivr"] == "DOWN"
        assert f"port {config.web.port}" in partly.stdout
    finally:
        supervisor.stop_all()
    assert not pid_file(config.data_dir, "web").exists()
    assert rows(run_status(config.data_dir).stdout)["console"] == "DOWN"


def test_a_recycled_pid_is_not_a_running_service(tmp_path):
    config = make_data_dir(tmp_path / "data")
    path = pid_file(config.data_dir, "dialler")
    path.parent.mkdir()
    path.write_text("1\n")  # init, alive but not this line's dialler
    assert rows(run_status(config.data_dir).stdout)["dialler"] == "DOWN"


def run_ready(data_dir, timeout: float) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sauti", "--data", str(data_dir), "ready", "--no-asterisk",
                           "--timeout", str(timeout)], capture_output=True, text=True, timeout=120)


def test_an_ivr_counts_as_up_only_once_it_serves_a_fastagi_session(tmp_path):
    config = make_data_dir(tmp_path / "data", {"ivr": {"agi_port": free_port()}})
    # A port that accepts connections but speaks no FastAGI is no IVR a call could reach.
    accepted = []
    with socket.create_server(("127.0.0.1", 0)) as impostor:
        threading.Thread(target=lambda: accepted.append(impostor.accept()[0]), daemon=True).start()
        problem = readiness.probe_ivr("127.0.0.1", impostor.getsockname()[1], timeout=1)
    for connection in accepted:
        connection.close()
    assert problem == "no FastAGI answer within 1 s"
    assert "not accepting FastAGI" in readiness.probe_ivr("127.0.0.1", config.ivr.agi_port)

    supervisor = Supervisor(config.data_dir, echo=lambda _: None)
    supervisor.add("ivr", "ivr")
    supervisor.start_all()
    try:
        status = wait_for(lambda: (s := run_status(config.data_dir)) and rows(s.stdout)["ivr"] == "up" and s,
                          60, "the IVR to serve FastAGI")
        assert f"serves FastAGI on port {config.ivr.agi_port}" in status.stdout
        with Store.open(config.db_path) as store:
            assert store.conn.execute("SELECT count(*) FROM calls").fetchone()[0] == 0, "a probe is no call"
        assert "flow ready" not in (config.data_dir / "logs" / "ivr.log").read_text(), "probes stay out of the log"
    finally:
        supervisor.stop_all()


def test_ready_waits_for_the_services_and_names_those_not_ready(tmp_path):
    config = make_data_dir(tmp_path / "data", {"web": {"port": free_port()}, "ivr": {"agi_port": free_port()}})
    started = time.monotonic()
    nothing = run_ready(config.data_dir, 1)
    assert nothing.returncode == 3 and time.monotonic() - started >= 1
    assert "not ready after 1 s: ivr: not running; asr worker: not running; console: not running; dialler: not running" \
        in nothing.stderr, nothing.stderr

    supervisor = Supervisor(config.data_dir, echo=lambda _: None)
    for name, command in (("ivr", "ivr"), ("asr worker", "worker"), ("console", "web")):
        supervisor.add(name, command)
    supervisor.start_all()
    try:
        # No Asterisk for this data directory: the dialler runs but cannot log in, so it never reports ready.
        supervisor.add("dialler", "dialler")
        supervisor._spawn(supervisor.services[-1])
        partly = run_ready(config.data_dir, 20)
        assert partly.returncode == 3, partly.stdout + partly.stderr
        assert partly.stderr.strip() == "not ready after 20 s: dialler: pid " \
            f"{supervisor.services[-1].process.pid}, starting (not reported ready yet)", partly.stderr
        assert ready_file(config.data_dir, "worker").read_text().strip() == str(supervisor.services[1].process.pid)
    finally:
        supervisor.stop_all()
    assert not ready_file(config.data_dir, "worker").exists(), "a stopped service's mark goes with it"


def test_a_ready_mark_left_by_a_dead_process_counts_for_nothing(tmp_path):
    config = make_data_dir(tmp_path / "data")
    supervisor = Supervisor(config.data_dir, echo=lambda _: None)
    supervisor.add("asr worker", "worker")
    supervisor.start_all()
    try:
        wait_for(lambda: ready_file(config.data_dir, "worker").exists(), 60, "the worker to report ready")
        ready_file(config.data_dir, "worker").write_text("1\n")  # a mark some earlier process wrote
        assert rows(run_status(config.data_dir).stdout)["asr worker"] == "DOWN"
    finally:
        supervisor.stop_all()
