"""`sauti trunk add|list|remove`: operator trunks, GSM gateways, radio patches and SMS connections."""

from __future__ import annotations

import click

import pbx
import smsgw

from .context import Context, pass_context

RELOAD = ("module reload res_pjsip.so", "module reload res_pjsip_outbound_registration.so", "dialplan reload")


def _reload(config) -> None:
    """A running Asterisk reads the trunks at once; a stopped one at its next start."""
    if not pbx.status(config).running:
        click.echo("Asterisk is not running: the trunk is used from its next start")
        return
    for command in RELOAD:
        pbx.cli(config, command)
    click.echo("Asterisk reloaded its SIP configuration and dialplan")


@click.group()
def trunk() -> None:
    """Connect the line to the outside: an operator's SIP trunk, a GSM gateway, a radio patch.

    Each trunk's calls land on one line (alert, beep or radio); the dialler's
    calls go out through the trunk [dialler] trunk_channel names.
    """


def _common(func):
    func = click.option("--inbound", type=click.Choice(sorted(pbx.trunks.LINES)), default="alert", show_default=True,
                        help="The line its calls land on.")(func)
    return click.argument("name")(func)


def _add(ctx: Context, kind: str, name: str, **options) -> None:
    config = ctx.config
    try:
        for path in pbx.trunks.add(config, kind, name, **options):
            click.echo(f"wrote {path} (0600)")
        _reload(config)
    except pbx.PbxError as exc:
        raise click.ClickException(str(exc)) from None


@trunk.command("operator")
@_common
@click.option("--host", required=True, help="The operator's SIP server (address or name).")
@click.option("--port", type=click.IntRange(1, 65535), default=5060, show_default=True, help="Its SIP port.")
@click.option("--match", default="", help="Addresses its calls come from (IP or CIDR, comma-separated). Default: --host.")
@click.option("--username", default="", help="Account to register with (only if the operator asks for registration).")
@click.option("--password", default="", help="Password of that account.")
@pass_context
def add_operator(ctx: Context, name: str, inbound: str, host: str, port: int, match: str, username: str,
                 password: str) -> None:
    """Add an operator's SIP trunk, matched by address, registering when given an account.

    Then send the dialler's calls through it: [dialler] trunk_channel = "PJSIP/{number}@NAME".
    """
    _add(ctx, "operator", name, inbound=inbound, host=host, port=port, match=match, username=username,
         password=password)


@trunk.command("gsm")
@_common
@click.option("--ports", type=click.IntRange(1, 64), default=1, show_default=True, help="SIM ports on the gateway.")
@click.option("--outbound-port", type=click.IntRange(1, 64), default=1, show_default=True,
              help="The port whose SIM the dialler's calls use.")
@pass_context
def add_gsm(ctx: Context, name: str, inbound: str, ports: int, outbound_port: int) -> None:
    """Add a GSM-to-SIP gateway: one SIP account NAME-N per SIM port, registering here.

    `sauti trunk show NAME` prints what to type into the gateway for each port.
    """
    _add(ctx, "gsm", name, inbound=inbound, ports=ports, outbound_port=outbound_port)


@trunk.command("radio")
@click.argument("name")
@pass_context
def add_radio(ctx: Context, name: str) -> None:
    """Add a radio patch: a SIP analogue adapter registered as station endpoint radio-NAME.

    Its calls land on the radio line as station NAME; set the station's language in
    [ivr.radio_languages].
    """
    _add(ctx, "radio", name, inbound="radio")


def _add_sms(ctx: Context, kind: str, name: str, **options) -> None:
    config = ctx.config
    try:
        click.echo(f"wrote {smsgw.connections.add(config, kind, name, **options)} (0600)")
    except smsgw.GatewayError as exc:
        raise click.ClickException(str(exc)) from None
    running = smsgw.status(config).pids
    click.echo("restart the SMS gateway to use it: `sauti sms stop; sauti sms start`" if running
               else "the SMS gateway uses it from its next start")


@trunk.command("sms-smpp")
@click.argument("name")
@click.option("--host", required=True, help="The operator's SMPP server (address or name).")
@click.option("--port", type=click.IntRange(1, 65535), default=2775, show_default=True, help="Its SMPP port.")
@click.option("--system-id", required=True, help="The SMPP account (system_id) the operator gave.")
@click.option("--password", required=True, help="Its password.")
@click.option("--system-type", default="", help="The system_type, if the operator asks for one.")
@click.option("--alphanumeric-sender", is_flag=True, help="Send from [sms] sender as an alphanumeric name (TON 3).")
@pass_context
def add_sms_smpp(ctx: Context, name: str, host: str, port: int, system_id: str, password: str, system_type: str,
                 alphanumeric_sender: bool) -> None:
    """Add an SMS connection to an operator's SMSC over SMPP 3.4 (short code or long number).

    Kannel binds as a transceiver: the operator's SMS to the number arrive as alerts,
    receipts go out the same way with delivery reports.
    """
    _add_sms(ctx, "smpp", name, host=host, port=port, system_id=system_id, password=password,
             system_type=system_type, source_address=alphanumeric_sender)


@trunk.command("sms-modem")
@click.argument("name")
@click.option("--device", required=True, help="The modem's serial device, e.g. /dev/ttyUSB0.")
@click.option("--speed", type=click.IntRange(0, 921600), default=0, show_default=True,
              help="Serial speed; 0 lets Kannel find it.")
@click.option("--pin", default="", help="The SIM's PIN, if it has one.")
@click.option("--sms-center", default="", help="The SMS centre number, if the SIM does not carry it.")
@pass_context
def add_sms_modem(ctx: Context, name: str, device: str, speed: int, pin: str, sms_center: str) -> None:
    """Add a GSM USB modem with a local SIM as an SMS connection (Kannel's AT driver)."""
    _add_sms(ctx, "modem", name, device=device, speed=speed, pin=pin, sms_center=sms_center)


@trunk.command("list")
@pass_context
def list_trunks(ctx: Context) -> None:
    """List the trunks added with `sauti trunk`: voice ones (<data>/trunks/), then SMS ones marked (sms)."""
    for name in pbx.trunks.names(ctx.config):
        click.echo(name)
    for name in smsgw.connections.names(ctx.config):
        click.echo(f"{name} (sms)")


@trunk.command("show")
@click.argument("name")
@pass_context
def show(ctx: Context, name: str) -> None:
    """Print a trunk's Asterisk (or, for an SMS one, Kannel) configuration, with its accounts and passwords."""
    path = pbx.trunks.trunks_dir(ctx.config) / f"{name}{pbx.trunks.PJSIP_SUFFIX}"
    if not path.exists():
        path = smsgw.connections.path(ctx.config, name)
    if not path.exists():
        raise click.ClickException(f"no trunk {name!r}: see `sauti trunk list`")
    click.echo(path.read_text(), nl=False)


@trunk.command("remove")
@click.argument("name")
@pass_context
def remove(ctx: Context, name: str) -> None:
    """Remove a trunk; a running Asterisk drops it at once, the SMS gateway at its next start."""
    if smsgw.connections.remove(ctx.config, name):
        click.echo(f"removed SMS connection {name}")
        return
    if not pbx.trunks.remove(ctx.config, name):
        raise click.ClickException(f"no trunk {name!r}: see `sauti trunk list`")
    click.echo(f"removed trunk {name}")
    _reload(ctx.config)


commands = [trunk]
