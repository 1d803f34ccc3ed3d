"""Asterisk's log files, written by a filter so no caller's number reaches the disk.

Why a filter rather than Asterisk's own file channels: Asterisk 22 (checked on 22.10)
reports an unknown caller as `SecurityEvent="InvalidAccountID"` with `AccountID="<the
From user>"`, i.e. the number the caller claims, and logs the same request as a NOTICE
with the whole From header; errors name dial strings too (`endpoint '+243...' was not
found`). Its logger chooses levels, never fields, so a file channel would hold numbers.

So Asterisk sends errors, warnings and security events to syslog only
(dialplans/logger.conf). In the chroot Asterisk runs in a private mount namespace
where /dev/log is bind-mounted to this filter's socket (pbx/service.py): the lines never
touch the disk before they are filtered. The filter writes
- log/messages.log: errors and warnings, anything shaped like a phone number masked
  (core.logs.mask_numbers, the guard Sauti's own logs use);
- log/security.log: security events with their source address (RemoteAddress, what
  fail2ban-style detection needs), an AccountID that is not one of the line's own
  endpoints replaced by "<unknown>", then masked too.
Both are 0600 and reopened when rotated away (renamed by logrotate). If the filter is
down, syslog drops the lines; Asterisk never waits for it.

The filter runs beside Asterisk: `spawn` starts it before Asterisk, it exits when that
Asterisk is gone (or at `stop`).
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from core.logs import mask_numbers

SOCKET_NAME = "syslog.sock"   # in <data>/asterisk/run/
SECURITY_LOG = "security.log"  # in <data>/asterisk/log/
MESSAGES_LOG = "messages.log"
PID_NAME = "logfilter.pid"
ERRORS_NAME = "logfilter.err"  # the filter's own failures
UNKNOWN_ACCOUNT = "<unknown>"
START_TIMEOUT = 10.0
BOOT_GRACE = 120.0            # seconds to wait for Asterisk to appear before giving up

_EVENT = re.compile(r'(SecurityEvent=".*)$')
_ACCOUNT = re.compile(r'AccountID="([^"]*)"')
# "<133>Nov 26 04:09:02 asterisk[25711]: WARNING[25741]: res_pjsip.c:688 in f: text"
_SYSLOG = re.compile(r"^(?:<\d+>)?.*?asterisk\[\d+\]: (?P<level>[A-Z]+)\[(?P<thread>\d+)\]: (?P<text>.*)$", re.S)
FILE_LEVELS = ("ERROR", "WARNING")


def redact(message: str, accounts: frozenset[str]) -> str | None:
    """The security event in one syslog message, without an account the line does not know."""
    match = _EVENT.search(message.rstrip("\n"))
    if match is None:
        return None
    event = match.group(1)

    def account(found: re.Match) -> str:
        name = found.group(1)
        return found.group(0) if name in accounts else f'AccountID="{UNKNOWN_ACCOUNT}"'

    return _ACCOUNT.sub(account, event)


def route(message: str, accounts: frozenset[str]) -> tuple[str, str] | None:
    """(file name, line) for one syslog message, or None for what no file keeps."""
    match = _SYSLOG.match(message.rstrip("\n"))
    if match is None:
        return None
    level, text = match.group("level"), " ".join(match.group("text").splitlines())  # one line per message
    if level == "SECURITY":
        event = redact(text, accounts)
        return (SECURITY_LOG, mask_numbers(event)) if event is not None else None
    if level in FILE_LEVELS:
        return MESSAGES_LOG, mask_numbers(f"{level}[{match.group('thread')}] {text}")
    return None


class LogFile:
    """Appends lines to `path` (0600), reopening it when it was rotated away."""

    def __init__(self, path: Path):
        self.path = path
        self._file = None
        self._inode = None

    def open(self) -> None:
        """Open (creating it 0600) unless the open file is still the one at `path`."""
        try:
            current = os.stat(self.path).st_ino
        except FileNotFoundError:
            current = None
        if self._file is None or current != self._inode:
            self.close()
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            self._file = os.fdopen(fd, "a", encoding="utf-8")
            self._inode = os.fstat(fd).st_ino

    def write(self, line: str) -> None:
        self.open()
        stamp = time.strftime("%Y-%m-%d %H:%M:%S%z")
        self._file.write(f"[{stamp}] {line}\n")
        self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def _asterisk_alive(pid_file: Path, marker: bytes) -> bool:
    try:
        pid = int(pid_file.read_text().strip())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, ValueError, IndexError):
        return False
    return marker in cmdline and state != "Z"


def serve(sock_path: Path, log_dir: Path, accounts: frozenset[str], pid_file: Path, marker: bytes) -> None:
    """Filter until the watched Asterisk has come and gone (or SIGTERM)."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    sock_path.unlink(missing_ok=True)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    old_umask = os.umask(0o077)  # only Asterisk (root, or the same user) may send
    try:
        sock.bind(str(sock_path))
    finally:
        os.umask(old_umask)
    sock.settimeout(1.0)
    files = {name: LogFile(log_dir / name) for name in (SECURITY_LOG, MESSAGES_LOG)}
    for log_file in files.values():
        log_file.open()  # both exist from the start, as an operator expects
    started, seen = time.monotonic(), False
    try:
        while True:
            try:
                data = sock.recv(65536)
            except socket.timeout:
                alive = _asterisk_alive(pid_file, marker)
                seen = seen or alive
                if (seen and not alive) or (not seen and time.monotonic() - started > BOOT_GRACE):
                    return
                continue
            routed = route(data.decode("utf-8", errors="replace"), accounts)
            if routed is not None:
                files[routed[0]].write(routed[1])
    finally:
        for log_file in files.values():
            log_file.close()
        sock.close()
        sock_path.unlink(missing_ok=True)


def _running(pid_path: Path) -> int | None:
    try:
        pid = int(pid_path.read_text().strip())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, ValueError):
        return None
    return pid if b"pbx.logfilter" in cmdline else None


def spawn(run_dir: Path, log_dir: Path, accounts: list[str], asterisk_pid_file: Path, marker: str) -> Path:
    """Start a fresh filter for one Asterisk and return its socket once it listens."""
    stop(run_dir)
    sock_path = run_dir / SOCKET_NAME
    sock_path.unlink(missing_ok=True)
    # -c rather than -m: runpy would import pbx (and so this module) before running it.
    argv = [sys.executable, "-c", "import sys; from pbx.logfilter import main; main(sys.argv[1:])",
            "--socket", str(sock_path), "--log-dir", str(log_dir),
            "--asterisk-pid-file", str(asterisk_pid_file), "--marker", marker,
            "--pid-file", str(run_dir / PID_NAME)]
    for name in accounts:
        argv += ["--account", name]
    errors = os.open(log_dir / ERRORS_NAME, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        # Started through `sh ... &` so it is nobody's child: it outlives `sauti asterisk start`
        # and leaves no zombie in a long-running caller such as `sauti up`.
        subprocess.run(["sh", "-c", '"$@" &', "logfilter", *argv], stdin=subprocess.DEVNULL, stdout=errors,
                       stderr=errors, start_new_session=True, check=True,
                       cwd=Path(__file__).resolve().parent.parent)
    finally:
        os.close(errors)
    deadline = time.monotonic() + START_TIMEOUT
    while not sock_path.exists():
        if time.monotonic() > deadline:
            raise RuntimeError(f"Asterisk's log filter did not start; see {log_dir / ERRORS_NAME}")
        time.sleep(0.02)
    return sock_path


def running(run_dir: Path) -> bool:
    return _running(run_dir / PID_NAME) is not None


def stop(run_dir: Path) -> None:
    """Stop this data directory's filter, if one runs."""
    pid_path = run_dir / PID_NAME
    pid = _running(pid_path)
    if pid is not None:
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 5
        while _running(pid_path) is not None and time.monotonic() < deadline:
            time.sleep(0.02)
    pid_path.unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="pbx.logfilter", description=__doc__.split("\n\n")[0])
    parser.add_argument("--socket", type=Path, required=True)
    parser.add_argument("--log-dir", type=Path, required=True)
    parser.add_argument("--asterisk-pid-file", type=Path, required=True)
    parser.add_argument("--marker", required=True, help="text in the watched Asterisk's command line")
    parser.add_argument("--account", action="append", default=[], help="an endpoint name kept as is")
    parser.add_argument("--pid-file", type=Path, required=True)
    args = parser.parse_args(argv)
    args.pid_file.write_text(f"{os.getpid()}\n")
    serve(args.socket, args.log_dir, frozenset([UNKNOWN_ACCOUNT, *args.account]), args.asterisk_pid_file,
          args.marker.encode())
