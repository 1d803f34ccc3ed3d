"""`sauti asterisk install|start|stop|status|cli|debug-log` and `sauti call`."""

from __future__ import annotations

import functools
import subprocess
import time
from pathlib import Path

import click

import pbx
import phone
from core import config as config_module

from . import watchdog
from .context import Context, pass_context


def _pbx_errors(func):
    """Show PbxError as one clear line instead of a traceback."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except pbx.PbxError as exc:
            raise click.ClickException(str(exc)) from None

    return wrapper


@click.group()
def asterisk() -> None:
    """Run the line's Asterisk 22 PBX.

    Uses the system's Asterisk 22 when there is one; otherwise `install` builds a
    Debian unstable root with Asterisk in it (needs root, about 20 s, cached in
    [asterisk] root) and Asterisk runs there with chroot.
    """


@asterisk.command()
@click.option("--rebuild", is_flag=True, help="Build the cached root again even if it is there.")
@click.option("--mirror", default=pbx.runtime.DEBIAN_MIRROR, show_default=True, help="Debian mirror for the root.")
@pass_context
@_pbx_errors
def install(ctx: Context, rebuild: bool, mirror: str) -> None:
    """Make Asterisk 22 available (system package, cached root, or a new root).

    Works before `sauti init` too (defaults and SAUTI_* variables then apply),
    so setup scripts can run it first.
    """
    initialised = (ctx.data_dir / config_module.CONFIG_NAME).exists()
    config = ctx.config if initialised else config_module.load(ctx.data_dir, require_file=False)
    runtime = pbx.install(config, echo=click.echo, rebuild=rebuild, mirror=mirror)
    click.echo(f"ready: {runtime.description}")


@asterisk.command()
@pass_context
@_pbx_errors
def start(ctx: Context) -> None:
    """Render the configuration into <data>/asterisk/ and start Asterisk in the background.

    Asterisk logs only through Sauti's log filter, started first. On an Asterisk that
    already runs, this starts a new filter if the old one died. A running `sauti up`
    watches it again (after `sauti asterisk stop`, it had left it down).
    """
    status = pbx.start(ctx.config, echo=click.echo)
    watchdog.clear_stopped(ctx.data_dir)  # only once it runs: `sauti up` must not start a second one
    click.echo(str(status))


@asterisk.command()
@pass_context
@_pbx_errors
def stop(ctx: Context) -> None:
    """Stop Asterisk (its bind mounts go with it).

    A running `sauti up` leaves it stopped, until `sauti asterisk start`.
    """
    watchdog.mark_stopped(ctx.data_dir)  # before it dies, so `sauti up` never takes it for a crash
    click.echo("stopped" if pbx.stop(ctx.config) else "Asterisk was not running")


@asterisk.command()
@pass_context
@_pbx_errors
def status(ctx: Context) -> None:
    """Show whether Asterisk runs, its version and where it comes from. Exits 3 when stopped."""
    current = pbx.status(ctx.config)
    click.echo(str(current))
    if not current.running:
        raise SystemExit(3)


@asterisk.command(context_settings={"ignore_unknown_options": True})
@click.argument("command", nargs=-1)
@pass_context
@_pbx_errors
def cli(ctx: Context, command: tuple[str, ...]) -> None:
    """Run an Asterisk CLI command such as `pjsip show endpoints`; without one, open the console."""
    if command:
        click.echo(pbx.cli(ctx.config, " ".join(command)), nl=False)
        return
    raise SystemExit(subprocess.call(pbx.console_argv(ctx.config)))


@asterisk.command("debug-log")
@click.option("--minutes", type=click.FloatRange(0, pbx.debuglog.MAX_MINUTES, min_open=True), default=10.0,
              show_default=True, help="How long to keep the debug log on.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation (the warning is still shown).")
@pass_context
@_pbx_errors
def debug_log(ctx: Context, minutes: float, yes: bool) -> None:
    """Write Asterisk's verbose dialplan log to <data>/asterisk/log/debug.log for a limited time.

    Off by default because it writes callers' numbers in clear. Stays in the
    foreground and turns the log off after --minutes or at Ctrl-C; a restart of
    Asterisk or `logger reload` also turns it off.
    """
    click.echo(pbx.debuglog.warning(ctx.config, minutes), err=True)
    if not yes:
        click.confirm("Turn debug logging on?", abort=True)
    target = pbx.debuglog.start(ctx.config)
    click.echo(f"debug logging on: {target} (Ctrl-C to stop early)")
    try:
        time.sleep(minutes * 60)
    except KeyboardInterrupt:
        pass
    finally:
        pbx.debuglog.stop(ctx.config)
    click.echo(f"debug logging off; delete {target} when you no longer need it")


@click.command()
@click.argument("number")
@click.option("--as", "caller", default="test-phone-1", show_default=True,
              help="SIP identity: test-phone-N, radio-<station>, any unknown name, or 'anonymous'.")
@click.option("--record", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Record everything the line says into this WAV (8 kHz, 16-bit).")
@click.option("--script", default="",
              help="Steps once answered, separated by ';': wait S, wait beep [T], wait silence [T], "
                   "wait prompt [T], dtmf DIGITS, play FILE, listen S, freeze, hangup.")
@click.option("--answer-timeout", type=float, default=30.0, show_default=True, help="Seconds to wait for an answer.")
@click.option("--log-level", type=click.IntRange(0, 6), default=0, help="pjsua2 log level on the console.")
@pass_context
def call(ctx: Context, number: str, caller: str, record: Path | None, script: str,
         answer_timeout: float, log_level: int) -> None:
    """Place a real SIP call to NUMBER on the line with the test phone.

    Example: sauti call 100 --script "wait 1; dtmf 1; wait beep; play alert.wav; dtmf #; listen 30"

    `wait beep` waits until the line's beep has been heard (then the line records),
    `wait silence` until the line stops talking, `wait prompt` until it has said its next
    prompt (each option of the language menu in turn); all fail the call after T seconds (60).

    Prints what happened with timestamps; exits 1 if the call failed or the line
    hung up before the script expected (a hang-up during `listen` is expected).
    """
    try:
        steps = phone.parse(script)
    except phone.ScriptError as exc:
        raise click.BadParameter(str(exc), param_hint="--script") from None
    target = phone.target(ctx.config, number, caller)
    with phone.Phone(log_level=log_level) as sip:
        result = sip.call(target, steps, record=record, echo=click.echo, answer_timeout=answer_timeout)
    if result.ok:
        click.echo(f"ok: {result.steps_done} step(s) done" + (f", recorded {record}" if record else ""))
        return
    reason = result.error or ("no answer" if not result.answered else "the line hung up early")
    click.echo(f"failed: {reason} (SIP {result.status_code} {result.reason})", err=True)
    raise SystemExit(1)


commands = [asterisk, call]
