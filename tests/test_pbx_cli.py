"""`sauti asterisk install|start|status|cli|stop` on a data directory of its own."""

import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

import pbx
from pbx.runtime import mounts_under, processes_using, root_path
from sauti.cli import main
from tests.fixtures.asterisk import CLI_PORTS, free_ports
from tests.fixtures.core import in_ci, make_data_dir

pytestmark = pytest.mark.asterisk



def test_install_start_status_stop(tmp_path):
    (tmp_path / "prompts").mkdir()
    config = make_data_dir(tmp_path / "data", {**free_ports(CLI_PORTS), "prompts": {"dir": str(tmp_path / "prompts")}})
    runner = CliRunner()

    def sauti(*args):
        return runner.invoke(main, ["--data", str(config.data_dir), *args], catch_exceptions=False)

    installed = sauti("asterisk", "install")
    if installed.exit_code != 0:
        message = f"`sauti asterisk install` failed: {installed.output}"
        pytest.fail(message) if in_ci() else pytest.skip(message)
    assert "ready: Asterisk 22." in installed.output
    started = time.monotonic()
    again = sauti("asterisk", "install")
    assert again.exit_code == 0 and time.monotonic() - started < 5
    assert "cached root" in again.output or "system's Asterisk" in again.output
    try:
        result = sauti("asterisk", "start")
        assert result.exit_code == 0, result.output
        assert "booted in" in result.output
        result = sauti("asterisk", "status")
        assert result.exit_code == 0 and result.output.startswith("running (pid ")
        assert "Asterisk 22." in result.output
        result = sauti("asterisk", "cli", "pjsip", "show", "endpoints")
        assert "test-phone-1" in result.output and "radio-test" in result.output
        assert "already running" in sauti("asterisk", "start").output
    finally:
        pid = pbx.running_pid(config)
        assert sauti("asterisk", "stop").output.strip() == "stopped"
    result = sauti("asterisk", "status")
    assert result.exit_code == 3 and result.output.startswith("stopped")
    assert pid is not None and not pbx.service._alive(pid, pbx.paths(config))
    runtime = pbx.find(config)
    if runtime.root is not None:
        assert mounts_under(root_path(config)) == []
        assert pid not in processes_using(root_path(config))
    assert "Asterisk was not running" in sauti("asterisk", "stop").output


def test_call_command_reports_a_failed_call(tmp_path):
    config = make_data_dir(tmp_path / "data", free_ports(CLI_PORTS))
    port = config.asterisk.sip_port
    # In a child process: pjsua2 allows one endpoint per process, and this is pytest's.
    argv = [sys.executable, "-c", "from sauti.cli import main; main()", "--data", str(config.data_dir),
            "call", "100", "--as", "anonymous", "--answer-timeout", "2"]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    # Nothing listens on this port: the call fails, and says so.
    assert result.returncode == 1
    assert f"calling sip:100@127.0.0.1:{port} as anonymous" in result.stdout
    assert "failed:" in result.stderr


def test_call_command_rejects_a_bad_script(tmp_path):
    config = make_data_dir(tmp_path / "data")
    result = CliRunner().invoke(main, ["--data", str(config.data_dir), "call", "100", "--script", "dance 3"])
    assert result.exit_code == 2 and "unknown step" in result.output


def test_install_works_before_init(tmp_path):
    result = CliRunner().invoke(main, ["--data", str(tmp_path / "not-yet"), "asterisk", "install"])
    if result.exit_code != 0 and not in_ci():
        pytest.skip(f"no Asterisk on this machine: {result.output}")
    assert result.exit_code == 0, result.output
    assert "ready: Asterisk 22." in result.output
    assert not (tmp_path / "not-yet").exists()
