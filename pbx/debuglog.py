"""Asterisk's verbose dialplan log in a file, on demand and for a limited time.

Off by default, because it names callers: the failure path writes `caller=<number>`
into its spool file at verbose(3), and rejected requests are logged with the number
they claim. `sauti asterisk debug-log` turns it on with `warning()` first, then off
again after the time asked for. The channel is Asterisk's temporary kind (`logger add
channel`), so a restart or `logger reload` also ends it, even if the command was killed.
"""

from __future__ import annotations

from pathlib import Path

from core.config import Config

from .render import paths
from .service import cli

DEBUG_LOG = "debug.log"
LEVELS = "error,warning,notice,verbose(3)"
MAX_MINUTES = 120


def path(config: Config) -> Path:
    return paths(config).log / DEBUG_LOG


def warning(config: Config, minutes: float) -> str:
    return (f"WARNING: while debug logging is on, Asterisk writes callers' phone numbers in clear to "
            f"{path(config)} (dialplan steps, rejected requests). It stops after {minutes:g} min, "
            f"at a restart or `logger reload`. Delete the file once you are done with it.")


def start(config: Config) -> Path:
    """Add the temporary file channel; returns its path."""
    target = path(config)
    cli(config, f"logger add channel {target} {LEVELS}")
    return target


def stop(config: Config) -> None:
    """Remove the channel (the file stays for the operator to read, then delete)."""
    cli(config, f"logger remove channel {path(config)}")

