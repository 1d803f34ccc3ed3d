"""Whether an address and port can be bound: the one check behind every "port in use" message."""

from __future__ import annotations

import socket


def bind_error(host: str, port: int, kind: int = socket.SOCK_STREAM) -> OSError | None:
    """The error binding (host, port) would raise now, or None when it is free.

    TCP ignores sockets in TIME_WAIT (SO_REUSEADDR), as the services do when they
    listen; UDP does not, since there it would hide a real listener.
    """
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, kind) as probe:
        if kind == socket.SOCK_STREAM:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            return exc
    return None
