"""`sauti user ...` and `sauti web`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import urllib.request

import click

from core.identity import check_password
from sauti.cli import main
from tests.fixtures.core import free_port, wait_for


def test_user_add_list_passwd_disable(runner, app, fresh_db):
    result = runner.invoke("user", "add", "nadia", "--role", "supervisor", input="pass-word-1\npass-word-1\n")
    assert result.exit_code == 0, result.output
    user = fresh_db.get_user("nadia")
    assert user["role"] == "supervisor" and check_password(user["password_hash"], "pass-word-1")
    assert user["password_hash"].startswith("scrypt:")
    result = runner.invoke("user", "add", "nadia", "--role", "verifier", input="pass-word-1\npass-word-1\n")
    assert result.exit_code != 0 and "already exists" in result.output
    result = runner.invoke("user", "add", "omar", "--role", "boss")
    assert result.exit_code != 0
    result = runner.invoke("user", "passwd", "nadia", input="short\nshort\npass-word-2\npass-word-2\n")
    assert result.exit_code == 0, result.output
    assert check_password(fresh_db.get_user("nadia")["password_hash"], "pass-word-2")
    assert runner.invoke("user", "disable", "nadia").exit_code == 0
    assert fresh_db.get_user("nadia")["disabled"] == 1
    listing = runner.invoke("user", "list").output
    assert "nadia\tsupervisor\tdisabled" in listing and "vera\tverifier\tactive" in listing
    assert runner.invoke("user", "enable", "nadia").exit_code == 0
    assert runner.invoke("user", "disable", "ghost").exit_code != 0


def test_web_commands_are_documented():
    for name in ("web", "user"):
        command = main.commands[name]
        assert command.help
        if isinstance(command, click.Group):
            for sub in command.commands.values():
                assert sub.help, sub.name
        for param in command.params:
            if isinstance(param, click.Option):
                assert param.help, param.name


def answer(url: str, process) -> int | None:
    """The HTTP status of `url`, or None while nothing answers; the server must still run."""
    if process.poll() is not None:
        raise AssertionError(f"server exited early: {process.communicate()[1].decode()}")
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status
    except OSError:
        return None


def test_sauti_web_serves_and_stops_on_sigterm(config):
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "sauti", "--data", str(config.data_dir), "web", "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "PYTHONWARNINGS": "error"},
    )
    try:
        url = f"http://127.0.0.1:{port}/login"
        assert wait_for(lambda: answer(url, process), 20, f"{url} to answer") == 200
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err.decode()
    assert b"Traceback" not in err
    assert b"console stopped" in err
