"""systemd's readiness protocol (`Type=notify`), spoken directly: one datagram to $NOTIFY_SOCKET.

The protocol is a single `sendto` of `KEY=VALUE` lines on a Unix datagram socket; a
library for it would be a dependency for ten lines. Outside systemd (no NOTIFY_SOCKET)
nothing is sent.
"""

from __future__ import annotations

import logging
import os
import socket

log = logging.getLogger(__name__)


def notify(*assignments: str) -> bool:
    """Send e.g. notify("READY=1", "STATUS=..."); True when a service manager was told."""
    address = os.environ.get("NOTIFY_SOCKET", "")
    if not address:
        return False
    if address.startswith("@"):  # an abstract socket
        address = "\0" + address[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.sendto("\n".join(assignments).encode(), address)
    except OSError as exc:  # the line runs on; systemd's start timeout will say it never heard
        log.error("could not notify systemd at %s: %s", os.environ["NOTIFY_SOCKET"], exc)
        return False
    return True
