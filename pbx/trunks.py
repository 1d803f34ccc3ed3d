"""Trunks: the ways calls reach the line from outside, as templated Asterisk configuration.

    pbx.trunks.add(config, "operator", "airtel", host="10.5.0.1", inbound="alert")
    pbx.trunks.add(config, "gsm", "goip", ports=4, inbound="beep")
    pbx.trunks.add(config, "radio", "beni", inbound="radio")

Kinds (templates in deploy/trunks/):
- operator: an operator's SIP trunk, matched by its address, registering when given a
  username; its AOR has a fixed contact, so the dialler's `PJSIP/{number}@<name>` reaches it;
- gsm: a GSM-to-SIP gateway, one SIP account per SIM port, each registering here;
- radio: a radio patch through a SIP analogue adapter, registered as radio station endpoint
  `radio-<name>`.
Each trunk's calls go to one line (alert, beep or radio) through its own dialplan context.
A trunk is two files in `<data>/trunks/` (0600: they hold passwords), included by the
rendered pjsip.conf and extensions.conf; the data directory is visible at the same path
inside the chroot, so the includes work on both paths.
"""

from __future__ import annotations

import re
from pathlib import Path

import jinja2

from core import dialplan, secrets
from core.config import Config
from core.net import connect_host

from .runtime import PbxError

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "deploy" / "trunks"
KINDS = ("operator", "gsm", "radio")
LINES = {
    "alert": (dialplan.CONTEXT_PHONES, dialplan.EXTEN_ALERT),
    "beep": (dialplan.CONTEXT_PHONES, dialplan.EXTEN_BEEP),
    "radio": (dialplan.CONTEXT_RADIO, dialplan.EXTEN_RADIO),
}
CONTEXT_PREFIX = "sauti-trunk-"
PJSIP_SUFFIX = dialplan.TRUNK_PJSIP_SUFFIX
EXTENSIONS_SUFFIX = ".extensions.conf"
_NAME = re.compile(r"^[a-z0-9][a-z0-9_]{0,30}$")
_RESERVED = ("trunk", "test", "radio", "anonymous")


def trunks_dir(config: Config) -> Path:
    return config.data_dir / dialplan.TRUNKS_DIR


def names(config: Config) -> list[str]:
    return dialplan.trunk_names(config.data_dir)


def _template(name: str) -> jinja2.Template:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES_DIR), undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True, autoescape=False)
    return env.get_template(name)


def _server(config: Config) -> str:
    host = connect_host(config.asterisk.sip_bind)
    return f"{host}:{config.asterisk.sip_port}"


def render(config: Config, kind: str, name: str, *, inbound: str, host: str = "", port: int = 5060,
           match: str = "", username: str = "", password: str = "", ports: int = 1,
           outbound_port: int = 1) -> dict[str, str]:
    """File name → text of one trunk; raises PbxError on a bad name or option."""
    if kind not in KINDS:
        raise PbxError(f"unknown trunk kind {kind!r}: use one of {', '.join(KINDS)}")
    if not _NAME.match(name) or name in _RESERVED:
        raise PbxError(f"trunk name {name!r}: use 1-31 lower-case letters, digits or '_', not {', '.join(_RESERVED)}")
    if inbound not in LINES:
        raise PbxError(f"inbound line {inbound!r}: use one of {', '.join(LINES)}")
    if kind == "radio" and name in config.asterisk.radio_stations:
        raise PbxError(f"radio station {name!r} is already in [asterisk] radio_stations")
    line_context, line_exten = LINES[inbound]
    context = f"{CONTEXT_PREFIX}{name}"
    variables = [(dialplan.VAR_STATION, name)] if kind == "radio" or inbound == "radio" else []
    values = dict(name=name, kind=kind, inbound=inbound, context=context, variables=variables,
                  server=_server(config), line_context=line_context, line_exten=line_exten)
    if kind == "operator":
        if not host:
            raise PbxError("an operator trunk needs --host (the operator's SIP server address)")
        if bool(username) != bool(password):
            raise PbxError("registration needs both --username and --password")
        values |= dict(host=host, port=port, match=match or host, username=username, password=password)
    elif kind == "gsm":
        if not 1 <= ports <= 64 or not 1 <= outbound_port <= ports:
            raise PbxError("a GSM gateway has 1 to 64 ports, and the outbound port is one of them")
        values |= dict(outbound_port=outbound_port, ports=[
            {"number": n, "password": secrets.endpoint_password(config, f"{name}-{n}")} for n in range(1, ports + 1)])
    else:
        endpoint = f"{dialplan.RADIO_PREFIX}{name}"
        values |= dict(endpoint=endpoint, station=name, password=secrets.endpoint_password(config, endpoint))
    return {
        f"{name}{PJSIP_SUFFIX}": _template(f"{kind}.pjsip.conf").render(values),
        f"{name}{EXTENSIONS_SUFFIX}": _template("inbound.extensions.conf").render(values),
    }


def add(config: Config, kind: str, name: str, **options) -> list[Path]:
    """Write the trunk's files (0600, replacing a trunk of the same name)."""
    files = render(config, kind, name, **options)
    folder = trunks_dir(config)
    folder.mkdir(mode=0o700, exist_ok=True)
    written = []
    for file_name, text in files.items():
        path = folder / file_name
        path.touch(mode=0o600)
        path.chmod(0o600)
        path.write_text(text)
        written.append(path)
    return written


def remove(config: Config, name: str) -> bool:
    found = False
    for suffix in (PJSIP_SUFFIX, EXTENSIONS_SUFFIX):
        path = trunks_dir(config) / f"{name}{suffix}"
        if path.exists():
            path.unlink()
            found = True
    return found
