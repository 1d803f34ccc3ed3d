"""Escalation to responders without Asterisk: the queue in order of call, outcomes, confirmation, the console."""

from __future__ import annotations

import datetime as dt

import pytest

from core import directory
from core.directory import NumberSeal
from tests.fixtures.web import login, make_alert

CSV = ("kind,name,localities,language,order,number\n"
       "responder,Second,1103,sw,2,0970000222\n"
       "responder,First,1103,fr,1,0970000111\n"
       "responder,Elsewhere,2101,fr,1,0970000333\n")


@pytest.fixture
def seal(config):
    return NumberSeal.from_config(config)


def escalated(store, config, locality="1103"):
    alert = make_alert(store, config, locality=locality)
    store.set_status(alert["id"], "verified", "vera")
    store.set_status(alert["id"], "escalated", "sam")
    return alert["id"]


def test_calls_go_in_order_until_one_confirms(fresh_db, config, seal):
    fresh_db.import_directory(directory.read_csv(CSV), seal.seal, "ada")
    alert_id = escalated(fresh_db, config)
    assert fresh_db.queue_escalations() == [alert_id] and fresh_db.queue_escalations() == []
    (first,) = fresh_db.claim_responder_calls()
    assert first["name"] == "First" and seal.open(*first["sealed"]) == "0970000111"
    assert fresh_db.claim_responder_calls() == []            # one call at a time per alert
    assert fresh_db.responder_call_result(first["id"], "no_answer") == "no_answer"
    (second,) = fresh_db.claim_responder_calls()
    assert second["name"] == "Second"
    assert fresh_db.responder_call_result(second["id"], "answered") == "answered"
    brief = fresh_db.responder_brief(second["id"])
    assert brief["language"] == "sw" and brief["locality"] == "1103" and brief["category"] == "armed_movement"
    assert brief["recordings"] and brief["reference"] == fresh_db.get_alert(alert_id)["reference"]
    assert fresh_db.end_responder_call(second["id"], True) == "confirmed"
    assert [(c["name"], c["state"], c["result"]) for c in fresh_db.responder_calls_for(alert_id)] == [
        ("First", "no_answer", "no_answer"), ("Second", "confirmed", "confirmed")]
    assert fresh_db.alert_timeline(alert_id).times.get("responder_reached")
    assert fresh_db.unreached_escalations() == []


def test_nobody_confirms_then_the_supervisor_is_told(fresh_db, config, seal, client):
    fresh_db.import_directory(directory.read_csv(CSV), seal.seal, "ada")
    alert_id = escalated(fresh_db, config)
    fresh_db.queue_escalations()
    for result in ("busy", "answered"):
        (call,) = fresh_db.claim_responder_calls()
        fresh_db.responder_call_result(call["id"], result)
    fresh_db.end_responder_call(call["id"], False)
    assert fresh_db.claim_responder_calls() == []
    assert [c["state"] for c in fresh_db.responder_calls_for(alert_id)] == ["busy", "not_confirmed"]
    reference = fresh_db.get_alert(alert_id)["reference"]
    assert [a["reference"] for a in fresh_db.unreached_escalations()] == [reference]
    actions = [e["action"] for e in fresh_db.audit_entries("alert", alert_id)]
    assert actions.count("responder_call") == 2 and "responders_unreached" in actions
    login(client, "sam")
    page = client.get(f"/alerts/{alert_id}").text
    assert 'id="unreached-alarm"' in page and "First" in page and "Second" in page
    login(client, "vera")
    assert 'id="unreached-alarm"' not in client.get("/").text


def test_a_locality_without_responders_is_unreached_at_once(fresh_db, config):
    alert_id = escalated(fresh_db, config, locality="9999")
    fresh_db.queue_escalations()
    assert [c["state"] for c in fresh_db.responder_calls_for(alert_id)] == ["no_responder"]
    assert fresh_db.claim_responder_calls() == [] and fresh_db.queue_escalations() == []
    assert fresh_db.unreached_escalations()[0]["id"] == alert_id


def test_an_escalation_that_overlapped_the_last_queueing_is_still_queued(fresh_db, config, seal):
    """The dialler reads only escalations newer than the newest responder call less a margin
    (ESCALATION_SETTLE): one whose audit time falls just before it is not lost."""
    fresh_db.import_directory(directory.read_csv(CSV), seal.seal, "ada")
    first = escalated(fresh_db, config)
    assert fresh_db.queue_escalations() == [first]
    second = escalated(fresh_db, config)
    queued_at = fresh_db.responder_calls_for(first)[0]["created_at"]
    earlier = (dt.datetime.fromisoformat(queued_at) - dt.timedelta(milliseconds=1)).isoformat(timespec="milliseconds")
    fresh_db.conn.execute("UPDATE audit_log SET at = ? WHERE entity_id = ? AND action = 'status'", (earlier, second))
    assert fresh_db.queue_escalations() == [second]
    assert fresh_db.queue_escalations() == []
    plan = " ".join(row[3] for row in fresh_db.conn.execute(
        "EXPLAIN QUERY PLAN SELECT entity_id FROM audit_log WHERE action = 'status'"
        " AND json_extract(after, '$.status') = 'escalated' AND at > ?", ("",)))
    assert "audit_escalations" in plan
