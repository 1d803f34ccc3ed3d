"""Calls in child processes (`python -m phone`), so one test can place many at once."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

from core import secrets
from core.config import Config
from core.net import connect_host

from .script import parse
from .call import ANONYMOUS, ANSWER_TIMEOUT, PASSWORD_ENV, CallResult, Target

PHONE_ROOT = Path(__file__).resolve().parent.parent


def target(config: Config, number: str, caller: str = "test-phone-1") -> Target:
    """Whom to call and as whom. `caller` is an endpoint name (its password is derived
    from the installation's secret, so unknown names make an unknown SIP user), or
    "anonymous" for a caller without identity or credentials."""
    host = connect_host(config.asterisk.sip_bind)
    if caller == ANONYMOUS:
        return Target(host, config.asterisk.sip_port, number, None, None)
    return Target(host, config.asterisk.sip_port, number, caller, secrets.endpoint_password(config, caller))


class RunningCall:
    """A call in progress in its own process; `result()` waits for it to end."""

    def __init__(self, proc: subprocess.Popen, number: str):
        self.proc = proc
        self.number = number
        self.log = ""

    def result(self, timeout: float | None = None) -> CallResult:
        try:
            out, err = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, err = self.proc.communicate()
            raise TimeoutError(f"call to {self.number} still running after {timeout} s:\n{err}") from None
        self.log = err
        lines = out.strip().splitlines()
        if not lines:
            raise RuntimeError(f"the phone process failed (exit {self.proc.returncode}):\n{err}")
        return CallResult.from_dict(json.loads(lines[-1]))

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.communicate()


def start_call(
    config: Config,
    number: str,
    caller: str = "test-phone-1",
    script: str = "",
    record: Path | None = None,
    answer_timeout: float = ANSWER_TIMEOUT,
    log_level: int = 0,
    password: str | None = None,
    source: str | None = None,
    display: str | None = None,
) -> RunningCall:
    """Start a call in a child process and return at once.

    `password` overrides the endpoint's real one (to test a wrong password);
    `source` and `display`: see `Target`.
    """
    t = target(config, number, caller)
    if password is not None and t.user is not None:
        t = Target(t.host, t.port, t.number, t.user, password)
    t = dataclasses.replace(t, source=source, display=display)
    return _spawn(t, [number], script, record, answer_timeout, log_level)


def start_answering(
    config: Config,
    caller: str = "test-phone-1",
    script: str = "",
    record: Path | None = None,
    wait_timeout: float = ANSWER_TIMEOUT,
    log_level: int = 0,
    ignore_calls: int = 0,
    busy_calls: int = 0,
) -> RunningCall:
    """Register `caller` in a child process and answer the first call the line makes to it
    (after rejecting `busy_calls` calls busy, then letting `ignore_calls` calls ring unanswered).

    Poll `pjsip show contacts` (or AMI) for the registration before making the call.
    """
    return _spawn(target(config, "", caller), ["--answer", "--ignore-calls", str(ignore_calls),
                                                 "--busy-calls", str(busy_calls)], script, record,
                  wait_timeout, log_level)


def _spawn(t: Target, mode: list[str], script: str, record: Path | None, timeout: float,
           log_level: int) -> RunningCall:
    parse(script)  # fail here, not in the child, on a bad script
    argv = [sys.executable, "-m", "phone", *mode, "--server", f"{t.host}:{t.port}", "--json",
            "--script", script, "--answer-timeout", str(timeout), "--log-level", str(log_level),
            "--realtime"]
    if t.user is not None:
        argv += ["--user", t.user]
    if t.source is not None:
        argv += ["--source", t.source]
    if t.display is not None:
        argv += ["--display", t.display]
    if record is not None:
        argv += ["--record", str(Path(record).absolute())]
    env = dict(os.environ)
    env[PASSWORD_ENV] = t.password or ""
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PHONE_ROOT), env.get("PYTHONPATH")]))
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    return RunningCall(proc, t.number or f"(answering as {t.user})")


def place_call(config: Config, number: str, caller: str = "test-phone-1", script: str = "",
               record: Path | None = None, answer_timeout: float = ANSWER_TIMEOUT,
               timeout: float | None = None, password: str | None = None,
               source: str | None = None, display: str | None = None) -> CallResult:
    """Place a call in a child process and wait for it to end (or raise TimeoutError)."""
    running = start_call(config, number, caller, script, record, answer_timeout, password=password,
                         source=source, display=display)
    return running.result(timeout)
