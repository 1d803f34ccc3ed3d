"""Whether the line answers: the one readiness check behind `sauti up`, `sauti status`,
`sauti ready`, systemd's `Type=notify` and the container's health check.

A service counts as ready only when it does what a caller or a verifier needs from it,
not when its process exists:
- Asterisk: running, with its PJSIP endpoints loaded (`pjsip show endpoints`);
- the IVR: a FastAGI session, spoken as Asterisk speaks it, runs its `ready` flow
  (ivr/flows/ready.py) and is told `SAUTI_RESULT=ok`;
- the console: `GET /login` answers 200;
- the ASR worker (models loaded) and the dialler (logged in to AMI): the mark each writes
  in `<data>/run/<command>.ready` once its loop runs (`supervisor.mark_ready`), naming
  the pid that runs now;
- with an SMS connection, the SMS gateway (Kannel running) and the SMS receiver
  (accepting on its port).
"""

from __future__ import annotations

import re
import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from core.dialplan import FLOW_READY, RESULT_OK, VAR_RESULT
from core.net import connect_host

from .supervisor import LINE_SERVICES, SMS_RECEIVER, pid_file, ready_file

PROBE_TIMEOUT_SECONDS = 3
POLL_SECONDS = 0.25


@dataclass(frozen=True)
class Check:
    name: str
    ready: bool
    detail: str


def process_alive(data_dir: Path, command: str) -> int | None:
    """The pid of this data directory's `sauti <command>`, if it runs (not a recycled pid)."""
    try:
        pid = int(pid_file(data_dir, command).read_text().strip())
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, ValueError):
        return None
    if state == "Z" or str(data_dir).encode() not in argv or command.encode() not in argv:
        return None
    return pid


def probe_ivr(host: str, port: int, timeout: float = PROBE_TIMEOUT_SECONDS) -> str | None:
    """None when the IVR serves a FastAGI session to its end; otherwise what went wrong."""
    script = f"agi://{host}:{port}/{FLOW_READY}"
    environment = (f"agi_network: yes\nagi_network_script: {FLOW_READY}\nagi_request: {script}\n"
                   "agi_channel: readiness-probe\nagi_uniqueid: readiness-probe\n\n")
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.settimeout(timeout)
            sock.sendall(environment.encode())
            replies = sock.makefile("rb")
            command = replies.readline().decode("utf-8", "replace").strip()
            if command != f'SET VARIABLE "{VAR_RESULT}" "{RESULT_OK}"':
                return f"answered {command!r} instead of {VAR_RESULT}={RESULT_OK}" if command else "closed the session"
            sock.sendall(b"200 result=1\n")
            replies.read()  # the IVR ends the session, as it does after a caller's flow
    except socket.timeout:
        return f"no FastAGI answer within {timeout:.0f} s"
    except OSError as exc:
        return f"not accepting FastAGI on port {port} ({exc.strerror or exc})"
    return None


def probe_console(host: str, port: int, timeout: float = PROBE_TIMEOUT_SECONDS) -> str | None:
    """None when the console's login page answers 200; otherwise what it did instead."""
    address = f"[{host}]" if ":" in host else host
    try:
        with urllib.request.urlopen(f"http://{address}:{port}/login", timeout=timeout) as response:
            return None if response.status == 200 else f"/login answered {response.status}"
    except urllib.error.HTTPError as exc:
        return f"/login answered {exc.code}"
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return f"not answering HTTP on port {port} ({getattr(reason, 'strerror', None) or reason})"


def probe_asterisk(config) -> Check:
    import pbx

    try:
        state = pbx.status(config)
        if not state.running:
            return Check("asterisk", False, str(state))
        listing = pbx.cli(config, "pjsip show endpoints")
    except pbx.PbxError as exc:
        return Check("asterisk", False, str(exc))
    found = re.search(r"Objects found: (\d+)", listing)
    if not found or int(found.group(1)) == 0:
        return Check("asterisk", False, f"{state}; no PJSIP endpoints loaded yet")
    return Check("asterisk", True, f"{state}; {found.group(1)} PJSIP endpoint(s)")


def check_service(config, data_dir: Path, name: str, command: str) -> Check:
    pid = process_alive(data_dir, command)
    if pid is None:
        return Check(name, False, "not running")
    if command == "ivr":
        problem = probe_ivr(connect_host(config.ivr.agi_bind), config.ivr.agi_port)
        return Check(name, problem is None, f"pid {pid}, " + (problem or f"serves FastAGI on port {config.ivr.agi_port}"))
    if command == "web":
        problem = probe_console(connect_host(config.web.bind), config.web.port)
        return Check(name, problem is None, f"pid {pid}, " + (problem or f"answers HTTP on port {config.web.port}"))
    if command == SMS_RECEIVER[1]:
        try:
            socket.create_connection((connect_host(config.sms.bind), config.sms.receiver_port),
                                     timeout=PROBE_TIMEOUT_SECONDS).close()
        except OSError:
            return Check(name, False, f"pid {pid}, not answering on port {config.sms.receiver_port}")
        return Check(name, True, f"pid {pid}, port {config.sms.receiver_port}")
    try:
        marked = int(ready_file(data_dir, command).read_text().strip())
    except (OSError, ValueError):
        marked = None
    if marked != pid:
        return Check(name, False, f"pid {pid}, starting (not reported ready yet)")
    return Check(name, True, f"pid {pid}, reported ready")


def check_line(config, data_dir: Path, with_asterisk: bool = True) -> list[Check]:
    """One Check for Asterisk (unless left out) and for each service `sauti up` runs."""
    import smsgw

    checks = [probe_asterisk(config)] if with_asterisk else []
    services = list(LINE_SERVICES)
    if smsgw.connections.configured(config):  # `sauti up` runs the gateway and the receiver
        gateway = smsgw.status(config)
        checks.append(Check("sms gateway", gateway.running, " ".join(str(gateway).split())))
        services.append(SMS_RECEIVER[:2])
    return checks + [check_service(config, data_dir, name, command) for name, command in services]


def not_ready(checks: list[Check]) -> str:
    """One line naming each service that is not ready and why; "" when all are."""
    return "; ".join(f"{check.name}: {check.detail}" for check in checks if not check.ready)


def wait_until_ready(config, data_dir: Path, timeout: float, with_asterisk: bool = True,
                     stopping=None) -> list[Check]:
    """Check until every service is ready, `timeout` seconds pass or `stopping` is set; the last checks."""
    deadline = time.monotonic() + timeout
    while True:
        checks = check_line(config, data_dir, with_asterisk)
        if all(check.ready for check in checks) or time.monotonic() >= deadline:
            return checks
        if stopping is not None and stopping.wait(POLL_SECONDS):
            return checks
        if stopping is None:
            time.sleep(POLL_SECONDS)
