"""Incidents: alerts about one event, and how many independent sources describe it.

Pure logic on plain rows, shared by the console and the CLI; the store keeps the
incidents verifiers confirmed. Two alerts are linked when they were received within
`window_hours` of each other, in the same locality or in localities at most
`radius_km` apart (by the gazetteer's coordinates), and they share a risk category
(a keyword the ASR found or a verifier's tag). A suggested incident is a connected
group of linked alerts.

Independent sources: one per caller pseudonym (a caller calling twice is one source),
one per radio station (the operator relays many voices, but one relay chain), one per
Local Protection Committee (its focal point speaks for the meeting), and an alert with
none of these (recorded by the failure path) counts on its own.
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass

from .gazetteer import Locality, distance_km
from .model import Source


@dataclass(frozen=True)
class Rules:
    window_hours: float = 6.0
    radius_km: float = 15.0


@dataclass(frozen=True)
class Report:
    """What grouping reads of an alert."""

    alert_id: int
    received: dt.datetime
    locality: str | None
    categories: frozenset
    source: str | None = None
    station: str | None = None
    pseudonym: str | None = None
    committee: int | None = None

    @classmethod
    def from_row(cls, row: dict) -> "Report":
        """From a store row: alerts.* with calls.source, station, caller_pseudonym and `tags`."""
        found = {k.get("category") for k in row.get("keywords") or () if isinstance(k, dict)}
        categories = frozenset(c for c in found | set(row.get("tags") or ()) if c)
        return cls(row["id"], parse_time(row["created_at"]), row.get("locality") or None, categories,
                   row.get("source"), row.get("station"), row.get("caller_pseudonym"), row.get("committee_id"))


def parse_time(text: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


def near(a: Report, b: Report, places: dict[str, Locality], rules: Rules) -> bool:
    if not a.locality or not b.locality:
        return False
    if a.locality.casefold() == b.locality.casefold():
        return True
    first, second = places.get(a.locality), places.get(b.locality)
    if first is None or second is None:
        return False
    distance = distance_km(first, second)
    return distance is not None and distance <= rules.radius_km


def linked(a: Report, b: Report, places: dict[str, Locality], rules: Rules) -> bool:
    close_in_time = abs(a.received - b.received) <= dt.timedelta(hours=rules.window_hours)
    return close_in_time and bool(a.categories & b.categories) and near(a, b, places, rules)


def suggest(reports: list[Report], places: dict[str, Locality], rules: Rules = Rules()) -> list[list[Report]]:
    """Groups of two or more linked alerts (connected components), oldest alert first."""
    reports = sorted(reports, key=lambda r: (r.received, r.alert_id))
    parent = list(range(len(reports)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    window = dt.timedelta(hours=rules.window_hours)
    # Each alert is compared only with the later alerts of localities near its own, each
    # locality's alerts in time order: at a whole mission's pace a window holds hundreds of
    # alerts, most of them far away. near() reads only the two localities, so each pair of
    # localities is judged once.
    by_locality: dict[str, list[int]] = {}
    for i, report in enumerate(reports):
        if report.locality:
            by_locality.setdefault(report.locality, []).append(i)
    neighbours: dict[str, list[list[int]]] = {}
    for code, indices in by_locality.items():
        first = reports[indices[0]]
        neighbours[code] = [others for others in by_locality.values() if near(first, reports[others[0]], places, rules)]
    for i, a in enumerate(reports):
        for indices in neighbours.get(a.locality or "", ()):
            for j in indices[bisect.bisect_right(indices, i):]:
                b = reports[j]
                if b.received - a.received > window:
                    break   # in time order: nothing later can be close enough
                if linked(a, b, places, rules):
                    parent[root(j)] = root(i)
    groups: dict[int, list[Report]] = {}
    for i, report in enumerate(reports):
        groups.setdefault(root(i), []).append(report)
    return [group for group in groups.values() if len(group) > 1]


def source_key(report: Report) -> tuple[str, str]:
    if report.committee is not None:
        return ("committee", str(report.committee))
    if report.source == Source.RADIO and report.station:
        return ("radio", report.station)
    if report.pseudonym:
        return ("caller", report.pseudonym)
    return ("alert", str(report.alert_id))


def independent_sources(reports) -> dict:
    """How many independent sources, and how many of them came by phone, by radio and from committees."""
    keys = {source_key(r) for r in reports}
    radio = sum(1 for kind, _ in keys if kind == "radio")
    committee = sum(1 for kind, _ in keys if kind == "committee")
    return {"sources": len(keys), "radio": radio, "committee": committee, "phone": len(keys) - radio - committee}


@dataclass(frozen=True)
class Gap:
    code: str
    last_report: dt.datetime
    silent_days: int


def coverage_gaps(last_reports: dict[str, str], now: dt.datetime, silent_days: int) -> list[Gap]:
    """Localities that reported before and have been silent `silent_days` or more, the
    longest silence first (a silent village can be a threatened village)."""
    gaps = []
    for code, last in last_reports.items():
        moment = parse_time(last)
        days = (now - moment) // dt.timedelta(days=1)
        if days >= silent_days:
            gaps.append(Gap(code, moment, days))
    return sorted(gaps, key=lambda g: (-g.silent_days, g.code))


# -- over the store: what the console and the CLI show ------------------------------


def rules_of(config) -> Rules:
    return Rules(window_hours=config.incidents.window_hours, radius_km=config.incidents.radius_km)


def suggestions(store, config, now: dt.datetime) -> list[dict]:
    """Groups of ungrouped recent alerts that look like one event, the most sources first."""
    since = (now - dt.timedelta(days=config.incidents.lookback_days)).isoformat(timespec="milliseconds")
    rows = {row["id"]: row for row in store.grouping_candidates(since)}
    groups = suggest([Report.from_row(row) for row in rows.values()], store.localities_by_code(), rules_of(config))
    found = [{"alerts": [rows[r.alert_id] for r in group], **independent_sources(group)} for group in groups]
    return sorted(found, key=lambda s: (-s["sources"], -len(s["alerts"])))


def confirmed(store, limit: int = 100) -> list[dict]:
    """Confirmed incidents, each with its alerts and its independent sources."""
    incidents = store.incidents(limit)
    for incident in incidents:
        incident.update(independent_sources(Report.from_row(row) for row in incident["alerts"]))
    return incidents


def gaps(store, config, now: dt.datetime) -> list[dict]:
    """Coverage gaps with the locality's name where the gazetteer knows it."""
    places = store.localities_by_code()
    return [{"code": gap.code, "name": places[gap.code].name if gap.code in places else None,
             "last_report": gap.last_report.isoformat(timespec="milliseconds"), "silent_days": gap.silent_days}
            for gap in coverage_gaps(store.last_report_by_locality(), now, config.incidents.gap_days)]
