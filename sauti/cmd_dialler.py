"""`sauti dialler`: the service that places the line's outgoing calls through AMI."""

from __future__ import annotations

import asyncio

import click

from core import logs

from .context import Context, pass_context
from .supervisor import mark_ready


@click.command()
@click.option("-v", "--verbose", is_flag=True, help="Log every call-back decision.")
@pass_context
def dialler(ctx: Context, verbose: bool) -> None:
    """Run the dialler: calls back callers who beeped, and acknowledges handled alerts.

    Logs in to Asterisk's Manager Interface with the installation's AMI secret and
    keeps the connection (reconnecting with back-off when Asterisk restarts). Stops
    cleanly on Ctrl-C or SIGTERM.
    """
    from dialler import service

    config = ctx.config
    logs.setup(config, "dialler", verbose=verbose)
    asyncio.run(service.run(config, ready=lambda _client: mark_ready(ctx.data_dir, "dialler")))


commands = [dialler]
