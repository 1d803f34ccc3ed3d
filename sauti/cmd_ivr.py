"""`sauti ivr`: the FastAGI server that runs the call flows."""

from __future__ import annotations

import asyncio
import errno
import click

from core import logs

from .context import Context, pass_context
from .supervisor import mark_ready


@click.command()
@click.option("-v", "--verbose", is_flag=True, help="Log every AGI command.")
@pass_context
def ivr(ctx: Context, verbose: bool) -> None:
    """Run the IVR: Asterisk's calls reach the flows here over FastAGI.

    On start it imports any recordings the dialplan's failure path made while
    the IVR was down, and files those a crash or a stop cut short. Stops cleanly on Ctrl-C or SIGTERM, letting calls in
    progress file their alerts.
    """
    from ivr import service

    config = ctx.config
    logs.setup(config, "ivr", verbose=verbose)
    try:
        asyncio.run(service.run(config, ready=lambda _server: mark_ready(ctx.data_dir, "ivr"),
                                asterisk_started=asterisk_started(config)))
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise click.ClickException(
                f"port {config.ivr.agi_port} on {config.ivr.agi_bind} is in use: is another IVR running? "
                "(set [ivr] agi_port)"
            ) from None
        raise


def asterisk_started(config) -> float | None:
    """When this data directory's running Asterisk started (its pid file's time), if it runs."""
    import pbx

    if pbx.running_pid(config) is None:
        return None
    try:
        return pbx.paths(config).pid_file.stat().st_mtime
    except OSError:
        return None


commands = [ivr]
