"""Kannel for Sauti: render `kannel/`, run bearerbox and smsbox, read their status.

    import smsgw
    smsgw.start(config, echo=print)   # render into <data>/sms/, start bearerbox then smsbox
    smsgw.status(config)              # Status(running, pids, connections, queued); str() for humans
    smsgw.stop(config, echo=print)    # False if it was not running
    smsgw.connections.add(config, "smpp", "airtel", host=..., system_id=..., password=...)

Kannel is Debian's (`kannel`); its test SMS centre (`[sms] test_smsc_port`) is what
Kannel's own fakesmsc (`kannel-extras`) connects to in the test suite. Sauti receives
inbound SMS from smsbox over HTTP on loopback (the `sms/` service) and sends through
smsbox's sendsms interface. Every function raises `GatewayError` with a message meant
for the user.
"""

from . import connections
from .render import TEST_SMSC_ID, GatewayError, Paths, paths, render
from .service import Connection, Status, parse_status, running_pid, start, status, stop

__all__ = [
    "TEST_SMSC_ID",
    "Connection",
    "GatewayError",
    "Paths",
    "Status",
    "connections",
    "parse_status",
    "paths",
    "render",
    "running_pid",
    "start",
    "status",
    "stop",
]
