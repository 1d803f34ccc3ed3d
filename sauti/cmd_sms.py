"""`sauti sms start|stop|status|receive`: the line's SMS gateway (Kannel) and Sauti's SMS receiver."""

from __future__ import annotations

import functools

import click

import smsgw

from .context import Context, pass_context


def gateway_errors(func):
    """Show GatewayError as one clear line instead of a traceback."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except smsgw.GatewayError as exc:
            raise click.ClickException(str(exc)) from None

    return wrapper


@click.group()
def sms() -> None:
    """Run the line's SMS gateway: Kannel (Debian's `kannel`), bearerbox and smsbox on loopback.

    Its connections to operators are added with `sauti trunk sms-smpp` (an SMPP account)
    and `sauti trunk sms-modem` (a GSM USB modem); [sms] test_smsc_port adds a test SMS
    centre that Kannel's fakesmsc connects to. `sauti up` starts it with the line when it
    has a connection.
    """


@sms.command()
@pass_context
@gateway_errors
def start(ctx: Context) -> None:
    """Render <data>/sms/kannel.conf and start bearerbox, then smsbox, in the background."""
    click.echo(str(smsgw.start(ctx.config, echo=click.echo)))


@sms.command()
@pass_context
@gateway_errors
def stop(ctx: Context) -> None:
    """Stop smsbox and bearerbox (bearerbox first writes the messages it still holds to its store)."""
    click.echo("stopped" if smsgw.stop(ctx.config) else "the SMS gateway was not running")


@sms.command()
@pass_context
@gateway_errors
def status(ctx: Context) -> None:
    """Show whether the gateway runs, each connection's state and the messages queued. Exits 3 when stopped."""
    current = smsgw.status(ctx.config)
    click.echo(str(current))
    if not current.running:
        raise SystemExit(3)


@sms.command()
@click.option("-v", "--verbose", is_flag=True, help="Log at debug level.")
@pass_context
def receive(ctx: Context, verbose: bool) -> None:
    """Run the SMS receiver: smsbox posts each inbound SMS here ([sms] receiver_port, loopback).

    Files each as an alert (text as the transcript, lexicon keywords and priority,
    language from the words, locality from a gazetteer code or name), or a reply to a
    verifier's question into that alert; sends the outbox through smsbox (receipts,
    questions, acknowledgements of handled alerts) and records the delivery reports.
    `sauti up` runs it.
    Stops cleanly on Ctrl-C or SIGTERM.
    """
    import signal
    import threading

    from core import logs
    from sms import receiver

    config = ctx.config
    logs.setup(config, "sms", verbose=verbose)
    stopping = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopping.set())
    with ctx.open_store():
        pass  # creates or migrates the database first
    try:
        receiver.serve(config, stopping)
    except OSError as exc:
        raise click.ClickException(
            f"SMS receiver port {config.sms.bind}:{config.sms.receiver_port}: {exc.strerror} "
            "(change [sms] receiver_port)") from None


commands = [sms]
