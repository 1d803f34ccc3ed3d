"""Voice alerts to communities without Asterisk: recipients, retries, concurrency, answers, the console page."""

from __future__ import annotations

import io

import pytest

from core import directory
from core.directory import NumberSeal
from tests.fixtures.core import wait_for
from tests.fixtures.web import login, make_alert, post, write_tone

CSV = ("kind,name,localities,language,order,number\n"
       "focal_point,Relais A,1103,sw,1,0970000111\n"
       "focal_point,Relais B,1103 2101,fr,1,0970000222\n"
       "focal_point,Relais C,2101,fr,1,0970000333\n"
       "responder,Base,1103,fr,1,0970000444\n")


@pytest.fixture
def seeded(fresh_db, config):
    fresh_db.import_directory(directory.read_csv(CSV), NumberSeal.from_config(config).seal, "ada")
    return fresh_db


def test_deliveries_retry_within_bounds_and_the_concurrency_limit(seeded):
    broadcast_id = seeded.create_broadcast("broadcasts/m.wav", ["1103"], "sam")
    assert [d["name"] for d in seeded.deliveries(broadcast_id)] == ["Relais A", "Relais B"]
    (first,) = seeded.claim_due_deliveries(1)
    assert seeded.claim_due_deliveries(1) == []               # the trunk's share is taken
    assert seeded.delivery_result(first["id"], "busy", max_attempts=2, retry_seconds=0.3) == "waiting"
    (second,) = seeded.claim_due_deliveries(1)
    assert second["id"] != first["id"]                        # the retry is not due yet
    assert seeded.delivery_result(second["id"], "answered", 2, 0) == "answered"
    seeded.delivery_heard(second["id"], True)
    seeded.delivery_answer(second["id"], "confirmed")
    (again,) = wait_for(lambda: seeded.claim_due_deliveries(4), 5, "the retry to fall due")
    assert again["id"] == first["id"] and again["attempts"] == 2
    assert seeded.delivery_result(again["id"], "busy", 2, 0) == "busy"   # bounded: given up
    assert seeded.claim_due_deliveries(4) == []
    states = {d["name"]: (d["state"], d["attempts"], d["results"], d["answer"]) for d in seeded.deliveries(broadcast_id)}
    assert states == {"Relais A": ("busy", 2, ["busy", "busy"], None),
                      "Relais B": ("listened", 1, ["answered"], "confirmed")}


def test_a_reply_is_an_alert_linked_to_the_broadcast(seeded, config):
    broadcast_id = seeded.create_broadcast("broadcasts/m.wav", ["2101"], "sam")
    (delivery, _) = seeded.claim_due_deliveries(4)
    seeded.delivery_result(delivery["id"], "answered", 2, 0)
    seeded.delivery_heard(delivery["id"], True)
    alert = make_alert(seeded, config, locality="2101")
    seeded.delivery_answer(delivery["id"], "replied", alert["id"])
    assert seeded.broadcast_of_reply(alert["id"]) == broadcast_id
    assert "broadcast_reply" in [e["action"] for e in seeded.audit_entries("alert", alert["id"])]
    message = seeded.delivery_message(delivery["id"])
    assert message["localities"] == ["2101"] and message["message_path"] == "broadcasts/m.wav"


def test_supervisor_sends_an_uploaded_message_and_follows_it(client, seeded, config, tmp_path):
    login(client, "vera")
    assert client.get("/broadcasts").status_code == 403
    post(client, "/logout")
    login(client, "sam")
    upload = io.BytesIO(write_tone(tmp_path / "m.wav", seconds=2.0))
    response = post(client, "/broadcasts", {"localities": "1103", "file": (upload, "m.wav")},
                    content_type="multipart/form-data")
    assert response.status_code == 302, response.text
    (broadcast,) = seeded.broadcasts()
    assert (config.data_dir / broadcast["message_path"]).is_file()
    page = client.get(response.location)
    assert 'http-equiv="refresh"' in page.text and "Relais A" in page.text and "Relais B" in page.text
    with client.get(f"/broadcasts/{broadcast['id']}/message.wav") as played:
        assert played.data[:4] == b"RIFF"
    assert post(client, "/broadcasts", {"localities": "9999", "message": broadcast["message_path"]}).status_code == 400
    again = post(client, "/broadcasts", {"localities": "2101", "message": broadcast["message_path"]})
    assert again.status_code == 302 and len(seeded.broadcasts()) == 2
    assert post(client, "/broadcasts", {"localities": "2101", "message": "../secrets/x"}).status_code == 400
