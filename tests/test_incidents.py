"""Incidents: grouping on constructed cases, independent sources, coverage gaps, confirm and split."""

from __future__ import annotations

import datetime as dt

import pytest

from core import gazetteer, incidents
from core.incidents import Report, Rules, coverage_gaps, independent_sources, suggest
from core.model import Source
from tests.fixtures.web import login, make_alert, post

T0 = dt.datetime(2026, 11, 20, 14, 0, tzinfo=dt.timezone.utc)
PLACES = {loc.code: loc for loc in gazetteer.starter()}
BENI, OICHA, MBAU, BUNIA, GOMA = "1101", "1102", "1104", "2101", "1601"


def report(alert_id, minutes=0, locality=BENI, categories=("attack",), source=Source.PHONE, station=None,
           pseudonym=None):
    pseudonym = pseudonym if pseudonym is not None or source == Source.RADIO else f"C-{alert_id}"
    return Report(alert_id, T0 + dt.timedelta(minutes=minutes), locality, frozenset(categories), source, station,
                  pseudonym)


def ids(groups):
    return [sorted(r.alert_id for r in group) for group in groups]


def test_two_callers_same_locality_same_hour_are_one_incident_with_two_sources():
    groups = suggest([report(1, 0), report(2, 40)], PLACES)
    assert ids(groups) == [[1, 2]]
    assert independent_sources(groups[0]) == {"sources": 2, "phone": 2, "radio": 0, "committee": 0}


def test_one_caller_calling_twice_is_one_source():
    groups = suggest([report(1, 0, pseudonym="C-SAME"), report(2, 25, pseudonym="C-SAME")], PLACES)
    assert ids(groups) == [[1, 2]]
    assert independent_sources(groups[0])["sources"] == 1


def test_far_apart_localities_stay_separate_neighbours_join():
    assert suggest([report(1, 0, BENI), report(2, 10, GOMA), report(3, 20, BUNIA)], PLACES) == []
    # Beni-Mbau is about 16 km: inside a 20 km radius, outside a 10 km one.
    assert ids(suggest([report(1, 0, BENI), report(2, 10, MBAU)], PLACES, Rules(radius_km=20))) == [[1, 2]]
    assert suggest([report(1, 0, BENI), report(2, 10, MBAU)], PLACES, Rules(radius_km=10)) == []


def test_radio_and_phone_are_independent_one_station_counts_once():
    reports = [report(1, 0), report(2, 30, source=Source.RADIO, station="okapi"),
               report(3, 50, source=Source.RADIO, station="okapi")]
    groups = suggest(reports, PLACES)
    assert ids(groups) == [[1, 2, 3]]
    assert independent_sources(groups[0]) == {"sources": 2, "phone": 1, "radio": 1, "committee": 0}
    two_stations = [*reports, report(4, 55, source=Source.RADIO, station="moto")]
    assert independent_sources(two_stations)["radio"] == 2


def test_time_window_and_shared_categories_decide():
    assert suggest([report(1, 0), report(2, 7 * 60)], PLACES) == []                    # 7 h apart
    assert suggest([report(1, 0), report(2, 10, categories=("displacement",))], PLACES) == []
    assert suggest([report(1, 0, categories=()), report(2, 10, categories=())], PLACES) == []
    # A chain: 1~2 and 2~3 link all three even though 1 and 3 are 10 h apart.
    chained = suggest([report(1, 0), report(2, 5 * 60), report(3, 10 * 60)], PLACES)
    assert ids(chained) == [[1, 2, 3]]
    # An unknown code still groups with itself, never with a neighbour.
    assert ids(suggest([report(1, 0, "777"), report(2, 5, "777"), report(3, 6, BENI)], PLACES)) == [[1, 2]]


def test_coverage_gaps_on_a_constructed_timeline():
    now = T0
    last = {BENI: (T0 - dt.timedelta(days=20)).isoformat(), OICHA: (T0 - dt.timedelta(days=14, hours=1)).isoformat(),
            MBAU: (T0 - dt.timedelta(days=13, hours=23)).isoformat(), GOMA: (T0 - dt.timedelta(hours=2)).isoformat()}
    gaps = coverage_gaps(last, now, silent_days=14)
    assert [(g.code, g.silent_days) for g in gaps] == [(BENI, 20), (OICHA, 14)]
    assert [g.code for g in coverage_gaps(last, now, silent_days=30)] == []


def _backdate(store, alert_id, when: dt.datetime):
    store.conn.execute("UPDATE alerts SET created_at = ? WHERE id = ?", (when.isoformat(), alert_id))


def test_store_suggests_confirms_splits_and_finds_gaps(fresh_db, config):
    fresh_db.import_localities(gazetteer.starter(), "cli")
    a = make_alert(fresh_db, config, locality=BENI, pseudonym="C-A")
    b = make_alert(fresh_db, config, locality=BENI, pseudonym="C-B")
    c = make_alert(fresh_db, config, locality=BENI, source=Source.RADIO, station="okapi", pseudonym=None)
    far = make_alert(fresh_db, config, locality=BUNIA, pseudonym="C-D")
    old = make_alert(fresh_db, config, locality=GOMA, pseudonym="C-E")
    now = dt.datetime.now(dt.timezone.utc)
    _backdate(fresh_db, old["id"], now - dt.timedelta(days=30))
    found = incidents.suggestions(fresh_db, config, now)
    assert [[x["id"] for x in s["alerts"]] for s in found] == [[a["id"], b["id"], c["id"]]]
    assert found[0]["sources"] == 3 and found[0]["radio"] == 1
    incident = fresh_db.create_incident([a["id"], b["id"], c["id"]], "vera")
    assert incidents.suggestions(fresh_db, config, now) == []
    with pytest.raises(ValueError):
        fresh_db.create_incident([a["id"], far["id"]], "vera")
    new = fresh_db.split_incident(incident, [c["id"]], "sam")
    assert new is None and fresh_db.incident_of(c["id"]) is None
    [kept] = incidents.confirmed(fresh_db)
    assert kept["id"] == incident and kept["sources"] == 2
    fresh_db.split_incident(incident, [b["id"]], "sam")   # one alert left: no incident any more
    assert fresh_db.incidents() == [] and fresh_db.incident_of(a["id"]) is None
    assert [e["action"] for e in fresh_db.audit_entries("incident")] == ["split", "split", "create"]
    assert [(g["code"], g["name"]) for g in incidents.gaps(fresh_db, config, now)] == [(GOMA, "Goma")]


def test_console_confirms_a_suggestion_and_splits_it(client, fresh_db, config):
    fresh_db.import_localities(gazetteer.starter(), "cli")
    a = make_alert(fresh_db, config, locality=BENI, pseudonym="C-A")
    b = make_alert(fresh_db, config, locality=BENI, pseudonym="C-A")
    c = make_alert(fresh_db, config, locality=OICHA, pseudonym="C-B", source=Source.RADIO, station="okapi")
    login(client, "vera")
    page = client.get("/incidents").text
    assert a["reference"] in page and b["reference"] in page
    response = post(client, "/incidents", {"alerts": f"{a['id']} {b['id']}"})
    assert response.status_code == 302
    incident = fresh_db.incident_of(a["id"])
    assert incident and fresh_db.incident_of(b["id"]) == incident
    assert 'data-sources="1"' in client.get("/incidents").text    # one caller twice
    assert post(client, "/incidents", {"alerts": f"{a['id']} {c['id']}"}).status_code == 409
    assert post(client, "/incidents", {"alerts": "x"}).status_code == 400
    assert post(client, f"/incidents/{incident}/split", {"alert": str(b["id"])}).status_code == 302
    assert fresh_db.incident_of(a["id"]) is None
    assert post(client, f"/incidents/{incident}/split", {"alert": str(b["id"])}).status_code == 404
    assert {e["actor"] for e in fresh_db.audit_entries("incident")} == {"vera"}


def test_cli_suggests_lists_and_finds_gaps(config, fresh_db):
    from click.testing import CliRunner

    from sauti.cli import main

    fresh_db.import_localities(gazetteer.starter(), "cli")
    a = make_alert(fresh_db, config, locality=BENI, pseudonym="C-A")
    b = make_alert(fresh_db, config, locality=BENI, pseudonym="C-B")
    old = make_alert(fresh_db, config, locality=GOMA, pseudonym="C-E")
    _backdate(fresh_db, old["id"], dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=20))
    runner, data = CliRunner(), ["--data", str(config.data_dir)]
    result = runner.invoke(main, [*data, "incidents", "suggest"])
    assert result.exit_code == 0 and "2 source(s) (2 phone, 0 radio)" in result.output and a["reference"] in result.output
    fresh_db.create_incident([a["id"], b["id"]], "vera")
    assert "incident 1: 2 source(s)" in runner.invoke(main, [*data, "incidents", "list"]).output
    gaps = runner.invoke(main, [*data, "incidents", "gaps"]).output
    assert "Goma" in gaps and "silent 20 day(s)" in gaps
    assert "0 silent" in runner.invoke(main, [*data, "incidents", "gaps", "--days", "30"]).output


def test_grouping_by_locality_finds_what_comparing_every_pair_finds():
    """suggest() compares an alert only with later ones of near localities: the same groups as
    every pair within the window, on a day of alerts spread over near and far places."""
    import random

    rng = random.Random(24)
    codes = [BENI, OICHA, MBAU, BUNIA, GOMA, "unknown-place", "beni", None]
    reports = [report(n, minutes=rng.randint(0, 24 * 60), locality=rng.choice(codes),
                      categories=rng.sample(("attack", "abduction", "displacement"), rng.randint(1, 2)))
               for n in range(400)]
    rules = Rules()
    ordered = sorted(reports, key=lambda r: (r.received, r.alert_id))
    parent = {r.alert_id: r.alert_id for r in reports}

    def root(i):
        while parent[i] != i:
            i = parent[i]
        return i

    for i, a in enumerate(ordered):
        for b in ordered[i + 1:]:
            if incidents.linked(a, b, PLACES, rules):
                parent[root(b.alert_id)] = root(a.alert_id)
    groups = {}
    for r in reports:
        groups.setdefault(root(r.alert_id), []).append(r.alert_id)
    expected = sorted(sorted(g) for g in groups.values() if len(g) > 1)
    assert sorted(ids(suggest(reports, PLACES, rules))) == expected and len(expected) >= 3
