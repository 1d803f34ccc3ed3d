"""`sauti alerts list`: the queue from the command line, or as CSV for a spreadsheet."""

from __future__ import annotations

import datetime as dt
import sys

import click

from core import clock
from core.csv_tables import CsvWriter
from core.model import Status
from core.store.queue import ALL, QueueFilter

from .context import Context, pass_context

CSV_COLUMNS = ("reference", "received_utc", "status", "language", "locality", "source", "priority", "tags",
               "transcript")
TEXT_WIDTH = 60


def _day(ctx, param, value: str) -> str:
    if value:
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None
    return value


@click.group()
def alerts() -> None:
    """Alerts from the command line: list (or export as CSV)."""


@alerts.command("list")
@click.option("--status", type=click.Choice([ALL, *(s.value for s in Status)]), default=Status.NEW.value,
              show_default=True, help="Only alerts with this status ('all': any).")
@click.option("--from", "date_from", metavar="YYYY-MM-DD", default="", callback=_day,
              help="Received on or after this day (a day in the installation's time zone).")
@click.option("--to", "date_to", metavar="YYYY-MM-DD", default="", callback=_day,
              help="Received on or before this day (a day in the installation's time zone).")
@click.option("--limit", type=click.IntRange(min=1), default=100, show_default=True, help="At most this many alerts.")
@click.option("--csv", "as_csv", is_flag=True,
              help="CSV for other programs: times in UTC with their offset (2026-11-26T04:07:08+00:00).")
@pass_context
def alerts_list(ctx: Context, status: str, date_from: str, date_to: str, limit: int, as_csv: bool) -> None:
    """List alerts in queue order (highest priority, then newest).

    Times are shown in [site] timezone with their offset; --csv writes UTC with an
    explicit offset instead, never a bare local time. No caller pseudonym is printed.
    """
    zone = ctx.config.site.timezone
    f = QueueFilter(status=status, date_from=date_from, date_to=date_to, zone=zone)
    with ctx.open_store() as store:
        rows = store.queue(f, limit=limit)
    if as_csv:
        writer = CsvWriter(sys.stdout)
        writer.writerow(CSV_COLUMNS)
        for row in rows:
            writer.writerow([row["reference"], clock.export_timestamp(row["created_at"]), row["status"],
                             row["language"] or "", row["locality"] or "", row["source"] or "",
                             f"{row['priority']:.2f}", " ".join(row["tags"]), row["transcript"] or ""])
        return
    if not rows:
        click.echo("no alert matches")
        return
    for row in rows:
        text = " ".join((row["transcript"] or "").split())
        if len(text) > TEXT_WIDTH:
            text = text[: TEXT_WIDTH - 1] + "…"
        click.echo(f"{row['reference']}  {clock.display_full(row['created_at'], zone)}  {row['status']:<10}  "
                   f"{row['language'] or '-':<3} {row['priority']:5.2f}  {row['locality'] or '-'}  {text}")


commands = [alerts]
