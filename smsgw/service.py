"""Start, stop and look at the Kannel of one data directory: bearerbox, then smsbox.

Both run in their own session (they outlive the `sauti sms start` that launched them,
as Asterisk does), with umask 077, so what they write is the service user's alone.
Their pids are kept in `<data>/sms/run/`; a pid counts only while its command line
names this data directory's kannel.conf.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from core import secrets
from core.config import Config
from core.net import bind_error, connect_host

from core.sms_links import admin_url

from .render import GatewayError, Paths, paths, render

BOXES = ("bearerbox", "smsbox")   # in start order; stopped in reverse
BOOT_TIMEOUT = 30.0
STOP_TIMEOUT = 20.0


@dataclass(frozen=True)
class Connection:
    name: str
    state: str          # Kannel's word: online, connecting, re-connecting, disconnected, dead
    queued: int

    def __str__(self) -> str:
        return f"{self.name}: {self.state}, {self.queued} queued"


@dataclass(frozen=True)
class Status:
    running: bool
    pids: dict = field(default_factory=dict)    # box -> pid, for the boxes that run
    connections: tuple[Connection, ...] = ()
    queued: int = 0                             # messages bearerbox holds for sending
    detail: str = ""

    def __str__(self) -> str:
        if not self.pids:
            return f"stopped{': ' + self.detail if self.detail else ''}"
        boxes = ", ".join(f"{box} pid {self.pids[box]}" if box in self.pids else f"{box} NOT running" for box in BOXES)
        text = f"{'running' if self.running else 'partly running'} ({boxes}); {self.queued} queued to send"
        lines = [text, *(f"  {c}" for c in self.connections)]
        if self.detail:
            lines.append(f"  WARNING: {self.detail}")
        return "\n".join(lines)


def binary(box: str) -> str:
    found = shutil.which(box) or next((str(p) for p in (Path("/usr/sbin") / box,) if p.exists()), None)
    if found is None:
        raise GatewayError(f"Kannel's {box} is not installed: apt-get install kannel (scripts/bootstrap does)")
    return found


def _alive(pid: int, p: Paths) -> bool:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z" and str(p.config_file).encode() in cmdline


def running_pid(config: Config, box: str) -> int | None:
    p = paths(config)
    try:
        pid = int(p.pid_file(box).read_text().strip())
    except (OSError, ValueError):
        return None
    return pid if _alive(pid, p) else None


def _ports(config: Config) -> list[tuple[str, int, str]]:
    s = config.sms
    wanted = [("admin", s.admin_port, "admin_port"), ("smsbox", s.smsbox_port, "smsbox_port"),
              ("sendsms", s.sendsms_port, "sendsms_port")]
    if s.test_smsc_port:
        wanted.append(("test SMS centre", s.test_smsc_port, "test_smsc_port"))
    return wanted


def _check_ports(config: Config, settle: float = 5.0) -> None:
    """Every port free, or one clear error naming the busy ones. A Kannel stopped a moment
    ago may still be releasing its ports as its threads exit: that is waited for."""
    deadline = time.monotonic() + settle
    while True:
        try:
            return _ports_free(config)
        except GatewayError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def _ports_free(config: Config) -> None:
    busy = []
    for label, port, setting in _ports(config):
        exc = bind_error(config.sms.bind, port, socket.SOCK_STREAM)
        if exc is None:
            continue
        why = "is already in use" if exc.errno == errno.EADDRINUSE else f"cannot be used ({exc.strerror})"
        busy.append(f"Kannel's {label} port {config.sms.bind}:{port} {why} (change [sms] {setting})")
    if busy:
        raise GatewayError("; ".join(busy))


def _listening(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def _find_pid(p: Paths, box: str) -> int | None:
    """The running `box` of this data directory, found by its command line."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                argv = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if argv[0].endswith(box.encode()) and str(p.config_file).encode() in argv and _alive(int(entry.name), p):
                return int(entry.name)
    return None


def _spawn(config: Config, p: Paths, box: str, condition, deadline: float) -> None:
    """Start `box` in a session of its own (`setsid -f`: no child of ours is left to reap) and
    wait until `condition()`; its pid goes to <data>/sms/run/."""
    # -v 4: only a panic (a configuration error) reaches stderr, kept beside the box's log.
    with open(p.log / f"{box}.stderr", "ab", opener=lambda path, flags: os.open(path, flags, 0o600)) as stderr:
        subprocess.run(["setsid", "-f", binary(box), "-v", "4", str(p.config_file)], stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=stderr, umask=0o077, check=True)
    pid = None
    while time.monotonic() < deadline:
        pid = pid or _find_pid(p, box)
        if pid is not None:
            p.pid_file(box).touch(mode=0o600)
            p.pid_file(box).write_text(f"{pid}\n")
            if condition():
                return
            if not _alive(pid, p):
                break
        time.sleep(0.05)
    raise GatewayError(f"Kannel's {box} did not come up{_stderr_tail(p, box)}")


def _stderr_tail(p: Paths, box: str) -> str:
    try:
        lines = (p.log / f"{box}.stderr").read_text(errors="replace").splitlines()[-5:]
    except OSError:
        return ""
    return (": " + " | ".join(lines)) if lines else f"; see {p.log}"


def start(config: Config, echo=None, timeout: float = BOOT_TIMEOUT) -> Status:
    """Render the configuration, start bearerbox and smsbox, and wait until both listen.

    Starts only the boxes that are not running already."""
    say = echo or (lambda line: None)
    if all(running_pid(config, box) for box in BOXES):
        say("the SMS gateway is already running")
        return status(config)
    for box in BOXES:
        binary(box)
    if running_pid(config, "bearerbox") is None:
        if running_pid(config, "smsbox") is not None:
            _stop_box(config, "smsbox", STOP_TIMEOUT / 2)  # a new bearerbox needs a new smsbox
        _check_ports(config)
    p = render(config)
    host = connect_host(config.sms.bind)
    deadline = time.monotonic() + timeout
    started = time.monotonic()
    if running_pid(config, "bearerbox") is None:
        _spawn(config, p, "bearerbox", deadline=deadline, condition=lambda: _listening(
            host, config.sms.admin_port) and _listening(host, config.sms.smsbox_port))
    if running_pid(config, "smsbox") is None:
        _spawn(config, p, "smsbox", deadline=deadline, condition=lambda: _listening(host, config.sms.sendsms_port))
    say(f"Kannel (bearerbox, smsbox) up in {time.monotonic() - started:.2f} s")
    return status(config)


def _stop_box(config: Config, box: str, timeout: float) -> int | None:
    p = paths(config)
    pid = running_pid(config, box)
    if pid is not None:
        # SIGTERM: Kannel stops cleanly, writing its store (messages still queued) first.
        for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5.0)):
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                break
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline and _alive(pid, p):
                time.sleep(0.05)
            if not _alive(pid, p):
                break
        if _alive(pid, p):
            raise GatewayError(f"Kannel's {box} (pid {pid}) did not stop")
    p.pid_file(box).unlink(missing_ok=True)
    return pid


def stop(config: Config, echo=None, timeout: float = STOP_TIMEOUT) -> bool:
    """Stop smsbox, then bearerbox; False if neither was running."""
    say = echo or (lambda line: None)
    stopped = [box for box in reversed(BOXES) if _stop_box(config, box, timeout / 2) is not None]
    say(f"Kannel stopped ({', '.join(stopped)})" if stopped else "the SMS gateway was not running")
    return bool(stopped)


def _status_text(config: Config) -> str:
    url = admin_url(config, "status.txt") + "?password=" + secrets.sms_password(config, "status")
    with urllib.request.urlopen(url, timeout=5) as answer:
        return answer.read().decode("utf-8", "replace")


_QUEUED_TO_SEND = re.compile(r"^SMS: received \d+ \(\d+ queued\), sent \d+ \((\d+) queued\)", re.M)
# "    test[test]    FAKE:35309 (online 12s, rcvd: ..., failed 0, queued 0 msgs)"
_CONNECTION = re.compile(r"^\s+(\S+?)\[\S*\]\s+\S+\s+\(([a-z-]+)\b.*?queued (\d+) msgs\)", re.M)


def parse_status(text: str) -> tuple[int, tuple[Connection, ...]]:
    """Kannel's status.txt: the messages queued to send, and each SMS connection's state."""
    queued = _QUEUED_TO_SEND.search(text)
    if queued is None:
        raise ValueError("not Kannel's status page")
    found = tuple(Connection(name, state, int(count)) for name, state, count in _CONNECTION.findall(text))
    return int(queued.group(1)), found


def status(config: Config) -> Status:
    pids = {box: pid for box in BOXES if (pid := running_pid(config, box)) is not None}
    if "bearerbox" not in pids:
        return Status(running=False, pids=pids)
    try:
        queued, connections = parse_status(_status_text(config))
    except (OSError, urllib.error.URLError, ValueError) as exc:
        return Status(running=len(pids) == len(BOXES), pids=pids, detail=f"bearerbox's status page: {exc}")
    return Status(running=len(pids) == len(BOXES), pids=pids, connections=connections, queued=queued)
