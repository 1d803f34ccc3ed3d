"""`sauti responses report|stuck`: response times from the command line, the figures of the console's report."""

from __future__ import annotations

import datetime as dt

import click

from core import clock, response_times

from .context import Context, pass_context


@click.group("responses")
def responses_group() -> None:
    """Response times: medians and 90th percentiles of each step, alerts stuck at a step.

    Steps: received, first listened, verified, escalated, responder reached, response
    recorded (each its first time, from the audit log). Alerts received in the last
    [responses] report_weeks weeks.
    """


def _timelines(ctx: Context):
    since = dt.datetime.now(dt.timezone.utc) - dt.timedelta(weeks=ctx.config.responses.report_weeks)
    with ctx.open_store() as store:
        return store.alert_timelines(since=since.isoformat(timespec="milliseconds"))


@responses_group.command("report")
@click.option("--by", "grouping", type=click.Choice(response_times.GROUPINGS), default=None,
              help="Group by week, locality or category (default: all three).")
@click.option("--csv", "as_csv", is_flag=True, help="CSV (minutes), as the console's download.")
@pass_context
def responses_report(ctx: Context, grouping: str | None, as_csv: bool) -> None:
    """Print the median and 90th percentile of each interval, in minutes, per group."""
    timelines = _timelines(ctx)
    zone = ctx.config.site.timezone
    found = [f for g in ([grouping] if grouping else response_times.GROUPINGS)
             for f in response_times.figures(timelines, g, zone)]
    if as_csv:
        click.echo(response_times.write_csv(found), nl=False)
        return
    for f in found:
        click.echo(f"{f.grouping:<9} {f.group:<18} {f.interval:<12} n={f.count:<4} median {f.median:8.1f} min"
                   f"  p90 {f.p90:8.1f} min")


@responses_group.command("stuck")
@click.option("--hours", type=float, default=None, help="Waiting longer than this (default: [responses] stuck_hours).")
@pass_context
def responses_stuck(ctx: Context, hours: float | None) -> None:
    """List alerts waiting at one step longer than the limit, the longest first."""
    limit = ctx.config.responses.stuck_hours if hours is None else hours
    for s in response_times.stuck(_timelines(ctx), dt.datetime.now(dt.timezone.utc), limit):
        since = clock.display_full(s.timeline.times[s.step], ctx.config.site.timezone)
        click.echo(f"{s.timeline.reference}  {s.step} since {since}, waiting for {s.waiting} ({s.hours:.1f} h)")


commands = [responses_group]
