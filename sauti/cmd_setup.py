"""`sauti init` and `sauti up`."""

from __future__ import annotations

import logging
import os
import shutil
import socket
import sys
import threading
from pathlib import Path

import click

from core import config as config_module
from core import clock, logs, prompts, secrets
from core.identity import hash_password, new_password
from core.net import bind_error

from . import sd_notify
from .context import Context, pass_context

log = logging.getLogger("sauti.up")


@click.command()
@click.option("--force", is_flag=True, help="Rewrite config.toml with defaults. Secrets and data are never replaced.")
@click.option("--admin", "admin_name", default="admin", show_default=True, help="Name of the first admin account.")
@click.option("--password-file", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the admin password to this file (mode 0600) instead of printing it: "
                   "for a container, whose output goes to its logs.")
@pass_context
def init(ctx: Context, force: bool, admin_name: str, password_file: Path | None) -> None:
    """Create the data directory: config, secrets, database and a first admin account.

    The admin password is printed once (or written to --password-file); note it down.
    Running init again on an existing data directory changes nothing and exits
    non-zero, unless --force, which rewrites only config.toml.
    """
    data_dir = ctx.data_dir
    config_path = data_dir / config_module.CONFIG_NAME
    existed = config_path.exists()
    if existed and not force:
        raise click.ClickException(
            f"{data_dir} is already initialised; nothing changed (use --force to rewrite config.toml only)"
        )
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        probe = data_dir / ".write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise click.ClickException(f"data directory {data_dir} is not writable: {exc.strerror}") from None
    # The installation's own prompts folder: recordings made by its people live with its
    # data, never in the checkout, and survive an upgrade of Sauti.
    prompts_dir = data_dir / "prompts"
    # The time zone is written out, not left to the default, so the installation keeps it.
    chosen = {"prompts": {"dir": str(prompts_dir)}, "site": {"timezone": clock.DEFAULT_ZONE}}
    config_path.write_text(config_module.default_toml(chosen))
    click.echo(f"{'rewrote' if existed else 'wrote'} {config_path}")
    config = config_module.load(data_dir)
    if not prompts_dir.exists():
        shutil.copytree(prompts.CATALOGUE_PATH.parent, prompts_dir,
                        ignore=shutil.ignore_patterns("*.lock", "backup", "*.toml", "*.md", ".gitignore"))
        click.echo(f"copied the shipped prompts into {prompts_dir}")
    for sub in (config.recordings_dir, config.spool_dir):
        sub.mkdir(parents=True, exist_ok=True)
    os.chmod(data_dir, 0o700)  # callers' recordings and spool: the service user's alone
    for name in secrets.ensure_all(config):
        click.echo(f"created secret {config.secrets_dir / name} (mode 0600)")
    with ctx.open_store() as store:
        if store.get_user(admin_name) is None:
            password = new_password()
            store.add_user(admin_name, hash_password(password), "admin", actor="init")
            if password_file:
                password_file.parent.mkdir(parents=True, exist_ok=True)
                descriptor = os.open(password_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                with os.fdopen(descriptor, "w") as handle:
                    handle.write(password + "\n")
                click.echo(f"created console account {admin_name!r}; its password is in {password_file} (mode 0600)")
            else:
                click.echo(f"created console account {admin_name!r} with password: {password}")
            click.echo("  (shown once; change it in the console or with `sauti user passwd`)")
    click.echo(f"ready: run `sauti --data {data_dir} up` to start the line")


def check_ports(config) -> None:
    """One clear line per busy port of the Python services, before anything is started.

    (`pbx.start` checks Asterisk's own SIP and AMI ports the same way.)
    """
    wanted = [
        ("IVR FastAGI", config.ivr.agi_bind, config.ivr.agi_port, socket.SOCK_STREAM, "[ivr] agi_port"),
        ("console", config.web.bind, config.web.port, socket.SOCK_STREAM, "[web] port"),
    ]
    busy = [f"{name} port {port} on {host} is in use (change {setting})"
            for name, host, port, kind, setting in wanted if bind_error(host, port, kind)]
    if busy:
        raise click.ClickException("; ".join(busy))


def test_call_hint(data_dir) -> list[str]:
    """Commands that place a real test call; the phone speaks once it hears the line's beep."""
    return [
        'espeak-ng -v sw -w /tmp/alert.wav "Watu wenye silaha wameonekana karibu na kijiji."',
        f"sauti --data {data_dir} call 100 --as test-phone-1 --script "
        '"wait 1; dtmf 1; wait beep; play /tmp/alert.wav; dtmf #; listen 40"',
    ]


@click.command()
@click.option("--no-asterisk", is_flag=True, help="Do not start Asterisk (use one you run yourself).")
@click.option("--ready-timeout", type=click.FloatRange(min=1), default=120, show_default=True,
              help="Seconds after which a line not yet answering is reported (naming each service not ready);"
                   " the wait goes on.")
@pass_context
def up(ctx: Context, no_asterisk: bool, ready_timeout: float) -> None:
    """Start the whole line: Asterisk, the IVR, the ASR worker, the console and the dialler,
    and the SMS gateway (Kannel) when it has a connection (`sauti trunk sms-smpp|sms-modem`).

    "Sauti is up" is printed (and systemd told READY=1) only once every service answers,
    as `sauti ready` checks: Asterisk has its PJSIP endpoints loaded, the IVR serves a
    FastAGI session, the console answers HTTP, the ASR worker and the dialler reported ready.

    Runs until Ctrl-C or SIGTERM, then stops every service cleanly. A service
    that crashes is restarted, and so is Asterisk (after 1, 2, 4... up to 30 s when
    it keeps dying) unless it was stopped with `sauti asterisk stop`. Asterisk comes
    from the system or from the cached Debian root that `sauti asterisk install` builds (built here if missing).
    """
    import pbx
    import smsgw

    from .supervisor import LINE_SERVICES, SMS_RECEIVER, Supervisor
    from .watchdog import AsteriskWatchdog

    config = ctx.config
    # The supervisor's own messages: the terminal as before, and data/logs/up.log.
    logs.setup(config, "up", terminal_format="%(message)s", stream=sys.stdout)
    echo = log.info
    with ctx.open_store():
        pass  # creates or migrates the database before the services race to it
    for name in secrets.ensure_all(config):  # keys added since this data directory was made
        echo(f"created secret {config.secrets_dir / name} (mode 0600)")
    if not no_asterisk and pbx.status(config).running:
        raise click.ClickException("Asterisk for this data directory is already running: stop it with `sauti asterisk stop`")
    check_ports(config)
    supervisor = Supervisor(ctx.data_dir, echo=echo)
    # Only the Asterisk started here is watched: with --no-asterisk the operator runs their own.
    watchdog = None if no_asterisk else AsteriskWatchdog(config, supervisor.stopping)
    if not no_asterisk:
        echo("Asterisk:")
        pbx.install(config, echo=echo)
        pbx.start(config, echo=echo)
    sms_gateway = smsgw.connections.configured(config)
    try:
        if sms_gateway:
            echo("SMS gateway:")
            try:
                smsgw.start(config, echo=echo)
            except smsgw.GatewayError as exc:
                raise click.ClickException(str(exc)) from None
        echo("Services:")
        for name, command in LINE_SERVICES:
            supervisor.add(name, command)
        if sms_gateway:
            supervisor.add(*SMS_RECEIVER)
        supervisor.start_all()
        threading.Thread(target=_purge_daily, args=(ctx, supervisor.stopping), name="retention", daemon=True).start()
        if watchdog:  # started again if it dies; its log filter too
            watchdog.start()
        # In a thread: the supervisor must restart a service that dies while the line starts.
        threading.Thread(target=_announce_when_ready, args=(ctx, supervisor.stopping, not no_asterisk, ready_timeout),
                         name="readiness", daemon=True).start()
        supervisor.watch()
    finally:
        sd_notify.notify("STOPPING=1")
        echo("Stopping:")
        supervisor.stopping.set()
        supervisor.stop_all()
        if watchdog:
            watchdog.join()  # a restart in progress ends first, so what it started is stopped here
            pbx.stop(config, echo=echo)
        if sms_gateway:
            smsgw.stop(config, echo=echo)
        echo("Sauti is down.")


def _announce_when_ready(ctx: Context, stopping: threading.Event, with_asterisk: bool, timeout: float) -> None:
    """"Sauti is up" once every service answers; until then, every `timeout` s, which do not."""
    from . import readiness

    config, echo = ctx.config, log.info
    while not stopping.is_set():
        checks = readiness.wait_until_ready(config, ctx.data_dir, timeout, with_asterisk, stopping=stopping)
        if stopping.is_set():
            return
        if all(check.ready for check in checks):
            break
        waiting = readiness.not_ready(checks)
        log.warning("not ready after %g s: %s; still waiting", timeout, waiting)
        sd_notify.notify(f"STATUS=waiting for: {waiting}")
    else:
        return
    host = config.web.bind if ":" not in config.web.bind else f"[{config.web.bind}]"
    echo("")
    echo(f"Sauti is up. Console: http://{host}:{config.web.port}/")
    echo("Place a test call to the alert line: key 1 for Kiswahili, speak after the beep, # to finish:")
    for line in test_call_hint(ctx.data_dir):
        echo(f"  {line}")
    echo("Press Ctrl-C to stop.")
    sd_notify.notify("READY=1", "STATUS=Sauti is up: every service answers")


PURGE_EVERY_SECONDS = 24 * 3600


def _purge_daily(ctx: Context, stopping: threading.Event) -> None:
    """Retention while the line runs: a purge at start, then once a day."""
    from core import retention

    while not stopping.is_set():
        try:
            with ctx.open_store() as store:
                summary = retention.purge(ctx.config, store)
            if summary["alerts"]:
                log.info("retention: purged %d closed alert(s)", len(summary["alerts"]))
        except Exception as exc:  # the line keeps running; the next day tries again
            log.error("retention: purge failed: %s", exc)
        stopping.wait(PURGE_EVERY_SECONDS)


commands = [init, up]
