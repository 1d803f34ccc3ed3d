"""Survey runs without Asterisk: focal points called with a survey through the broadcasts' deliveries,
the line's question loop on an answered call, the aggregates of both channels, the CLI."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt

import pytest

from core import clock, directory, surveys
from core.dialplan import VAR_DELIVERY
from core.directory import NumberSeal
from core.store.thread import StoreThread
from dialler.ami import AmiClient, AmiSettings
from dialler.broadcasts import BroadcastDialler
from ivr.agi import HangupError
from ivr.flows.broadcast import broadcast
from tests.fixtures.web import login, post
from tests.test_mechanisms_cli import invoke
from tests.test_surveys import Abandoning, define

CSV = ("kind,name,localities,language,order,number\n"
       "focal_point,Relais A,1103,sw,1,0970000111\n"
       "focal_point,Relais B,2101 1103,ln,1,0970000222\n"
       "focal_point,Relais C,2101,fr,1,0970000333\n")


def seed(store, config) -> tuple[int, list[dict]]:
    store.import_directory(directory.read_csv(CSV), NumberSeal.from_config(config).seal, "ada")
    return define(store, config)


def answer_all(store) -> dict[str, int]:
    """The dialler's part: claim every due delivery and report it answered; their ids by name."""
    called = {}
    for due in store.claim_due_deliveries(9):
        assert store.delivery_result(due["id"], "answered", 3, 0) == "answered"
        called[due["name"]] = due["id"]
    return called


def test_a_run_shares_the_deliveries_but_waits_for_calling_hours_and_can_be_stopped(fresh_db, config):
    survey_id, _ = seed(fresh_db, config)
    voice_alert = fresh_db.create_broadcast("broadcasts/m.wav", ["2101"], "sam")
    run_id = fresh_db.create_survey_run(survey_id, ["1103"], "ada")
    assert [b["id"] for b in fresh_db.broadcasts()] == [voice_alert], "runs are not voice alerts"
    run = fresh_db.survey_run(run_id)
    assert [(d["name"], d["locality"]) for d in run["deliveries"]] == [("Relais A", "1103"), ("Relais B", "1103")]
    assert {d["name"] for d in fresh_db.claim_due_deliveries(9, survey_calls=False)} == {"Relais B", "Relais C"}
    assert [d["survey_id"] for d in fresh_db.claim_due_deliveries(1)] == [], "the voice alert's two calls fill"
    (first,) = fresh_db.claim_due_deliveries(3)
    assert first["survey_id"] == survey_id and first["name"] == "Relais A"
    assert fresh_db.delivery_result(first["id"], "no_answer", 1, 0) == "no_answer"
    everyone = fresh_db.create_survey_run(survey_id, [], "ada")
    assert [d["name"] for d in fresh_db.survey_run(everyone)["deliveries"]] == ["Relais A", "Relais B", "Relais C"]
    assert fresh_db.stop_survey_run(run_id, "ada") == 1
    assert surveys.progress(fresh_db.survey_run(run_id)["deliveries"]) == {
        "called": 1, "answered": 0, "complete": 0, "incomplete": 0, "failed": 1, "pending": 0, "stopped": 1}
    trail = [(e["actor"], e["action"]) for e in fresh_db.audit_entries("survey_run", run_id)]
    assert ("ada", "create") in trail and ("dialler", "delivery_no_answer") in trail and ("ada", "stop") in trail
    assert "0970000" not in str(fresh_db.audit_entries()), "no number in the audit"


def test_an_answered_call_asks_the_questions_in_the_focal_points_language_and_keeps_no_name(line, run_flow, config):
    survey_id, questions = line.db.run(lambda s: seed(s, config))
    ids = [q["id"] for q in questions]
    run_id = line.db.run(lambda s: s.create_survey_run(survey_id, ["2101"], "ada"))
    called = line.db.run(answer_all)
    whole, half = called["Relais B"], called["Relais C"]
    call, error = run_flow(broadcast, variables={VAR_DELIVERY: str(whole)},
                           keys={f"q{ids[0]}": ["1"], f"q{ids[1]}": ["3"], "wait": ["2"]})
    assert error is None
    assert call.prompts_in("ln")[0] == "survey_call_hello" and call.prompts_in("ln")[-2:] == ["survey_thanks", "goodbye"]
    assert ("ln", f"q{ids[2]}") in call.played
    with pytest.raises(HangupError):   # keys q1, then hangs up while the line waits on q2
        asyncio.run(broadcast(Abandoning(variables={VAR_DELIVERY: str(half)}, keys={f"q{ids[0]}": ["2"]}), line))
    states = {d["name"]: d["state"] for d in line.db.run(lambda s: s.deliveries(run_id))}
    assert states == {"Relais B": "complete", "Relais C": "incomplete"}
    today = dt.datetime.now(clock.zone(config.site.timezone)).date().isoformat()
    inbound = line.db.run(lambda s: s.start_survey_response(survey_id, "2101", today))
    line.db.run(lambda s: s.record_survey_answer(inbound, ids[0], 1))
    responses, answers = line.db.run(lambda s: s.survey_answers(survey_id))
    (both,) = surveys.aggregate(responses, answers, "month")
    assert (both["locality"], both["responses"], both["incomplete"]) == ("2101", 3, 2)
    assert both["channels"] == {"inbound": 1, "outbound": 2}
    assert [q["counts"] for q in both["questions"]] == [[2, 1], [0, 0, 1], [0, 1]]
    (outbound,) = surveys.aggregate(responses, answers, "month", "outbound")
    assert (outbound["responses"], outbound["incomplete"]) == (2, 1)
    assert [q["counts"] for q in outbound["questions"]] == [[1, 1], [0, 0, 1], [0, 1]]
    row = surveys.to_csv("S", [outbound]).splitlines()[1]
    assert row == f"S,2101,{today[:7]},2,1,0,2,1,1,1,0.500"
    columns = line.db.run(lambda s: s.conn.execute("SELECT * FROM survey_responses").fetchone().keys())
    assert set(columns) == {"id", "survey_id", "locality", "day", "complete", "channel"}, "nothing about who answered"


def test_the_cli_starts_follows_and_stops_a_run_without_a_number(config, fresh_db):
    survey_id, _ = seed(fresh_db, config)
    sid = str(survey_id)
    assert invoke(config, "surveys", "call", sid).exit_code != 0, "--all or --locality, never by default"
    assert invoke(config, "surveys", "call", sid, "--locality", "9999").exit_code != 0, "nobody there"
    started = invoke(config, "surveys", "call", sid, "--locality", "2101")
    assert started.exit_code == 0 and "2 focal point(s)" in started.output, started.output
    (run,) = fresh_db.survey_runs(survey_id)
    (due, _) = fresh_db.claim_due_deliveries(9)
    fresh_db.delivery_result(due["id"], "busy", 1, 0)
    listing = invoke(config, "surveys", "runs").output
    assert "(2101)" in listing and "called 2  answered 0" in listing and "failed 1  pending 1" in listing
    shown = invoke(config, "surveys", "progress", str(run["id"])).output
    assert "Relais B" in shown and "busy" in shown and "0970000" not in shown and "**" not in shown
    assert invoke(config, "surveys", "cancel", str(run["id"])).output.strip().endswith("0 call(s) not placed")
    assert invoke(config, "surveys", "call", sid, "--all").exit_code == 0
    assert invoke(config, "surveys", "cancel", str(run["id"] + 1)).output.strip().endswith("3 call(s) not placed")
    assert invoke(config, "surveys", "progress", "999").exit_code != 0
    trail = [(e["actor"], e["action"]) for e in fresh_db.audit_entries("survey_run")]
    assert trail.count(("cli", "create")) == 2 and trail.count(("cli", "stop")) == 2
    for name in ("call", "runs", "progress", "cancel"):
        assert invoke(config, "surveys", name, "--help").exit_code == 0


@pytest.mark.usefixtures("app")
def test_an_admin_puts_a_survey_to_focal_points_and_follows_the_calls_on_the_console(client, fresh_db, config):
    survey_id, questions = seed(fresh_db, config)
    login(client, "sam")
    assert post(client, f"/surveys/{survey_id}/runs", {"localities": "2101"}).status_code == 403, "admins start runs"
    post(client, "/logout")
    login(client, "ada")
    assert "survey-call" in client.get(f"/surveys/{survey_id}/edit").text
    taken = post(client, "/surveys", {"name": " Perception  T4 "})
    assert taken.status_code == 409 and "Une autre enquête porte ce nom" in taken.text
    assert post(client, f"/surveys/{survey_id}/runs", {"localities": "99x"}).status_code == 400
    assert post(client, f"/surveys/{survey_id}/runs", {"localities": "9999"}).status_code == 400, "nobody there"
    started = post(client, f"/surveys/{survey_id}/runs", {"localities": "2101"})
    assert started.status_code == 302, started.text
    (run,) = fresh_db.survey_runs(survey_id)
    (due, ringing) = fresh_db.claim_due_deliveries(9)
    fresh_db.delivery_result(due["id"], "answered", 3, 0)
    fresh_db.delivery_finished(due["id"], "complete")
    fresh_db.delivery_result(ringing["id"], "no_answer", 3, 60)   # to be called again in a minute
    page = client.get(started.location).text
    assert 'http-equiv="refresh"' in page and "Relais B" in page and "Relais C" in page
    assert "a répondu à tout" in page and '<td data-figure="complete">1</td>' in page
    assert "0970000" not in page and "**" not in page, "no number, not even masked"
    assert post(client, f"/surveys/{survey_id}/runs/{run['id']}/stop").status_code == 302
    page = client.get(started.location).text
    assert 'http-equiv="refresh"' not in page and "arrêté" in page and "run-stop" not in page
    response = fresh_db.start_survey_response(survey_id, "2101", "2026-11-26", "outbound")
    fresh_db.record_survey_answer(response, questions[0]["id"], 2)
    login(client, "sam")
    results = client.get(f"/surveys/{survey_id}/results?period=month").text
    assert "0 sur la ligne d&#39;enquête, 1 par appels aux points focaux" in results
    assert f"/surveys/{survey_id}/runs/{run['id']}" in results, "the runs, beside the results"
    assert "Pas encore de réponse" in client.get(f"/surveys/{survey_id}/results?period=month&channel=inbound").text
    csv_text = client.get(f"/surveys/{survey_id}/results.csv?period=month&channel=outbound").text
    assert csv_text.splitlines()[1].startswith("Perception T4,2101,2026-11,1,1,0,1,1,1,0,")
    assert client.get(f"/surveys/{survey_id}/results?channel=other").status_code == 400
    login(client, "vera")
    assert client.get(f"/surveys/{survey_id}/runs/{run['id']}").status_code == 403
    login(client, "sam")
    assert client.get(f"/surveys/{survey_id + 1}/runs/{run['id']}").status_code == 404


def test_the_dialler_calls_a_runs_focal_points_only_within_calling_hours(config, fresh_db):
    survey_id, _ = seed(fresh_db, config)
    voice_alert = fresh_db.create_broadcast("broadcasts/m.wav", ["1103"], "sam")
    run_id = fresh_db.create_survey_run(survey_id, ["2101"], "ada")
    now = dt.datetime.now(clock.zone(config.site.timezone))   # the hours are the installation's
    closed = f"{(now + dt.timedelta(hours=2)):%H}:00-{(now + dt.timedelta(hours=3)):%H}:00"

    def attempts_after_a_round(hours: str) -> tuple[list[int], list[int]]:
        settings = dataclasses.replace(config, dialler=dataclasses.replace(config.dialler, calling_hours=hours))
        db = StoreThread(settings.db_path)
        ami = AmiClient(AmiSettings("127.0.0.1", 1, "sauti", "x"))
        ami.connected.set()   # as if logged in: each call fails at once, with no Asterisk listening
        dialler = BroadcastDialler(settings, db, ami, NumberSeal.from_config(settings))

        async def round_():
            await dialler.tick()
            await asyncio.gather(*dialler.calls)
        try:
            asyncio.run(round_())
            return tuple([d["attempts"] for d in db.run(lambda s, b=b: s.deliveries(b))] for b in (voice_alert, run_id))
        finally:
            db.close()

    assert attempts_after_a_round(closed) == ([1, 1], [0, 0]), "voice alerts go at any hour, a survey waits"
    assert attempts_after_a_round("00:00-24:00") == ([1, 1], [1, 1])
