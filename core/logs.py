"""Every service logs to the terminal and to its own file in `<data>/logs/`.

    logs.setup(config, "worker", verbose=False)   # once, at the top of a service's command

Files are `<data>/logs/<service>.log`, rotated by size, mode 0600 in a 0700 folder:
a log is read by the people running the line, nobody else. Times are written in
the installation's time zone with their UTC offset, so a line is never ambiguous.

Callers' numbers must never reach a log, nor their pseudonyms (a log outlives the purge
that forgets an alert's pseudonym). The code logs channels and ids; as a second guard
every handler masks anything shaped like a phone number.
"""

from __future__ import annotations

import datetime as dt
import logging
import logging.handlers
import os
import re
import sys
import threading
from pathlib import Path

from . import clock

SUFFIX = ".log"
FILE_FORMAT = "%(asctime)s %(name)s %(levelname)s %(message)s"
TERMINAL_FORMAT = "%(asctime)s %(name)s %(levelname)s %(message)s"

# A phone number as a caller ID carries it: an optional +, then 9 to 15 digits. Not inside
# a longer word or number (Asterisk's uniqueid "1700000000.12", checksums, file names),
# and 7-digit alert references stay readable.
PHONE_NUMBER = re.compile(r"(?<![\w.+-])\+?\d{9,15}(?![\w.])")
MASK = "[number]"


def mask_numbers(text: str) -> str:
    return PHONE_NUMBER.sub(MASK, text)


class MaskNumbers(logging.Filter):
    """Rewrites the record's message with phone-number-shaped digits masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        masked = mask_numbers(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_text:
            record.exc_text = mask_numbers(record.exc_text)
        return True


class ZoneFormatter(logging.Formatter):
    """asctime as ISO 8601 in the installation's zone, with its offset."""

    def __init__(self, fmt: str, zone: str):
        super().__init__(fmt)
        self.zone = clock.zone(zone)

    def formatTime(self, record, datefmt=None) -> str:
        moment = dt.datetime.fromtimestamp(record.created, self.zone)
        return moment.isoformat(sep=" ", timespec="milliseconds")


class PrivateFileHandler(logging.handlers.RotatingFileHandler):
    """A rotating log file created with mode 0600 (also after each rotation)."""

    def _open(self):
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.fchmod(fd, 0o600)  # a file made earlier with a laxer mode is tightened
        return os.fdopen(fd, "a", encoding=self.encoding, errors=self.errors)


def log_path(config, service: str) -> Path:
    return config.logs_dir / f"{service}{SUFFIX}"


def services(config) -> list[str]:
    """The services that have written a log in this data directory."""
    folder = config.logs_dir
    if not folder.is_dir():
        return []
    return sorted(p.name[: -len(SUFFIX)] for p in folder.glob(f"*{SUFFIX}"))


def setup(config, service: str, verbose: bool = False, terminal_format: str = TERMINAL_FORMAT,
          stream=None) -> Path:
    """Send the root logger to the terminal (stderr) and to `<data>/logs/<service>.log`.

    Replaces handlers set earlier in this process, so calling it twice does not
    double every line. Uncaught exceptions, also in threads, are logged before the
    process dies. Returns the log file's path.
    """
    folder = config.logs_dir
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    path = log_path(config, service)
    zone = config.site.timezone
    file_handler = PrivateFileHandler(path, maxBytes=config.logs.max_mb * 1024 * 1024,
                                      backupCount=config.logs.keep, encoding="utf-8")
    file_handler.setFormatter(ZoneFormatter(FILE_FORMAT, zone))
    terminal = logging.StreamHandler(stream or sys.stderr)
    terminal.setFormatter(ZoneFormatter(terminal_format, zone))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
        old.close()
    for handler in (file_handler, terminal):
        handler.addFilter(MaskNumbers())
        root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    _log_uncaught(logging.getLogger(f"sauti.{service}"))
    return path


def _log_uncaught(log: logging.Logger) -> None:
    def process_hook(kind, value, traceback):
        if not issubclass(kind, KeyboardInterrupt):
            log.critical("uncaught exception", exc_info=(kind, value, traceback))
        else:
            sys.__excepthook__(kind, value, traceback)

    def thread_hook(args):
        if args.exc_type is not SystemExit:
            log.critical("uncaught exception in thread %s", getattr(args.thread, "name", "?"),
                         exc_info=(args.exc_type, args.exc_value, args.exc_traceback))

    sys.excepthook = process_hook
    threading.excepthook = thread_hook
