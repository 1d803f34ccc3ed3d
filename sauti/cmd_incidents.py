"""`sauti incidents suggest|list|gaps`: the console's incident views from the command line."""

from __future__ import annotations

import datetime as dt

import click

from core import clock, incidents

from .context import Context, pass_context


@click.group("incidents")
def incidents_group() -> None:
    """Incidents: alerts about one event and their independent sources; coverage gaps.

    Grouping follows [incidents] window_hours and radius_km; verifiers confirm
    and split incidents in the console.
    """


def _line(row: dict, zone: str) -> str:
    source = row["source"] or "-"
    if row["station"]:
        source += f"/{row['station']}"
    return f"    {row['reference']}  {clock.display_full(row['created_at'], zone)}  {source:<14} {row['locality'] or '-'}"


@incidents_group.command("suggest")
@pass_context
def incidents_suggest(ctx: Context) -> None:
    """Print the groupings the console suggests, the most independent sources first."""
    config = ctx.config
    with ctx.open_store() as store:
        found = incidents.suggestions(store, config, dt.datetime.now(dt.timezone.utc))
    for number, group in enumerate(found, start=1):
        click.echo(f"suggestion {number}: {group['sources']} source(s) ({group['phone']} phone, {group['radio']} radio)")
        for row in group["alerts"]:
            click.echo(_line(row, config.site.timezone))
    click.echo(f"{len(found)} suggestion(s)")


@incidents_group.command("list")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True, help="At most this many incidents.")
@pass_context
def incidents_list(ctx: Context, limit: int) -> None:
    """Print confirmed incidents, newest first, with their alerts and sources."""
    config = ctx.config
    with ctx.open_store() as store:
        found = incidents.confirmed(store, limit)
    for incident in found:
        click.echo(f"incident {incident['id']}: {incident['sources']} source(s) ({incident['phone']} phone,"
                   f" {incident['radio']} radio), confirmed by {incident['created_by']}")
        for row in incident["alerts"]:
            click.echo(_line(row, config.site.timezone))


@incidents_group.command("gaps")
@click.option("--days", type=click.IntRange(min=1), default=None,
              help="Silent for at least this many days. Default: [incidents] gap_days.")
@pass_context
def incidents_gaps(ctx: Context, days: int | None) -> None:
    """List localities that reported before and have been silent for N days, the longest silence first."""
    config = ctx.config
    with ctx.open_store() as store:
        silent = incidents.coverage_gaps(store.last_report_by_locality(), dt.datetime.now(dt.timezone.utc),
                                         days or config.incidents.gap_days)
        places = store.localities_by_code()
    for gap in silent:
        name = places[gap.code].name if gap.code in places else ""
        click.echo(f"{gap.code:>6} {name:<20} silent {gap.silent_days} day(s), last report"
                   f" {clock.display_full(gap.last_report.isoformat(), config.site.timezone)}")
    click.echo(f"{len(silent)} silent localit{'y' if len(silent) == 1 else 'ies'}")


commands = [incidents_group]
