"""How long each step of an alert's journey took: timelines, medians and 90th percentiles, stuck alerts.

An alert's timeline is seven moments, each the first time it happened (from the audit log,
`Store.alert_timelines`): received, first listened, decided (any decision, on the phone or
in the console), verified, escalated, responder reached, response recorded; and, for an
escalation by SMS first, four more (ESCALATION_STEPS): the first SMS to a responder handed
to the gateway, the first delivered, the first confirmation by reply, and the calls begun
for want of one. The intervals measured between them are INTERVALS. Figures
are grouped by the ISO week the alert was received (in the installation's zone), its
locality or its category (a verifier's tags, else the risk categories the ASR found;
an alert counts in each of its categories). Percentiles interpolate linearly between
ranks (numpy's default), so the median of 2 values is their mean.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from dataclasses import dataclass, field

from . import clock
from .csv_tables import CsvWriter

STEPS = ("received", "first_listened", "decided", "verified", "escalated", "responder_reached", "response_recorded")
# What a stuck alert waits for, in order: a decision as such adds nothing the status does not say.
PROGRESS = tuple(step for step in STEPS if step != "decided")
ESCALATION_STEPS = ("sms_sent", "sms_delivered", "sms_confirmed", "escalated_to_call")
# (name, from step, to step)
INTERVALS = (
    ("to_listen", "received", "first_listened"),
    ("to_decide", "received", "decided"),   # whichever decision: on the phone or in the console
    ("to_verify", "received", "verified"),
    ("to_escalate", "verified", "escalated"),
    ("to_sms_sent", "escalated", "sms_sent"),
    ("to_sms_delivered", "escalated", "sms_delivered"),
    ("to_sms_confirmed", "escalated", "sms_confirmed"),
    ("to_call", "escalated", "escalated_to_call"),
    ("to_reach", "escalated", "responder_reached"),
    ("to_respond", "escalated", "response_recorded"),
    ("total", "received", "response_recorded"),
)
GROUPINGS = ("week", "locality", "category")
NO_GROUP = "-"
# Alerts closed without action wait for nothing: never stuck.
CLOSED_WITHOUT_ACTION = ("false", "duplicate", "unverified")
CSV_COLUMNS = ("grouping", "group", "interval", "count", "median_minutes", "p90_minutes")


@dataclass(frozen=True)
class Timeline:
    alert_id: int
    reference: str
    status: str
    locality: str | None
    categories: tuple[str, ...]
    times: dict = field(default_factory=dict)   # step -> stored UTC timestamp (or absent)

    def minutes(self, start: str, end: str) -> float | None:
        if not (self.times.get(start) and self.times.get(end)):
            return None
        seconds = (clock.parse(self.times[end]) - clock.parse(self.times[start])).total_seconds()
        return max(seconds, 0.0) / 60

    def last_step(self) -> str:
        return [step for step in PROGRESS if self.times.get(step)][-1]


@dataclass(frozen=True)
class Figure:
    grouping: str
    group: str
    interval: str
    count: int
    median: float
    p90: float


@dataclass(frozen=True)
class Stuck:
    timeline: Timeline
    step: str          # the last step reached
    waiting: str       # the step it waits for
    hours: float


def percentile(values, q: float) -> float:
    """Linear interpolation between closest ranks; q in [0, 1]."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("no values")
    rank = (len(ordered) - 1) * q
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def groups_of(timeline: Timeline, grouping: str, zone_name: str) -> tuple[str, ...]:
    if grouping == "week":
        year, week, _ = clock.local(timeline.times["received"], zone_name).isocalendar()
        return (f"{year}-W{week:02d}",)
    if grouping == "locality":
        return (timeline.locality or NO_GROUP,)
    if grouping == "category":
        return timeline.categories or (NO_GROUP,)
    raise ValueError(f"grouping is one of {', '.join(GROUPINGS)}")


def figures(timelines, grouping: str, zone_name: str) -> list[Figure]:
    """Median and 90th percentile of every interval in every group (groups with no value left out)."""
    values: dict[tuple[str, str], list[float]] = {}
    for timeline in timelines:
        for group in groups_of(timeline, grouping, zone_name):
            for name, start, end in INTERVALS:
                minutes = timeline.minutes(start, end)
                if minutes is not None:
                    values.setdefault((group, name), []).append(minutes)
    order = {name: i for i, (name, _, _) in enumerate(INTERVALS)}
    return [Figure(grouping, group, name, len(found), percentile(found, 0.5), percentile(found, 0.9))
            for (group, name), found in sorted(values.items(), key=lambda item: (item[0][0], order[item[0][1]]))]


def stuck(timelines, now: dt.datetime, hours: float) -> list[Stuck]:
    """Alerts whose last step is older than `hours` and not the last, the longest waits first."""
    found = []
    for timeline in timelines:
        if timeline.status in CLOSED_WITHOUT_ACTION:
            continue
        step = timeline.last_step()
        if step == PROGRESS[-1] or (step == "first_listened" and timeline.status != "new"):
            continue
        waited = (now - clock.parse(timeline.times[step])).total_seconds() / 3600
        if waited > hours:
            found.append(Stuck(timeline, step, PROGRESS[PROGRESS.index(step) + 1], waited))
    return sorted(found, key=lambda s: -s.hours)


def write_csv(all_figures) -> str:
    out = io.StringIO()
    writer = CsvWriter(out)
    writer.writerow(CSV_COLUMNS)
    for f in all_figures:
        writer.writerow((f.grouping, f.group, f.interval, f.count, f"{f.median:.1f}", f"{f.p90:.1f}"))
    return out.getvalue()
