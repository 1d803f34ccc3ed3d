"""`sauti status`: a service counts as up only while its process runs and, for the IVR and
the console, answers on its port; one down makes the exit code non-zero."""

from __future__ import annotations

import subprocess
import sys

from sauti.supervisor import Supervisor, pid_file
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
