"""Start, stop and talk to the Asterisk of one data directory.

In a chroot, Asterisk runs in its own mount namespace (`unshare --mount`): the
data directory and the prompts folder are bind-mounted into the root at the same
absolute paths, so host and Asterisk see identical paths, and the mounts vanish
with the namespace when Asterisk exits, however it exits. Nothing is ever
mounted on the host. Later commands reach the running Asterisk with `nsenter`.
"""

from __future__ import annotations

import errno
import os
import shlex
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from core.config import Config
from core.net import bind_error

from . import logfilter
from .render import Paths, endpoints, paths, render
from .runtime import PbxError, Runtime, find, require_root

BOOT_TIMEOUT = 60.0
STOP_TIMEOUT = 20.0
CLI_TIMEOUT = 30.0


@dataclass(frozen=True)
class Status:
    running: bool
    pid: int | None
    runtime: str            # e.g. "Asterisk 22.1.0 (chroot /root/.cache/sauti/asterisk-root)"
    uptime: str = ""        # Asterisk's `core show uptime`, when running
    detail: str = ""        # why it is not running, or other notes
    log_filter: bool = False  # its log filter runs (pbx/logfilter.py): Asterisk's logs reach the disk

    def __str__(self) -> str:
        if self.running:
            text = f"running (pid {self.pid}), {self.runtime}; {self.uptime}".rstrip("; ")
            return f"{text}; WARNING: {self.detail}" if self.detail else text
        return f"stopped ({self.runtime}){': ' + self.detail if self.detail else ''}"


def _alive(pid: int, p: Paths) -> bool:
    """Is `pid` the Asterisk of this data directory (not a recycled pid)?"""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    if state == "Z":
        return False
    return str(p.config_file).encode() in cmdline


def running_pid(config: Config) -> int | None:
    p = paths(config)
    try:
        pid = int(p.pid_file.read_text().strip())
    except (OSError, ValueError):
        return None
    return pid if _alive(pid, p) else None


def _cli_argv(runtime: Runtime, p: Paths, pid: int | None, *args: str) -> list[str]:
    argv = runtime.command("-C", str(p.config_file), *args)
    if runtime.root is not None:
        if pid is None:
            raise PbxError("Asterisk is not running: run `sauti asterisk start`")
        argv = ["nsenter", f"--target={pid}", "--mount", "--", *argv]
    return argv


def cli(config: Config, command: str, timeout: float = CLI_TIMEOUT) -> str:
    """Run one Asterisk CLI command (`asterisk -rx`) and return its output."""
    runtime = find(config)
    p = paths(config)
    pid = running_pid(config)
    if pid is None:
        raise PbxError("Asterisk is not running: run `sauti asterisk start`")
    argv = _cli_argv(runtime, p, pid, "-rx", command)
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise PbxError(f"Asterisk did not answer {command!r} within {timeout:.0f} s") from None
    if out.returncode != 0 or out.stdout.startswith("No such command"):
        raise PbxError(f"`{command}` failed: {(out.stderr or out.stdout).strip()}")
    return out.stdout


def console_argv(config: Config) -> list[str]:
    """The command line of an interactive Asterisk console (`asterisk -r`)."""
    runtime = find(config)
    return _cli_argv(runtime, paths(config), running_pid(config), "-rvvv")


def _check_port(kind: int, host: str, port: int, label: str) -> None:
    exc = bind_error(host, port, kind)
    if exc is None:
        return
    if exc.errno == errno.EADDRINUSE:
        raise PbxError(f"{label} {host}:{port} is already in use (another Asterisk?)")
    raise PbxError(f"cannot use {label} {host}:{port}: {exc.strerror}")


def _mount_script(config: Config, runtime: Runtime, argv: list[str]) -> str:
    """Shell script run in the new mount namespace: bind-mount, then exec Asterisk in the root."""
    root = runtime.root
    sources = [config.data_dir]
    prompts = config.prompts_dir
    if prompts.is_dir() and config.data_dir not in (prompts, *prompts.parents):
        sources.append(prompts)
    lines = ["set -e", f"mount -t proc proc {shlex.quote(str(root / 'proc'))}"]
    for source in sorted(sources, key=lambda path: len(path.parts)):  # a parent before its child
        target = shlex.quote(str(root / str(source).lstrip("/")))
        lines.append(f"mkdir -p {target}")
        lines.append(f"mount --bind {shlex.quote(str(source))} {target}")
    lines.append("exec " + shlex.join(argv))
    return "\n".join(lines)


def _spawn_filter(config: Config, p: Paths) -> None:
    """Start the log filter that Asterisk's logger.conf writes to (pbx/logfilter.py)."""
    try:
        logfilter.spawn(p.run, p.log, p.etc / "logger.conf", [e.name for e in endpoints(config)], p.pid_file,
                        str(p.config_file))
    except RuntimeError as exc:
        raise PbxError(str(exc)) from None


def revive_log_filter(config: Config) -> bool:
    """Start a new log filter if the running Asterisk's one died; True if it did.

    Only once the filter reads again is the logger reloaded, so Asterisk reopens the FIFO
    (a reload without a reader would block; pbx/logfilter.py).
    """
    p = paths(config)
    if running_pid(config) is None or logfilter.running(p.run):
        return False
    _spawn_filter(config, p)
    cli(config, "logger reload")
    return True


def start(config: Config, echo=None, timeout: float = BOOT_TIMEOUT) -> Status:
    """Render the configuration, start Asterisk and wait until it is fully booted.

    Does nothing if this data directory's Asterisk is already running.
    """
    say = echo or (lambda line: None)
    runtime = find(config)
    if runtime.root is not None:
        require_root("running Asterisk in its chroot")
    pid = running_pid(config)
    if pid is not None:
        say(f"Asterisk is already running (pid {pid})")
        if revive_log_filter(config):
            say("its log filter had died: started a new one and reloaded Asterisk's logger")
        return status(config)
    a = config.asterisk
    _check_port(socket.SOCK_DGRAM, a.sip_bind, a.sip_port, "SIP port (UDP)")
    _check_port(socket.SOCK_STREAM, a.ami_bind, a.ami_port, "AMI port (TCP)")
    p = render(config, runtime.modules_dir())
    for stale in (p.pid_file, p.socket):
        stale.unlink(missing_ok=True)
    # Before Asterisk: its logger opens the filter's FIFO as it boots.
    _spawn_filter(config, p)
    argv = runtime.command("-C", str(p.config_file))
    if runtime.root is not None:
        argv = ["unshare", "--mount", "--propagation", "private", "--", "sh", "-c",
                _mount_script(config, runtime, argv)]
    started = time.monotonic()
    # Without -f Asterisk forks into the background once its options are read;
    # this returns then, and boot errors land in <data>/asterisk/log/messages.log.
    # umask 077: its logs, recordings and the failure path's spool files (which
    # hold the caller's number) are the service user's alone, also after rotation.
    out = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL,
                         umask=0o077)
    if out.returncode != 0:
        raise PbxError(f"Asterisk did not start: {(out.stderr or out.stdout).strip()}")
    _wait_booted(config, runtime, p, started + timeout)
    say(f"{runtime.description} booted in {time.monotonic() - started:.2f} s")
    return status(config)


def _wait_booted(config: Config, runtime: Runtime, p: Paths, deadline: float) -> None:
    pid = None
    while time.monotonic() < deadline:
        pid = running_pid(config)
        if pid is not None and p.socket.exists():
            break
        time.sleep(0.02)
    else:
        raise PbxError(f"Asterisk did not come up; see {p.log / 'messages.log'}{_log_tail(p)}")
    remaining = max(1.0, deadline - time.monotonic())
    try:
        subprocess.run(_cli_argv(runtime, p, pid, "-rx", "core waitfullybooted"),
                       capture_output=True, timeout=remaining, check=True)
    except (subprocess.TimeoutExpired, subprocess.CalledProcessError):
        raise PbxError(f"Asterisk did not finish booting; see {p.log / 'messages.log'}{_log_tail(p)}") from None


def _log_tail(p: Paths, lines: int = 10) -> str:
    try:
        text = (p.log / "messages.log").read_text(errors="replace").splitlines()
    except OSError:
        return ""
    return "\n" + "\n".join(text[-lines:]) if text else ""


def stop(config: Config, echo=None, timeout: float = STOP_TIMEOUT) -> bool:
    """Stop this data directory's Asterisk; returns False if it was not running.

    Asks Asterisk to stop, then SIGTERM, then SIGKILL. Its mounts go with it.
    """
    say = echo or (lambda line: None)
    p = paths(config)
    pid = running_pid(config)
    if pid is None:
        logfilter.stop(p.run)
        say("Asterisk was not running")
        return False
    deadline = time.monotonic() + timeout
    try:
        cli(config, "core stop now", timeout=5)
    except PbxError:
        pass  # it may close the connection as it stops; the pid decides
    for sig in (None, signal.SIGTERM, signal.SIGKILL):
        if sig is not None:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                break
        step_deadline = min(deadline, time.monotonic() + timeout / 3)
        while time.monotonic() < step_deadline:
            if not _alive(pid, p):
                break
            time.sleep(0.02)
        if not _alive(pid, p):
            break
    if _alive(pid, p):
        raise PbxError(f"Asterisk (pid {pid}) did not stop")
    for stale in (p.pid_file, p.socket):
        stale.unlink(missing_ok=True)
    logfilter.stop(p.run)
    say(f"Asterisk stopped (pid {pid})")
    return True


def status(config: Config) -> Status:
    try:
        runtime = find(config)
    except PbxError as exc:
        return Status(running=False, pid=None, runtime="not installed", detail=str(exc))
    pid = running_pid(config)
    if pid is None:
        return Status(running=False, pid=None, runtime=runtime.description)
    log_filter = logfilter.running(paths(config).run)
    filter_note = "" if log_filter else (
        "its log filter is not running: errors and security events are lost (and a `logger reload` would hang) "
        "until `sauti asterisk start` starts a new one")
    try:
        version = cli(config, "core show version").strip()
        uptime = " ".join(cli(config, "core show uptime").split())
    except PbxError as exc:
        detail = "; ".join(text for text in (str(exc), filter_note) if text)
        return Status(running=True, pid=pid, runtime=runtime.description, detail=detail, log_filter=log_filter)
    description = runtime.description
    if version:
        description = f"{version.split(' built ')[0]} ({'system' if runtime.root is None else runtime.root})"
    return Status(running=True, pid=pid, runtime=description, uptime=uptime, detail=filter_note,
                  log_filter=log_filter)
