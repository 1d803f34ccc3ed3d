"""`sauti status`: which of the line's services are up, for people, health checks and systemd."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import click

from .context import Context, pass_context
from .supervisor import LINE_SERVICES, SMS_RECEIVER, pid_file

# Exit code when a service is down (systemctl's "not running").
DOWN = 3


def _process_alive(data_dir: Path, command: str) -> int | None:
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


def _accepts(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def _listener(config, command: str) -> tuple[str, int] | None:
    """The TCP port a service must answer on to count as up (None: a process is enough)."""
    if command == "ivr":
        return config.ivr.agi_bind, config.ivr.agi_port
    if command == "web":
        return config.web.bind, config.web.port
    if command == SMS_RECEIVER[1]:
        return config.sms.bind, config.sms.receiver_port
    return None


def line_status(ctx: Context, with_asterisk: bool = True) -> list[tuple[str, bool, str]]:
    """(service, up, detail) for Asterisk and each service `sauti up` runs."""
    from core.net import connect_host

    config = ctx.config
    rows = []
    if with_asterisk:
        import pbx

        from .watchdog import describe, read_state

        watched = read_state(ctx.data_dir)  # written by a running `sauti up`
        note = describe(watched) if watched else ""
        try:
            state = pbx.status(config)
            rows.append(("asterisk", state.running, "; ".join(text for text in (str(state), note) if text)))
            if state.running:  # without it Asterisk's errors and security events are lost (pbx/logfilter.py)
                rows.append(("log filter", state.log_filter, "Asterisk's logs, numbers masked" if state.log_filter
                             else "not running: `sauti up` or `sauti asterisk start` starts a new one"))
        except pbx.PbxError as exc:
            rows.append(("asterisk", False, str(exc)))
    services = list(LINE_SERVICES)
    import smsgw

    if smsgw.connections.configured(config):   # `sauti up` runs the gateway and the receiver
        gateway = smsgw.status(config)
        rows.append(("sms gateway", gateway.running, " ".join(str(gateway).split())))
        services.append(SMS_RECEIVER[:2])
    for name, command in services:
        pid = _process_alive(ctx.data_dir, command)
        if pid is None:
            rows.append((name, False, "not running"))
            continue
        listener = _listener(config, command)
        if listener and not _accepts(connect_host(listener[0]), listener[1]):
            rows.append((name, False, f"pid {pid}, not answering on port {listener[1]}"))
            continue
        rows.append((name, True, f"pid {pid}" + (f", port {listener[1]}" if listener else "")))
    return rows


@click.command()
@click.option("--no-asterisk", is_flag=True, help="Leave Asterisk out (for `sauti up --no-asterisk`).")
@pass_context
def status(ctx: Context, no_asterisk: bool) -> None:
    """Say which of the line's services are up; exit 3 if one is down.

    Asterisk (and, while it runs, the filter its logs go through; under `sauti up`, how
    often it was started again after dying, or why it cannot be), the IVR (answering on
    its FastAGI port), the ASR worker, the console
    (answering on its port) and the dialler, as `sauti up` runs them; with an SMS
    connection, the SMS gateway (each connection's state) and the SMS receiver too. Health
    checks (compose, systemd) call it.
    """
    rows = line_status(ctx, with_asterisk=not no_asterisk)
    for name, up, detail in rows:
        click.echo(f"{name:<11} {'up' if up else 'DOWN':<5} {detail}")
    if not all(up for _, up, _ in rows):
        sys.exit(DOWN)


commands = [status]
