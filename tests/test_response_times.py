"""Response times from a seeded history with known answers: timelines, medians, 90th percentiles, stuck alerts,
the report page, its CSV, the response form."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from core import response_times
from core.response_times import figures, percentile, stuck
from tests.fixtures.web import login, make_alert, post

_MONTH_AGO = dt.datetime.now(dt.timezone.utc).date() - dt.timedelta(days=28)
# A Tuesday 08:00 UTC four weeks ago, inside the report's default 12 weeks.
T0 = dt.datetime.combine(_MONTH_AGO - dt.timedelta(days=_MONTH_AGO.weekday() - 1), dt.time(8), dt.timezone.utc)
WEEK = "{}-W{:02d}".format(*T0.isocalendar()[:2])
NEXT_WEEK = "{}-W{:02d}".format(*(T0 + dt.timedelta(days=7)).isocalendar()[:2])
# alert: received, locality, tags, minutes after receipt of: listen, verify, escalate, reach, respond
HISTORY = {
    "A1": (T0, "1101", ["armed_movement"], 10, 30, 50, 55, 110),
    "A2": (T0 + dt.timedelta(hours=1), "1101", ["armed_movement"], 20, 40, 80, 95, 200),
    "A3": (T0 + dt.timedelta(hours=2), "1103", ["burning_looting"], 30, 90, None, None, None),
    "A4": (T0 + dt.timedelta(days=7), "1103", ["armed_movement", "burning_looting"], 40, None, None, None, None),
}


def stamp(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="milliseconds")


def seed(store, config) -> dict[str, int]:
    """Each alert goes through the real store calls, then its moments are moved to the known times."""
    ids = {}
    for name, (received, locality, tags, listen, verify, escalate, reach, respond) in HISTORY.items():
        alert_id = make_alert(store, config, locality=locality)["id"]
        ids[name] = alert_id
        store.set_tags(alert_id, tags, "vera")
        moments = {}
        store.record_listen(alert_id, "vera")
        moments[("listen", None)] = listen
        if verify is not None:
            store.set_status(alert_id, "verified", "vera")
            moments[("status", "verified")] = verify
        if escalate is not None:
            store.set_status(alert_id, "escalated", "sam")
            moments[("status", "escalated")] = escalate
        if reach is not None:
            store.audit("dialler", "responder_confirmed", "alert", alert_id)
            moments[("responder_confirmed", None)] = reach
        if respond is not None:
            store.record_response(alert_id, "patrol sent", "resolved", None, "sam")
            moments[("response", None)] = respond
        # Moving recorded times is the one thing a test does below the store's API.
        store.conn.execute("UPDATE alerts SET created_at = ? WHERE id = ?", (stamp(received), alert_id))
        for (action, status), minutes in moments.items():
            at = stamp(received + dt.timedelta(minutes=minutes))
            store.conn.execute(
                "UPDATE audit_log SET at = ? WHERE entity = 'alert' AND entity_id = ? AND action = ?"
                " AND (? IS NULL OR json_extract(after, '$.status') = ?)", (at, alert_id, action, status, status))
            if action == "response":
                store.conn.execute("UPDATE responses SET created_at = ?, acted_at = ? WHERE alert_id = ?",
                                   (at, at, alert_id))
    return ids


def table(found) -> dict:
    return {(f.group, f.interval): (f.count, round(f.median, 3), round(f.p90, 3)) for f in found}


def test_percentiles_interpolate_between_ranks():
    assert percentile([10, 20, 30], 0.5) == 20 and percentile([10, 20, 30], 0.9) == pytest.approx(28)
    assert percentile([5], 0.9) == 5 and percentile([60, 120], 0.5) == 90
    with pytest.raises(ValueError):
        percentile([], 0.5)


def test_timelines_and_figures_from_a_seeded_history(fresh_db, config):
    ids = seed(fresh_db, config)
    timelines = {t.alert_id: t for t in fresh_db.alert_timelines()}
    a1 = timelines[ids["A1"]]
    assert a1.times == {"received": stamp(T0), "first_listened": stamp(T0 + dt.timedelta(minutes=10)),
                        "decided": stamp(T0 + dt.timedelta(minutes=30)), "verified": stamp(T0 + dt.timedelta(minutes=30)),
                        "escalated": stamp(T0 + dt.timedelta(minutes=50)),
                        "responder_reached": stamp(T0 + dt.timedelta(minutes=55)),
                        "response_recorded": stamp(T0 + dt.timedelta(minutes=110))}
    assert timelines[ids["A4"]].categories == ("armed_movement", "burning_looting")
    zone = config.site.timezone
    by_week = table(figures(timelines.values(), "week", zone))
    assert by_week[(WEEK, "to_listen")] == (3, 20, 28)
    assert by_week[(WEEK, "to_verify")] == (3, 40, 80)      # 30, 40, 90
    assert by_week[(WEEK, "to_decide")] == (3, 40, 80), "the first decision: here, each verification"
    assert by_week[(NEXT_WEEK, "to_listen")] == (1, 40, 40)
    assert (NEXT_WEEK, "to_verify") not in by_week
    by_locality = table(figures(timelines.values(), "locality", zone))
    assert by_locality[("1101", "to_listen")] == (2, 15, 19)
    assert by_locality[("1101", "to_escalate")] == (2, 30, 38)    # 20, 40
    assert by_locality[("1101", "to_reach")] == (2, 10, 14)       # 5, 15
    assert by_locality[("1101", "to_respond")] == (2, 90, 114)    # 60, 120
    assert by_locality[("1101", "total")] == (2, 155, 191)        # 110, 200
    assert by_locality[("1103", "to_listen")] == (2, 35, 39)      # 30, 40
    by_category = table(figures(timelines.values(), "category", zone))
    assert by_category[("armed_movement", "to_listen")] == (3, 20, 36)     # 10, 20, 40
    assert by_category[("burning_looting", "to_listen")] == (2, 35, 39)    # 30, 40
    now = T0 + dt.timedelta(days=7, hours=5)
    waiting = [(s.timeline.alert_id, s.step, s.waiting, round(s.hours, 2)) for s in stuck(timelines.values(), now, 4)]
    assert waiting == [(ids["A3"], "verified", "escalated", 7 * 24 + 3 - 1.5),
                       (ids["A4"], "first_listened", "verified", round(5 - 40 / 60, 2))]
    assert [s.timeline.alert_id for s in stuck(timelines.values(), now, 24)] == [ids["A3"]]
    fresh_db.set_status(ids["A3"], "false", "sam")   # closed without action: waits for nothing
    assert [s.timeline.alert_id for s in stuck(fresh_db.alert_timelines(), now, 4)] == [ids["A4"]]
    rows = list(csv.DictReader(io.StringIO(response_times.write_csv(figures(timelines.values(), "locality", zone)))))
    assert {"grouping": "locality", "group": "1101", "interval": "total", "count": "2", "median_minutes": "155.0",
            "p90_minutes": "191.0"} in rows


def test_report_page_csv_and_response_form(client, fresh_db, config):
    ids = seed(fresh_db, config)
    login(client, "vera")
    assert client.get("/reports/response-times").status_code == 403
    assert post(client, f"/alerts/{ids['A3']}/responses", {"action": "x", "outcome": "resolved"}).status_code == 403
    post(client, "/logout")
    login(client, "sam")
    page = client.get("/reports/response-times?by=locality")
    assert page.status_code == 200
    text = page.text
    assert "<svg" in text and 'class="median"' in text and "1101" in text
    stuck_rows = text.split('id="report-stuck"')[1]
    assert stuck_rows.index(fresh_db.get_alert(ids["A3"])["reference"]) < stuck_rows.index(
        fresh_db.get_alert(ids["A4"])["reference"])   # the longest wait first
    assert fresh_db.get_alert(ids["A1"])["reference"] not in stuck_rows
    assert WEEK in client.get("/reports/response-times").text
    assert client.get("/reports/response-times?by=nothing").status_code == 400
    exported = client.get("/reports/response-times.csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert {r["grouping"] for r in rows} == {"week", "locality", "category"}
    assert {"grouping": "locality", "group": "1101", "interval": "total", "count": "2", "median_minutes": "155.0",
            "p90_minutes": "191.0"} in rows
    refused = post(client, f"/alerts/{ids['A3']}/responses", {"action": "", "outcome": "resolved"})
    assert refused.status_code == 302 and not fresh_db.responses_for(ids["A3"])
    saved = post(client, f"/alerts/{ids['A3']}/responses",
                 {"action": "Patrouille envoyée", "outcome": "ongoing", "text": "deux véhicules\nà 14 h"})
    assert saved.status_code == 302
    (response,) = fresh_db.responses_for(ids["A3"])
    assert (response["action"], response["outcome"], response["note"], response["recorded_by"]) == (
        "Patrouille envoyée", "ongoing", "deux véhicules\nà 14 h", "sam")
    assert fresh_db.alert_timeline(ids["A3"]).times["response_recorded"] == response["created_at"]
    alert_page = client.get(f"/alerts/{ids['A3']}").text
    assert "Patrouille envoyée" in alert_page and 'id="response-form"' in alert_page
    assert any(e["action"] == "response" and e["actor"] == "sam" for e in fresh_db.audit_entries("alert", ids["A3"]))


def test_cli_mirrors_the_report(fresh_db, config, runner):
    ids = seed(fresh_db, config)
    result = runner.invoke("responses", "report", "--by", "locality", "--csv")
    assert result.exit_code == 0, result.output
    assert "locality,1101,total,2,155.0,191.0" in result.output
    stuck_out = runner.invoke("responses", "stuck", "--hours", "4").output
    assert fresh_db.get_alert(ids["A3"])["reference"] in stuck_out and "waiting for escalated" in stuck_out
    for command in ("report", "stuck"):
        assert runner.invoke("responses", command, "--help").exit_code == 0


def test_a_response_spoken_by_phone_plays_for_supervisors_only(client, fresh_db, config):
    alert = make_alert(fresh_db, config)
    (recording,) = fresh_db.recordings_for(alert["id"])
    response_id = fresh_db.record_response(alert["id"], "spoken report", "spoken", None, "phone:C-X", source="phone",
                                           recording_path=recording["path"])
    url = f"/alerts/{alert['id']}/responses/{response_id}.wav"
    login(client, "vera")
    assert client.get(url).status_code == 403
    post(client, "/logout")
    login(client, "sam")
    with client.get(url) as played:
        assert played.data[:4] == b"RIFF"
    assert url in client.get(f"/alerts/{alert['id']}").text
    assert client.get(f"/alerts/{alert['id']}/responses/{response_id + 1}.wav").status_code == 404
    with pytest.raises(ValueError):
        fresh_db.record_response(alert["id"], "x", "whatever", None, "sam")
