"""Reopening a decision: a supervisor sends a verified, false or duplicate alert back to the queue,
un-merging a duplicate; its history stays and the reopening is audited."""

from __future__ import annotations

import datetime as dt

import pytest

from core import retention
from core.model import Status
from tests.fixtures.web import login, make_alert, post


def test_store_round_trip_with_unmerging(fresh_db, config):
    original, copy = make_alert(fresh_db, config), make_alert(fresh_db, config, text="watu wenye bunduki")
    fresh_db.set_tags(copy["id"], {"attack"}, actor="vera")
    fresh_db.add_note(copy["id"], "vera", "same event as the first call")
    fresh_db.add_transcript(copy["id"], "watu wenye bunduki kijijini", origin="verifier", author="vera")
    fresh_db.set_status(copy["id"], Status.DUPLICATE, actor="sam", duplicate_of=original["id"])
    assert [d["id"] for d in fresh_db.duplicates_of(original["id"])] == [copy["id"]]

    reopened = fresh_db.reopen(copy["id"], actor="sam")
    assert reopened["status"] == Status.NEW and reopened["duplicate_of"] is None
    assert fresh_db.duplicates_of(original["id"]) == [], "un-merged from its original"
    assert copy["id"] in {row["id"] for row in fresh_db.queue()}, "back in the queue"
    # History intact: tags, notes, every transcript version and the earlier decision.
    assert fresh_db.tags_for(copy["id"]) == ["attack"]
    assert [n["text"] for n in fresh_db.notes_for(copy["id"])] == ["same event as the first call"]
    assert len(fresh_db.transcripts_for(copy["id"])) == 2
    history = fresh_db.audit_entries("alert", copy["id"])
    assert history[0]["action"] == "reopen" and history[0]["actor"] == "sam"
    assert history[0]["before"] == {"status": "duplicate", "duplicate_of": original["id"]}
    assert history[0]["after"] == {"status": "new"}
    assert any(e["action"] == "status" and e["after"]["status"] == "duplicate" for e in history[1:])

    # Decided again and reopened again: each step is a new audit entry.
    for decision in (Status.VERIFIED, Status.FALSE, Status.UNVERIFIED):
        fresh_db.set_status(copy["id"], decision, actor="vera")
        assert fresh_db.reopen(copy["id"], actor="ada")["status"] == Status.NEW
    assert [e["action"] for e in fresh_db.audit_entries("alert", copy["id"])][:6] == ["reopen", "status"] * 3


@pytest.mark.parametrize("status", [Status.NEW, Status.ESCALATED])
def test_only_decided_alerts_can_be_reopened(fresh_db, config, status):
    alert = make_alert(fresh_db, config)
    if status is not Status.NEW:
        fresh_db.set_status(alert["id"], status, actor="sam")
    with pytest.raises(ValueError, match="cannot be reopened"):
        fresh_db.reopen(alert["id"], actor="sam")
    assert fresh_db.audit_entries("alert", alert["id"])[0]["action"] != "reopen"


def test_supervisor_reopens_and_unmerges_in_the_console(client, fresh_db, config):
    original, copy = make_alert(fresh_db, config), make_alert(fresh_db, config)
    login(client, "sam")
    response = post(client, f"/alerts/{copy['id']}/decision",
                    {"status": "duplicate", "duplicate_of": original["reference"]})
    assert response.status_code == 302
    assert copy["reference"] in client.get(f"/alerts/{original['id']}").text
    page = client.get(f"/alerts/{copy['id']}").text
    assert 'id="reopen-form"' in page and "Rouvrir" in page

    response = post(client, f"/alerts/{copy['id']}/reopen", {"seen_status": "duplicate"})
    assert response.status_code == 302 and response.location.endswith(f"/alerts/{copy['id']}")
    page = client.get(f"/alerts/{copy['id']}").text
    assert f"L'alerte {copy['reference']} est de retour dans la file." in page.replace("&#39;", "'")
    assert f"séparée de #{original['id']}" in page, "the history says what was undone"
    assert 'id="reopen-form"' not in page, "a new alert has nothing to reopen"
    assert fresh_db.get_alert(copy["id"])["status"] == Status.NEW
    assert f'class="ref">{copy["reference"]}<' not in client.get(f"/alerts/{original['id']}").text
    assert copy["reference"] in client.get("/").text, "back in the queue"

    # The page was open on the old decision: reopening again is refused, not repeated.
    assert post(client, f"/alerts/{copy['id']}/reopen", {"seen_status": "duplicate"}).status_code == 409
    post(client, f"/alerts/{copy['id']}/decision", {"status": "verified"})
    answer = post(client, f"/alerts/{copy['id']}/reopen", json=True)
    assert answer.status_code == 200 and answer.json["ok"] and answer.json["status"] == "new"


def test_verifiers_cannot_reopen(client, fresh_db, config):
    alert = make_alert(fresh_db, config)
    fresh_db.set_status(alert["id"], Status.VERIFIED, actor="vera")
    login(client, "vera")
    assert 'id="reopen-form"' not in client.get(f"/alerts/{alert['id']}").text
    assert post(client, f"/alerts/{alert['id']}/reopen").status_code == 403
    assert fresh_db.get_alert(alert["id"])["status"] == Status.VERIFIED


def test_a_purged_alert_cannot_be_reopened(client, fresh_db, config):
    alert = make_alert(fresh_db, config)
    fresh_db.set_status(alert["id"], Status.FALSE, actor="sam")
    retention.purge(config, fresh_db, days=1, now=dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=2))
    login(client, "sam")
    assert 'id="reopen-form"' not in client.get(f"/alerts/{alert['id']}").text
    assert post(client, f"/alerts/{alert['id']}/reopen").status_code == 409
    assert fresh_db.get_alert(alert["id"])["status"] == Status.FALSE
