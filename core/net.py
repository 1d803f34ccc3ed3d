"""Addresses: whether a port can be bound (behind every "port in use" message), and how to reach a listener."""

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


def connect_host(bind: str) -> str:
    """The address to connect to a service that listens on `bind` (a wildcard means this machine)."""
    if bind in ("", "0.0.0.0"):
        return "127.0.0.1"
    if bind == "::":
        return "::1"
    return bind
