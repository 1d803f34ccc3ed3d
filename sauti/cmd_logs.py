"""`sauti logs [SERVICE] [--follow]`: the services' log files in `<data>/logs/`."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

import click

from core import logs as logs_module

from .context import Context, pass_context

FOLLOW_POLL_SECONDS = 0.3
# A log entry starts with its timestamp; other lines (tracebacks) continue the entry before.
ENTRY_START = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}")


def read_entries(path: Path, limit: int) -> list[str]:
    """The last `limit` entries of a log file, each with its continuation lines."""
    entries: list[str] = []
    with open(path, encoding="utf-8", errors="replace") as handle:
        for line in handle:
            line = line.rstrip("\n")
            if entries and not ENTRY_START.match(line):
                entries[-1] += "\n" + line
            else:
                entries.append(line)
            if len(entries) > limit * 2:
                del entries[:-limit]
    return entries[-limit:] if limit else []


@dataclass
class Tail:
    """Where we are in one service's log file; notices rotation (a new file, or a shorter one)."""

    service: str
    path: Path
    inode: int | None = None
    position: int = 0
    partial: str = ""

    def start_at_end(self) -> None:
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return
        self.inode, self.position = stat.st_ino, stat.st_size

    def new_lines(self) -> list[str]:
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return []
        if stat.st_ino != self.inode or stat.st_size < self.position:
            self.inode, self.position, self.partial = stat.st_ino, 0, ""
        if stat.st_size == self.position:
            return []
        with open(self.path, "rb") as handle:
            handle.seek(self.position)
            chunk = handle.read()
        self.position += len(chunk)
        text = self.partial + chunk.decode("utf-8", "replace")
        *lines, self.partial = text.split("\n")
        return lines


def _label(service: str, width: int, several: bool) -> str:
    return f"{service:<{width}} | " if several else ""


@click.command()
@click.argument("service", required=False)
@click.option("-f", "--follow", is_flag=True, help="Keep printing new lines as they are written (Ctrl-C to stop).")
@click.option("-n", "--lines", "count", type=click.IntRange(min=0), default=50, show_default=True,
              help="Entries to show from the end of each log first.")
@pass_context
def logs(ctx: Context, service: str | None, follow: bool, count: int) -> None:
    """Show the services' logs (ivr, worker, web, up, ...) from the data directory's logs/ folder.

    Each service writes `logs/<service>.log` beside its terminal output. Without
    SERVICE, every log is shown, entries merged in time order and each line marked
    with its service. Times are in the installation's time zone with their offset.
    """
    config = ctx.config
    known = logs_module.services(config)
    if service is not None and service not in known:
        hint = ", ".join(known) if known else "none yet: start a service first"
        raise click.ClickException(f"no log for {service!r} in {config.logs_dir} (logs: {hint})")
    chosen = [service] if service else known
    several = service is None
    width = max((len(name) for name in chosen), default=0)
    merged = []
    for name in chosen:
        for entry in read_entries(logs_module.log_path(config, name), count):
            merged.append((entry[:29], name, entry))
    merged.sort(key=lambda item: item[0])  # ISO times in one zone sort as text; sort is stable
    for _, name, entry in merged[-count:] if count else []:
        click.echo(_label(name, width, several) + entry.replace("\n", "\n" + _label(name, width, several)))
    if follow:
        _follow(config, chosen if service else None, several)


def _follow(config, fixed: list[str] | None, several: bool) -> None:
    tails: dict[str, Tail] = {}

    def refresh(initial: bool) -> None:
        for name in fixed or logs_module.services(config):
            if name not in tails:
                tails[name] = Tail(name, logs_module.log_path(config, name))
                if initial:
                    tails[name].start_at_end()

    refresh(initial=True)
    try:
        while True:
            refresh(initial=False)  # a service started later shows up too
            width = max((len(name) for name in tails), default=0)
            for tail in tails.values():
                for line in tail.new_lines():
                    click.echo(_label(tail.service, width, several) + line)
            time.sleep(FOLLOW_POLL_SECONDS)
    except KeyboardInterrupt:
        pass


commands = [logs]
