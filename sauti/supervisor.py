"""Runs the line's Python services as child processes and keeps them running.

Each service is its own process (`sauti ivr`, `sauti worker`, `sauti web`), so a
crash in one never takes the others down; a service that exits unexpectedly is
restarted after a short back-off. On SIGINT/SIGTERM every child gets SIGTERM
and time to finish its work before being killed.

Each running child's pid is kept in `<data>/run/<command>.pid`, so `sauti status`
(health checks, systemd) can tell which services are up from another process. A service
writes its own pid into `<data>/run/<command>.ready` once its loop runs (`mark_ready`);
sauti/readiness.py reads both.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

STOP_GRACE_SECONDS = 30
RESTART_BACKOFF_SECONDS = (1, 2, 5, 10, 30)


RUN_DIR = "run"
# What `sauti up` runs besides Asterisk: (name shown, `sauti` subcommand).
LINE_SERVICES = (("ivr", "ivr"), ("asr worker", "worker"), ("console", "web"), ("dialler", "dialler"))
SMS_RECEIVER = ("sms receiver", "sms", "receive")   # with the SMS gateway, when it has a connection


def pid_file(data_dir: Path, command: str) -> Path:
    return data_dir / RUN_DIR / f"{command}.pid"


def ready_file(data_dir: Path, command: str) -> Path:
    return data_dir / RUN_DIR / f"{command}.ready"


def mark_ready(data_dir: Path, command: str) -> None:
    """Called by the service itself once it serves: its pid, so a dead one's mark counts for nothing."""
    path = ready_file(data_dir, command)
    path.parent.mkdir(mode=0o700, exist_ok=True)
    partial = path.with_suffix(".ready.partial")
    partial.write_text(f"{os.getpid()}\n")
    partial.replace(path)


@dataclass
class Service:
    name: str
    command: str
    args: list[str]
    process: subprocess.Popen | None = None
    restarts: int = 0
    started_at: float = 0.0
    log: list[str] = field(default_factory=list)


class Supervisor:
    def __init__(self, data_dir: Path, echo=print):
        self.data_dir = data_dir
        self.echo = echo
        self.services: list[Service] = []
        self.stopping = threading.Event()

    def add(self, name: str, *command: str) -> None:
        self.services.append(Service(name, command[0], [sys.executable, "-m", "sauti", "--data", str(self.data_dir), *command]))

    def start_all(self) -> None:
        for service in self.services:
            self._spawn(service)

    def _spawn(self, service: Service) -> None:
        ready_file(self.data_dir, service.command).unlink(missing_ok=True)  # the last one's
        service.process = subprocess.Popen(service.args, stdin=subprocess.DEVNULL)
        service.started_at = time.monotonic()
        path = pid_file(self.data_dir, service.command)
        path.parent.mkdir(mode=0o700, exist_ok=True)
        path.write_text(f"{service.process.pid}\n")
        self.echo(f"  started {service.name} (pid {service.process.pid})")

    def watch(self) -> None:
        """Block until asked to stop, restarting services that die."""
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: self.stopping.set())
        while not self.stopping.wait(0.5):
            for service in self.services:
                code = service.process.poll()
                if code is None:
                    continue
                if time.monotonic() - service.started_at > 60:
                    service.restarts = 0  # it ran fine for a while: start the back-off afresh
                delay = RESTART_BACKOFF_SECONDS[min(service.restarts, len(RESTART_BACKOFF_SECONDS) - 1)]
                self.echo(f"  {service.name} exited with code {code}; restarting in {delay} s")
                service.restarts += 1
                if self.stopping.wait(delay):
                    break
                self._spawn(service)

    def stop_all(self) -> None:
        running = [s for s in self.services if s.process and s.process.poll() is None]
        for service in running:
            service.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for service in running:
            try:
                service.process.wait(timeout=max(0.1, deadline - time.monotonic()))
                self.echo(f"  stopped {service.name}")
            except subprocess.TimeoutExpired:
                service.process.kill()
                service.process.wait()
                self.echo(f"  killed {service.name} (did not stop within {STOP_GRACE_SECONDS} s)")
        for service in self.services:
            pid_file(self.data_dir, service.command).unlink(missing_ok=True)
            ready_file(self.data_dir, service.command).unlink(missing_ok=True)
