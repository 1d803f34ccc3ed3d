"""Asterisk's log files, written by a filter so no caller's number reaches the disk.

Why a filter rather than Asterisk's own file channels: Asterisk 22 (checked on 22.10)
reports an unknown caller as `SecurityEvent="InvalidAccountID"` with `AccountID="<the
From user>"`, i.e. the number the caller claims, and logs the same request as a NOTICE
with the whole From header; errors name dial strings too (`endpoint '+243...' was not
found`). Its logger chooses levels, never fields, so a file channel would hold numbers.

How the lines reach the filter: a named pipe. Asterisk's file channel takes an absolute
path, so logger.conf sends errors, warnings and security events to <data>/asterisk/run/
log.fifo (0600), a FIFO this filter makes and reads. It needs no privilege and no mount,
so it works the same wherever Asterisk runs: in the chroot, in the Docker image and on a
Debian host with Debian's Asterisk (the system-Asterisk path). Syslog cannot: glibc's
syslog() writes to the hard-coded /dev/log, which outside a private mount namespace is the
host's journal (numbers on disk), and the unprivileged service user would need `unshare
-Urm` for one, which Docker's default seccomp profile refuses.

What keeps the pipe safe (Asterisk 22's main/logger.c opens a channel with fopen("a"),
again at every `logger reload`, `logger rotate` and `core reload`; `logger add channel`,
which `sauti asterisk debug-log` uses, opens only its own file):
- The filter opens the FIFO read-write, so while it runs there is always a reader:
  Asterisk's open returns at once and the filter never reads end-of-file when Asterisk
  closes and reopens it.
- The FIFO exists, with the filter reading, before Asterisk starts. Anything else found at
  its path is deleted first: a regular file there would be Asterisk's own, unfiltered.
  The FIFO is never removed while an Asterisk may use it (fopen would make a plain file).
- `rotatestrategy = none`: Asterisk's rotation would rename the FIFO away and open a plain
  file in its place. Rotation is logrotate renaming the filter's files, which it follows.
- A dead filter: Asterisk's writes into the pipe fail (EPIPE; Asterisk ignores SIGPIPE),
  so those lines are lost but none reaches the disk, and calls go on. A reopen would then
  block in open() until a reader comes back: the `logger reload` itself, Asterisk's logger
  thread (its messages queue and reach the new filter; logger.c drops them past 1000) and
  every `asterisk -rx` wait, while calls still go on (measured on 22.10). So `pbx.status`
  reports a dead filter, and `revive` (run by `sauti asterisk start` and every 5 s by
  `sauti up`) starts a new one, which releases a waiting reopen, and then reloads the
  logger, so Asterisk reopens the FIFO (and re-enables the channel if a failed write had
  disabled it).
- A stalled filter fills the pipe (64 KiB); Asterisk's logger thread waits, the same.
- The stream is Asterisk's file-channel format, `[DATE TAG] LEVEL[thread][C-id] file: text`,
  and a message may run over several lines. TAG is a random word in the rendered
  dateformat: a line that does not start with it continues the message before, so text
  inside a message can never pose as a message (or a security event) of its own.

The filter writes
- log/messages.log: errors and warnings, anything shaped like a phone number masked
  (core.logs.mask_numbers, the guard Sauti's own logs use);
- log/security.log: security events with their source address (RemoteAddress, what
  fail2ban-style detection needs), an AccountID that is not one of the line's own
  endpoints replaced by "<unknown>", then masked too.
Both are 0600 and reopened when rotated away (renamed by logrotate). It exits when the
Asterisk it serves is gone (or at `stop`).
"""

from __future__ import annotations

import argparse
import codecs
import os
import re
import secrets
import select
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

from core.logs import mask_numbers

FIFO_NAME = "log.fifo"          # in <data>/asterisk/run/
SECURITY_LOG = "security.log"  # in <data>/asterisk/log/
MESSAGES_LOG = "messages.log"
PID_NAME = "logfilter.pid"
ERRORS_NAME = "logfilter.err"  # the filter's own failures
UNKNOWN_ACCOUNT = "<unknown>"
DATE_FORMAT = "%F %T.%3q%z"     # Asterisk's date of each line, kept in the filter's files
START_TIMEOUT = 10.0
BOOT_GRACE = 120.0            # seconds to wait for Asterisk to appear before giving up
IDLE_SECONDS = 0.2            # a message is whole once its last line is this old
LONGEST_MESSAGE = 65536       # Asterisk formats at most 8 KiB; anything longer is cut

_EVENT = re.compile(r'(SecurityEvent=".*)$')
_ACCOUNT = re.compile(r'AccountID="([^"]*)"')
_BODY = re.compile(r"^(?P<level>[A-Z]+)\[(?P<thread>\d+)\](?P<call>\[C-[0-9a-f]+\])? (?P<file>[^ :]+): (?P<text>.*)$",
                   re.S)
FILE_LEVELS = ("ERROR", "WARNING")


def new_tag() -> str:
    return secrets.token_hex(8)


def date_format(tag: str) -> str:
    """logger.conf's dateformat: Asterisk's date, then the tag that starts every message."""
    return f"{DATE_FORMAT} {tag}"


def read_tag(logger_conf: Path) -> str:
    """The tag in a rendered logger.conf (the file the running Asterisk read)."""
    for line in logger_conf.read_text().splitlines():
        key, _, value = line.partition("=")
        if key.strip() == "dateformat":
            return value.split()[-1]
    raise ValueError(f"no dateformat in {logger_conf}")


def redact(text: str, accounts: frozenset[str]) -> str | None:
    """The security event in one message, without an account the line does not know."""
    match = _EVENT.search(text)
    if match is None:
        return None

    def account(found: re.Match) -> str:
        name = found.group(1)
        return found.group(0) if name in accounts else f'AccountID="{UNKNOWN_ACCOUNT}"'

    return _ACCOUNT.sub(account, match.group(1))


def route(date: str, body: str, accounts: frozenset[str]) -> tuple[str, str] | None:
    """(file name, line) for one message, or None for what no file keeps."""
    match = _BODY.match(body)
    if match is None:
        return None  # e.g. the "Asterisk 22... built by" line Asterisk writes at each open
    level, text = match.group("level"), " ".join(match.group("text").split("\n")).rstrip()
    if level == "SECURITY":
        event = redact(text, accounts)
        return (SECURITY_LOG, mask_numbers(f"[{date}] {event}")) if event is not None else None
    if level in FILE_LEVELS:
        head = f"[{date}] {level}[{match.group('thread')}]{match.group('call') or ''} {match.group('file')}:"
        return MESSAGES_LOG, mask_numbers(f"{head} {text}")
    return None


class Messages:
    """Cuts Asterisk's file-channel stream into whole messages: (date, body) pairs."""

    def __init__(self, tag: str):
        self._start = re.compile(r"\[([^\]\n]*) " + re.escape(tag) + r"\] ")
        self._line = ""                            # text after the last newline
        self._message: tuple[str, str] | None = None  # the message being read

    def feed(self, text: str) -> list[tuple[str, str]]:
        done = []
        *lines, self._line = (self._line + text).split("\n")
        self._line = self._line[-LONGEST_MESSAGE:]
        for line in lines:
            start = self._start.match(line)
            if start is not None:
                if self._message is not None:
                    done.append(self._message)
                self._message = (start.group(1), line[start.end():])
            elif self._message is not None and len(self._message[1]) < LONGEST_MESSAGE:
                self._message = (self._message[0], f"{self._message[1]}\n{line}")
            # else: the tail of a message whose start this filter never saw; dropped
        return done

    def flush(self) -> list[tuple[str, str]]:
        """The message being read, if its last line is complete (the stream went quiet)."""
        if self._message is None or self._line:
            return []
        done, self._message = [self._message], None
        return done


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
        self._file.write(f"{line}\n")
        self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def make_fifo(path: Path) -> None:
    """A FIFO (0600) at `path`; whatever else is there goes (it would be unfiltered)."""
    try:
        if stat.S_ISFIFO(os.lstat(path).st_mode):
            os.chmod(path, 0o600)
            return
        path.unlink()
    except FileNotFoundError:
        pass
    os.mkfifo(path, 0o600)
    os.chmod(path, 0o600)  # whatever the umask


def _asterisk_alive(pid_file: Path, marker: bytes) -> bool:
    try:
        pid = int(pid_file.read_text().strip())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, ValueError, IndexError):
        return False
    return marker in cmdline and state != "Z"


def serve(fifo: Path, log_dir: Path, tag: str, accounts: frozenset[str], pid_file: Path, marker: bytes,
          own_pid_file: Path) -> None:
    """Filter until the watched Asterisk has come and gone (or SIGTERM)."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    make_fifo(fifo)
    fd = os.open(fifo, os.O_RDWR | os.O_NONBLOCK)  # read-write: never without a reader, never EOF
    files = {name: LogFile(log_dir / name) for name in (SECURITY_LOG, MESSAGES_LOG)}
    for log_file in files.values():
        log_file.open()  # both exist from the start, as an operator expects
    own_pid_file.write_text(f"{os.getpid()}\n")  # ready: `spawn` waits for this
    messages, decoder = Messages(tag), codecs.getincrementaldecoder("utf-8")(errors="replace")
    started, seen, checked = time.monotonic(), False, 0.0
    try:
        while True:
            readable, _, _ = select.select([fd], [], [], IDLE_SECONDS)
            whole = messages.feed(decoder.decode(os.read(fd, 65536))) if readable else messages.flush()
            for date, body in whole:
                _write(files, date, body, accounts)
            now = time.monotonic()
            if not readable and now - checked > 1.0:
                checked, alive = now, _asterisk_alive(pid_file, marker)
                seen = seen or alive
                if (seen and not alive) or (not seen and now - started > BOOT_GRACE):
                    return
    finally:
        for log_file in files.values():
            log_file.close()
        os.close(fd)


def _write(files: dict[str, LogFile], date: str, body: str, accounts: frozenset[str]) -> None:
    """One message to its file; a failure (disk full) is reported and the filter goes on."""
    try:
        routed = route(date, body, accounts)
        if routed is not None:
            files[routed[0]].write(routed[1])
    except Exception as exc:  # the filter must outlive any one line
        print(f"{time.strftime('%F %T')} cannot write a log line: {exc!r}", file=sys.stderr, flush=True)


def _running(pid_path: Path) -> int | None:
    try:
        pid = int(pid_path.read_text().strip())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, ValueError, IndexError):
        return None
    return pid if b"pbx.logfilter" in cmdline and state != "Z" else None


def fifo_path(run_dir: Path) -> Path:
    return run_dir / FIFO_NAME


def spawn(run_dir: Path, log_dir: Path, logger_conf: Path, accounts: list[str], asterisk_pid_file: Path,
          marker: str) -> Path:
    """Start a fresh filter for one Asterisk; returns the FIFO once the filter reads it."""
    stop(run_dir)
    pid_path = run_dir / PID_NAME
    # -c rather than -m: runpy would import pbx (and so this module) before running it.
    argv = [sys.executable, "-c", "import sys; from pbx.logfilter import main; main(sys.argv[1:])",
            "--fifo", str(fifo_path(run_dir)), "--log-dir", str(log_dir), "--logger-conf", str(logger_conf),
            "--asterisk-pid-file", str(asterisk_pid_file), "--marker", marker, "--pid-file", str(pid_path)]
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
    while _running(pid_path) is None:
        if time.monotonic() > deadline:
            raise RuntimeError(f"Asterisk's log filter did not start; see {log_dir / ERRORS_NAME}")
        time.sleep(0.02)
    return fifo_path(run_dir)


def running(run_dir: Path) -> bool:
    return _running(run_dir / PID_NAME) is not None


def stop(run_dir: Path) -> None:
    """Stop this data directory's filter, if one runs (the FIFO stays: see the docstring)."""
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
    parser.add_argument("--fifo", type=Path, required=True)
    parser.add_argument("--log-dir", type=Path, required=True)
    parser.add_argument("--logger-conf", type=Path, required=True, help="the rendered logger.conf (its tag)")
    parser.add_argument("--asterisk-pid-file", type=Path, required=True)
    parser.add_argument("--marker", required=True, help="text in the watched Asterisk's command line")
    parser.add_argument("--account", action="append", default=[], help="an endpoint name kept as is")
    parser.add_argument("--pid-file", type=Path, required=True)
    args = parser.parse_args(argv)
    serve(args.fifo, args.log_dir, read_tag(args.logger_conf), frozenset([UNKNOWN_ACCOUNT, *args.account]),
          args.asterisk_pid_file, args.marker.encode(), args.pid_file)
