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

    With the SMS gateway configured, an escalation texts the responders who take SMS
    first and calls only if none replies 1 within [sms] responder_confirm_seconds.

    Logs in to Asterisk's Manager Interface with the installation's AMI secret and
    keeps the connection (reconnecting with back-off when Asterisk restarts). Stops
    cleanly on Ctrl-C or SIGTERM.
    """
    from dialler import service
    from smsgw import connections

    config = ctx.config
    logs.setup(config, "dialler", verbose=verbose)
    asyncio.run(service.run(config, ready=lambda _client: mark_ready(ctx.data_dir, "dialler"),
                            sms=connections.configured(config)))


commands = [dialler]
