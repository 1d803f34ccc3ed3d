"""`sauti status` and `sauti ready`: which of the line's services answer, for people, health
checks and scripts. Both ask sauti/readiness.py, as `sauti up` does before it says the line is up."""

from __future__ import annotations

import sys

import click

from . import readiness
from .context import Context, pass_context
from .readiness import Check

# Exit code when a service is down (systemctl's "not running").
DOWN = 3


def line_status(ctx: Context, with_asterisk: bool = True) -> list[Check]:
    """The readiness of Asterisk and each service `sauti up` runs, with what status adds:
    how `sauti up` watches Asterisk, and the filter its logs go through."""
    checks = readiness.check_line(ctx.config, ctx.data_dir, with_asterisk)
    if not with_asterisk:
        return checks
    import pbx

    from .watchdog import describe, read_state

    watched = read_state(ctx.data_dir)  # written by a running `sauti up`
    asterisk, services = checks[0], checks[1:]
    if watched:
        asterisk = Check(asterisk.name, asterisk.ready, f"{asterisk.detail}; {describe(watched)}")
    rows = [asterisk]
    state = pbx.status(ctx.config)
    if state.running:  # without it Asterisk's errors and security events are lost (pbx/logfilter.py)
        rows.append(Check("log filter", state.log_filter, "Asterisk's logs, numbers masked" if state.log_filter
                          else "not running: `sauti up` or `sauti asterisk start` starts a new one"))
    return rows + services


@click.command()
@click.option("--no-asterisk", is_flag=True, help="Leave Asterisk out (for `sauti up --no-asterisk`).")
@pass_context
def status(ctx: Context, no_asterisk: bool) -> None:
    """Say which of the line's services are up; exit 3 if one is down.

    Up means answering, as for `sauti ready`: Asterisk with its PJSIP endpoints loaded
    (and, while it runs, the filter its logs go through; under `sauti up`, how often it
    was started again after dying, or why it cannot be), the IVR serving a FastAGI
    session, the ASR worker and the dialler reported ready, the console answering HTTP;
    with an SMS connection, the SMS gateway (each connection's state) and the SMS receiver
    too. The container's health check calls it.
    """
    rows = line_status(ctx, with_asterisk=not no_asterisk)
    for row in rows:
        click.echo(f"{row.name:<11} {'up' if row.ready else 'DOWN':<5} {row.detail}")
    if not all(row.ready for row in rows):
        sys.exit(DOWN)


@click.command()
@click.option("--timeout", type=click.FloatRange(min=0), default=120, show_default=True,
              help="Seconds to wait for the whole line to answer (0: check once).")
@click.option("--no-asterisk", is_flag=True, help="Leave Asterisk out (for `sauti up --no-asterisk`).")
@pass_context
def ready(ctx: Context, timeout: float, no_asterisk: bool) -> None:
    """Wait until every service answers, then exit 0; exit 3 naming each one that does not.

    The same check `sauti up` makes before it prints "Sauti is up": Asterisk has its
    PJSIP endpoints loaded, the IVR serves a FastAGI session, the console answers HTTP,
    the ASR worker and the dialler reported ready. For scripts that start the line and
    then place calls.
    """
    checks = readiness.wait_until_ready(ctx.config, ctx.data_dir, timeout, with_asterisk=not no_asterisk)
    if not all(check.ready for check in checks):
        click.echo(f"not ready after {timeout:g} s: {readiness.not_ready(checks)}", err=True)
        sys.exit(DOWN)
    click.echo("ready: " + "; ".join(f"{check.name} ({check.detail})" for check in checks))


commands = [status, ready]
