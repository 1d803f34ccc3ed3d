"""Where the SMS gateway (smsgw/, Kannel) and the SMS receiver (sms/) reach each other,
with the secrets each presents: one place both read, so they always agree."""

from __future__ import annotations

from . import secrets
from .config import Config
from .net import connect_host

SENDSMS_USER = "sauti"
RECEIVER_INBOUND = "/kannel/inbound"   # smsbox posts each inbound SMS here
RECEIVER_DLR = "/kannel/dlr"           # and calls this with each delivery report


def url_host(bind: str) -> str:
    host = connect_host(bind)
    return f"[{host}]" if ":" in host else host


def receiver_url(config: Config, path: str) -> str:
    """The receiver's URL smsbox calls, with the shared secret the receiver checks."""
    secret = secrets.sms_password(config, "receiver")
    return f"http://{url_host(config.sms.bind)}:{config.sms.receiver_port}{path}?secret={secret}"


def sendsms_url(config: Config) -> str:
    return f"http://{url_host(config.sms.bind)}:{config.sms.sendsms_port}/cgi-bin/sendsms"


def admin_url(config: Config, page: str) -> str:
    return f"http://{url_host(config.sms.bind)}:{config.sms.admin_port}/{page}"
