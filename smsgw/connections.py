"""SMS connections: the ways SMS reach the gateway, one Kannel `smsc` group a file.

    smsgw.connections.add(config, "smpp", "airtel", host="10.5.0.9", port=2775, system_id="sauti", password="...")
    smsgw.connections.add(config, "modem", "sim1", device="/dev/ttyUSB0", pin="1234")

Kinds (templates in kannel/): `smpp`, an operator's short code or long number over SMPP
3.4 (transceiver); `modem`, a GSM USB modem with a local SIM through Kannel's AT driver.
Each is `<data>/sms/connections/NAME.conf` (0600: passwords and PINs), included by the
rendered kannel.conf, so a connection is used from the gateway's next start.
"""

from __future__ import annotations

import re
from pathlib import Path

from core.config import Config

from .render import TEST_SMSC_ID, GatewayError, make_private, paths, template

KINDS = ("smpp", "modem")
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,30}$")
_DEVICE = re.compile(r"^/dev/[A-Za-z0-9_./-]+$")


def path(config: Config, name: str) -> Path:
    return paths(config).connections / f"{name}.conf"


def names(config: Config) -> list[str]:
    return sorted(p.stem for p in paths(config).connections.glob("*.conf"))


def render(kind: str, name: str, *, host: str = "", port: int = 2775, system_id: str = "", password: str = "",
           system_type: str = "", source_address: bool = False, device: str = "", speed: int = 0, pin: str = "",
           sms_center: str = "") -> str:
    if kind not in KINDS:
        raise GatewayError(f"unknown SMS connection kind {kind!r}: use one of {', '.join(KINDS)}")
    if not _NAME.match(name) or name == TEST_SMSC_ID:
        raise GatewayError(f"connection name {name!r}: use 1-31 lower-case letters, digits, '-' or '_', not {TEST_SMSC_ID!r}")
    if kind == "smpp":
        if not host or not system_id or not password:
            raise GatewayError("an SMPP connection needs --host, --system-id and --password (from the operator)")
        if not 1 <= port <= 65535:
            raise GatewayError(f"--port {port}: use 1-65535")
        return template("smpp.conf", dict(name=name, host=host, port=port, system_id=system_id, password=password,
                                          system_type=system_type, source_address=source_address))
    if not _DEVICE.match(device):
        raise GatewayError(f"--device {device!r}: the modem's serial device, such as /dev/ttyUSB0")
    if pin and not pin.isdigit():
        raise GatewayError("--pin: the SIM's PIN is digits")
    return template("modem.conf", dict(name=name, device=device, speed=speed, pin=pin, sms_center=sms_center))


def add(config: Config, kind: str, name: str, **options) -> Path:
    """Write the connection's file (0600), replacing one of the same name."""
    text = render(kind, name, **options)
    make_private(config)
    target = path(config, name)
    target.touch(mode=0o600)
    target.chmod(0o600)
    target.write_text(text)
    return target


def remove(config: Config, name: str) -> bool:
    target = path(config, name)
    if not target.exists():
        return False
    target.unlink()
    return True


def configured(config: Config) -> bool:
    """Has the gateway anything to connect to (a connection or the test SMS centre)?"""
    return bool(names(config)) or config.sms.test_smsc_port > 0
