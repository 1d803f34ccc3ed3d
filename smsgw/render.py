"""Render Kannel's configuration (`kannel/kannel.conf`) into `<data>/sms/`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import jinja2

from core import secrets
from core.config import Config
from core.net import connect_host
from core.sms_links import RECEIVER_INBOUND, SENDSMS_USER, receiver_url

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "kannel"
TEST_SMSC_ID = "test"
MAX_PARTS = 10                  # the longest receipt smsbox may split: 10 parts


class GatewayError(Exception):
    """The SMS gateway cannot do what was asked; the message says why and what to do."""


@dataclass(frozen=True)
class Paths:
    """Everything the gateway keeps in the data directory: all of it 0700, files 0600."""

    base: Path         # <data>/sms
    log: Path          # bearerbox.log, smsbox.log (errors only)
    store: Path        # Kannel's message store: queued messages, numbers included, while they wait
    run: Path          # pid files
    connections: Path  # one file per SMPP or modem connection (they hold passwords)

    @property
    def config_file(self) -> Path:
        return self.base / "kannel.conf"

    def pid_file(self, box: str) -> Path:
        return self.run / f"{box}.pid"


def paths(config: Config) -> Paths:
    base = config.data_dir / "sms"
    return Paths(base=base, log=base / "log", store=base / "store", run=base / "run",
                 connections=base / "connections")


def _allow_ip(bind: str) -> str:
    """Kannel's allow list for its own boxes and Sauti: the loopback unless bound elsewhere."""
    host = connect_host(bind)
    return "127.0.0.1" if host in ("127.0.0.1", "localhost") else f"127.0.0.1;{host}"


def _environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES_DIR), undefined=jinja2.StrictUndefined,
                              trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True, autoescape=False)


_UNQUOTABLE = re.compile(r'["\n\r]')


def template(name: str, values: dict) -> str:
    """One template rendered; a value that would break out of Kannel's quoting is refused."""
    for key, value in values.items():
        if isinstance(value, str) and _UNQUOTABLE.search(value):
            raise GatewayError(f"{key}: quotes and line breaks cannot go into Kannel's configuration")
    return _environment().get_template(name).render(values)


def context(config: Config) -> dict:
    p = paths(config)
    return {
        "sms": config.sms,
        "paths": p,
        "admin_password": secrets.sms_password(config, "admin"),
        "status_password": secrets.sms_password(config, "status"),
        "sendsms_user": SENDSMS_USER,
        "sendsms_password": secrets.sms_password(config, "sendsms"),
        "allow_ip": _allow_ip(config.sms.bind),
        "bearerbox_host": connect_host(config.sms.bind),
        "receiver_url": receiver_url(config, RECEIVER_INBOUND),
        "concatenation_timeout": config.sms.concatenation_wait_seconds,
        "max_parts": MAX_PARTS,
        "test_smsc_port": config.sms.test_smsc_port,
        "test_smsc_id": TEST_SMSC_ID,
        "connections": sorted(str(path) for path in p.connections.glob("*.conf")) if p.connections.is_dir() else [],
    }


def make_private(config: Config) -> Paths:
    """Create the gateway's folders 0700 (also ones an older version left open) and its files 0600."""
    p = paths(config)
    for folder in (p.base, p.log, p.store, p.run, p.connections):
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        folder.chmod(0o700)
        for path in folder.iterdir():
            if path.is_file():
                path.chmod(0o600)
    return p


def render(config: Config) -> Paths:
    """Write `<data>/sms/kannel.conf` (0600: it holds the gateway's passwords)."""
    p = make_private(config)
    text = template("kannel.conf", context(config))
    p.config_file.touch(mode=0o600)
    p.config_file.chmod(0o600)
    p.config_file.write_text(text)
    return p
