"""Voice alerts to communities by SMS too, without Kannel: who is texted and who is called by
their channel, each language's words, a reply filed as an alert linked to the broadcast, and
the console's form (parts counted) and page (SMS states beside the calls', counts, refresh)."""

from __future__ import annotations

import re

import pytest

from core import directory, sms_texts
from core.directory import NumberSeal
from sms.inbound import Inbound
from sms.receiver import Receiver
from tests.fixtures.web import login, post

CSV = ("kind,name,localities,language,order,channel,number\n"
       "focal_point,Voix,1103,sw,1,voice,0970000111\n"
       "focal_point,Texte,1103,sw,1,sms,0970000222\n"
       "focal_point,Deux,1103 2101,ln,1,both,0970000333\n"
       "focal_point,Loin,2101,fr,1,sms,0970000444\n")
TEXTS = {"sw": "Tahadhari: watu wenye silaha karibu na Oicha.", "fr": "Alerte : hommes armés près d'Oicha."}


@pytest.fixture
def seeded(fresh_db, config):
    fresh_db.import_directory(directory.read_csv(CSV), NumberSeal.from_config(config).seal, "ada")
    return fresh_db


def test_focal_points_are_texted_or_called_by_their_channel(seeded):
    broadcast_id = seeded.create_broadcast("broadcasts/m.wav", ["1103"], "sam", texts=TEXTS)
    deliveries = {d["name"]: d for d in seeded.deliveries(broadcast_id)}
    assert {name: (d["state"], d["sms_state"]) for name, d in deliveries.items()} == {
        "Voix": ("waiting", None), "Texte": ("sms_only", "queued"), "Deux": ("waiting", "queued")}
    texted = {d["name"]: seeded.get_sms(d["sms_id"]) for d in deliveries.values() if d["sms_id"]}
    assert texted["Texte"]["text"] == TEXTS["sw"] and texted["Texte"]["language"] == "sw"
    assert texted["Deux"]["text"] == TEXTS["sw"]          # no Lingala words: the first written
    assert {m["kind"] for m in texted.values()} == {"broadcast"}
    assert {m["id"] for m in seeded.sms_outbox()} == {m["id"] for m in texted.values()}
    assert sorted(d["name"] for d in seeded.claim_due_deliveries(4)) == ["Deux", "Voix"]   # never the SMS-only one
    (created,) = [e for e in seeded.audit_entries("broadcast", broadcast_id) if e["action"] == "create"]
    assert created["after"]["texted"] == ["Deux", "Texte"]
    # Written only: everyone is texted, whatever their channel; nobody is called.
    written = seeded.create_broadcast("", ["2101"], "sam", texts={"fr": "Réunion demain à 9 h."})
    assert {d["name"]: (d["state"], d["sms_state"]) for d in seeded.deliveries(written)} == {
        "Deux": ("sms_only", "queued"), "Loin": ("sms_only", "queued")}
    # Recorded only: everyone is called, as before.
    recorded = seeded.create_broadcast("broadcasts/m.wav", ["2101"], "sam")
    assert {d["state"] for d in seeded.deliveries(recorded)} == {"waiting"}
    with pytest.raises(ValueError):
        seeded.create_broadcast("", ["2101"], "sam")


def test_an_sms_reply_is_an_alert_linked_to_the_broadcast(seeded, config):
    broadcast_id = seeded.create_broadcast("", ["1103"], "sam", texts=TEXTS)
    receiver = Receiver(config)
    alert = receiver.take(Inbound(sender="+243970000222", to="1234", smsc="test", coding="text",
                                  text="Watu wenye silaha wameonekana jana usiku"))
    assert seeded.broadcast_of_reply(alert["id"]) == broadcast_id
    alert = seeded.get_alert(alert["id"])
    assert alert["locality"] == "1103" and alert["source"] == "sms"
    (texte,) = [d for d in seeded.deliveries(broadcast_id) if d["name"] == "Texte"]
    assert (texte["answer"], texte["reply_alert_id"]) == ("replied", alert["id"])
    reply = [e for e in seeded.audit_entries("alert", alert["id"]) if e["action"] == "broadcast_reply"]
    assert [(e["actor"], e["after"]["broadcast_id"]) for e in reply] == [("sms", broadcast_id)]
    # A second SMS is an alert of its own, not linked again; a stranger's is not linked at all.
    again = receiver.take(Inbound(sender="0970000222", to="1234", smsc="test", coding="text", text="Bado wapo"))
    stranger = receiver.take(Inbound(sender="0970000999", to="1234", smsc="test", coding="text", text="Habari"))
    assert seeded.broadcast_of_reply(again["id"]) is None and seeded.broadcast_of_reply(stranger["id"]) is None


def test_parts():
    assert sms_texts.parts("") == 0 and sms_texts.parts("a" * 160) == 1 and sms_texts.parts("a" * 161) == 2
    assert sms_texts.parts("a" * 306) == 2 and sms_texts.parts("a" * 307) == 3
    assert sms_texts.parts("ŝ" * 70) == 1 and sms_texts.parts("ŝ" * 71) == 2 and sms_texts.parts("😀" * 35) == 1


def test_supervisor_sends_a_written_message_and_follows_its_states(client, seeded, config):
    login(client, "sam")
    form = client.get("/broadcasts").text
    assert 'name="sms_sw"' in form and 'name="sms_ln"' in form and 'data-sms-parts="parts-fr"' in form
    assert 'maxlength="459"' in form and "data-gsm=" in form
    typed = "Mkutano kesho saa tatu.\nTafadhali njooni."
    response = post(client, "/broadcasts", {"localities": "1103", "sms_sw": typed, "message": ""})
    assert response.status_code == 302, response.text
    broadcast_id = int(response.headers["Location"].rsplit("/", 1)[1])
    deliveries = {d["name"]: d for d in seeded.deliveries(broadcast_id)}
    assert {d["sms_state"] for d in deliveries.values()} == {"queued"}
    assert seeded.get_sms(deliveries["Voix"]["sms_id"])["text"] == typed
    page = client.get(f"/broadcasts/{broadcast_id}").text
    assert 'http-equiv="refresh"' in page and "1 SMS par destinataire" in page
    assert re.search(r'data-sms-state="queued">en attente 3<', page), page.split('id="delivery-counts"')[1][:400]
    assert "SMS seulement 3" in page
    seeded.sms_handed(deliveries["Voix"]["sms_id"])
    seeded.record_delivery_report(deliveries["Voix"]["sms_id"], 1, "delivered")
    seeded.sms_handed(deliveries["Texte"]["sms_id"], "failed", "smsbox refused it: 400 bad number")
    seeded.record_delivery_report(deliveries["Deux"]["sms_id"], 1, "delivered")
    page = client.get(f"/broadcasts/{broadcast_id}").text
    assert 'http-equiv="refresh"' not in page    # nothing pending: the page stops refreshing
    assert seeded.broadcast_sms_progress(broadcast_id) == (2, 2)   # Deux: reported, never handed here
    assert "remis 2" in page and "échec 1" in page and "(smsbox refused it: 400 bad number)" in page
    assert "0970000" not in page
    refused = post(client, "/broadcasts", {"localities": "1103", "message": "", "sms_fr": " "})
    assert refused.status_code == 400
    too_long = post(client, "/broadcasts", {"localities": "1103", "message": "", "sms_fr": "a" * 460})
    assert too_long.status_code == 400


def test_outgoing_limits_keep_messages_waiting(seeded, config):
    import dataclasses

    from tests.fixtures.core import free_port

    limited = dataclasses.replace(config, sms=dataclasses.replace(
        config.sms, out_per_hour=3, sender="1234", out_per_recipient_per_hour=1, sendsms_port=free_port()))
    receiver = Receiver(limited)
    first = seeded.create_broadcast("", ["1103"], "sam", texts=TEXTS)
    second = seeded.create_broadcast("", ["1103"], "sam", texts=TEXTS)
    by_name = [{d["name"]: seeded.get_sms(d["sms_id"]) for d in seeded.deliveries(b)} for b in (first, second)]
    seeded.sms_handed(by_name[0]["Voix"]["id"])
    assert receiver.hand_on(by_name[1]["Voix"]) is None                # Voix had one this hour: theirs waits
    assert receiver.hand_on(by_name[0]["Texte"]) is False               # no gateway here: it waits too, untouched
    assert seeded.get_sms(by_name[0]["Texte"]["id"])["handed_at"] is None
    seeded.sms_handed(by_name[0]["Texte"]["id"])
    seeded.sms_handed(by_name[0]["Deux"]["id"])
    assert receiver.hand_on(by_name[1]["Texte"]) is False               # three this hour: every message waits
    assert {m["id"] for m in seeded.sms_outbox()} == {m["id"] for m in by_name[1].values()}
    assert {seeded.get_sms(m["id"])["state"] for m in by_name[1].values()} == {"queued"}


def test_focal_point_hours_hold_the_sms_till_they_open(seeded, config, client, app):
    import dataclasses
    import datetime as dt

    from core import clock

    hours = clock.CallingHours.parse("07:00-20:00")
    zone = clock.zone("Africa/Lubumbashi")
    night = dt.datetime(2026, 12, 7, 22, 30, tzinfo=zone)
    assert hours.opens_at(night) == dt.datetime(2026, 12, 8, 7, 0, tzinfo=zone)
    assert hours.opens_at(night.replace(hour=5)) == dt.datetime(2026, 12, 7, 7, 0, tzinfo=zone)
    assert hours.opens_at(night.replace(hour=12)) == night.replace(hour=12)
    assert clock.CallingHours.parse("22:00-06:00").opens_at(night) == night
    # Hours that exclude now, whatever the clock says: the SMS are held, then go from the next start.
    now = dt.datetime.now(clock.zone(config.site.timezone))
    closed = f"{(now + dt.timedelta(hours=2)):%H}:00-{(now + dt.timedelta(hours=3)):%H}:00"
    app.config["SAUTI_CONFIG"] = dataclasses.replace(config, sms=dataclasses.replace(config.sms,
                                                                                     focal_point_hours=closed))
    login(client, "sam")
    response = post(client, "/broadcasts", {"localities": "1103", "sms_sw": "Mkutano kesho.", "message": ""})
    broadcast_id = int(response.headers["Location"].rsplit("/", 1)[1])
    held = [seeded.get_sms(d["sms_id"]) for d in seeded.deliveries(broadcast_id)]
    assert held and all(m["not_before"] > m["created_at"] for m in held)
    assert seeded.sms_outbox() == [] and seeded.fail_undelivered_sms(60) == 0
    assert "Hors des heures des points focaux" in client.get(f"/broadcasts/{broadcast_id}").text
    seeded.conn.execute("UPDATE sms_messages SET not_before = ?", ("2000-01-01T00:00:00+00:00",))   # the hours open
    assert {m["id"] for m in seeded.sms_outbox()} == {m["id"] for m in held}
