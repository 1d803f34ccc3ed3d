"""Escalation by SMS first, then by call, in the store and the SMS receiver (without Kannel):
the responders who take SMS are texted in their language, a reply of 1 confirms, the calls
wait for it and are skipped once it comes; other SMS from a responder are kept, not filed."""

from __future__ import annotations

import datetime as dt

import pytest

from core import clock, directory, identity, secrets, sms_texts
from core.directory import NumberSeal
from core.store._time import utc_after
from sms import commands
from sms.inbound import Inbound
from sms.receiver import Receiver
from tests.fixtures.web import make_alert

CSV = ("kind,name,localities,language,order,channel,number\n"
       "responder,Texted,1103,sw,1,sms,+243970000111\n"
       "responder,Both,1103,ln,2,both,0970000222\n"
       "responder,Called,1103,fr,3,voice,0970000333\n"
       "focal_point,Relais,1103,sw,1,both,0970000444\n")


@pytest.fixture
def seal(config):
    return NumberSeal.from_config(config)


@pytest.fixture
def texting(config):
    return sms_texts.EscalationTexts(sms_texts.load_texts(), "fr", config.site.timezone, 120)


def escalated(store, config, locality="1103"):
    alert = make_alert(store, config, locality=locality)
    store.set_status(alert["id"], "verified", "vera")
    store.set_status(alert["id"], "escalated", "sam")
    return store.get_alert(alert["id"])


def test_the_escalation_text_in_each_language(texting, config):
    received = "2026-12-07T21:05:00+00:00"
    local = clock.local(received, config.site.timezone).strftime("%d/%m %H:%M")
    fr = texting.text(reference="4821073", category="attack", locality="Oicha", received_at=received, language="fr")
    assert fr == f"Alerte Sauti 4821073, Attaque ou meurtre, Oicha, {local}. Répondez 1 4821073 pour confirmer."
    sw = texting.text(reference="4821073", category="abduction", locality="Oicha", received_at=received,
                      language="sw")
    assert sw.startswith("Tahadhari Sauti 4821073, ") and "Jibu 1 4821073" in sw
    unknown = texting.text(reference="1", category="nonsense", locality="X", received_at=received, language="de")
    assert unknown.startswith("Alerte Sauti 1, Autre événement, X")


def test_confirmation_replies():
    for text in ("1", " 1 ", "1 4821073", "1-4821073", "1\n4821073", " 1   4821073 "):
        assert commands.confirmation(text)[0], text
    assert commands.confirmation("1 4821073") == (True, "4821073") and commands.confirmation("1") == (True, None)
    for text in ("", "ok", "2", "Ndiyo", "1 abc", "nitakuja 1"):
        assert commands.confirmation(text) == (False, None), text


def test_sms_first_then_calls_after_the_wait(fresh_db, config, seal, texting):
    fresh_db.import_directory(directory.read_csv(CSV), seal.seal, "ada")
    alert = escalated(fresh_db, config)
    assert fresh_db.queue_escalations(texting) == [alert["id"]]
    texts = fresh_db.responder_sms_for(alert["id"])
    assert [(m["responder"], m["kind"], m["state"], m["language"]) for m in texts] == [
        ("Texted", "escalation", "queued", "sw"), ("Both", "escalation", "queued", "ln")]
    assert all(alert["reference"] in m["text"] for m in texts)
    assert {m["id"] for m in fresh_db.sms_outbox()} == {m["id"] for m in texts}
    calls = fresh_db.responder_calls_for(alert["id"])
    assert [(c["name"], c["state"]) for c in calls] == [("Both", "waiting"), ("Called", "waiting")]
    assert fresh_db.claim_responder_calls() == []          # the calls wait for a reply
    fresh_db.conn.execute("UPDATE responder_calls SET call_after = ?", (utc_after(-1),))
    (first,) = fresh_db.claim_responder_calls()
    assert first["name"] == "Both" and seal.open(*first["sealed"]) == "0970000222"
    history = [e["action"] for e in fresh_db.audit_entries("alert", alert["id"])]
    assert history.count("sms_escalation") == 2 and "responders_escalated_to_call" in history
    queued = next(e for e in fresh_db.audit_entries("alert", alert["id"]) if e["action"] == "responders_queued")
    assert queued["after"]["texted"] == ["Texted", "Both"] and queued["after"]["responders"] == ["Both", "Called"]


def test_without_sms_every_responder_is_called_at_once(fresh_db, config, seal):
    fresh_db.import_directory(directory.read_csv(CSV), seal.seal, "ada")
    alert = escalated(fresh_db, config)
    fresh_db.queue_escalations()
    assert fresh_db.responder_sms_for(alert["id"]) == []
    assert [c["name"] for c in fresh_db.responder_calls_for(alert["id"])] == ["Texted", "Both", "Called"]
    assert fresh_db.claim_responder_calls()[0]["name"] == "Texted"


def receiver_file(receiver, sender: str, text: str) -> dict:
    return receiver.take(Inbound(sender=sender, to="1234", smsc="test", text=text, coding="text"))


def test_a_reply_of_one_confirms_and_the_calls_are_skipped(fresh_db, config, seal, texting):
    receiver = Receiver(config)
    store = receiver.store()
    store.import_directory(directory.read_csv(CSV), seal.seal, "ada")
    alert = escalated(store, config)
    other = escalated(store, config)
    store.queue_escalations(texting)
    alerts_before = store._value("SELECT count(*) FROM alerts")
    # Not a confirmation: kept on the responder's latest escalation, no alert filed.
    assert receiver_file(receiver, "0970000111", "Niko njiani, nani ameandika?") == {}
    # "1" and the first alert's reference, as the responder's phone may format it.
    assert receiver_file(receiver, "+243 970 000 111", f" 1  {alert['reference']} ") == {}
    assert store._value("SELECT count(*) FROM alerts") == alerts_before
    assert [c["state"] for c in store.responder_calls_for(alert["id"])] == ["skipped", "skipped"]
    assert [c["state"] for c in store.responder_calls_for(other["id"])] == ["waiting", "waiting"]
    assert [(m["kind"], m["direction"]) for m in store.responder_sms_for(other["id"])] == [
        ("escalation", "out"), ("escalation", "out"), ("responder_reply", "in")]
    (confirmation,) = [m for m in store.responder_sms_for(alert["id"]) if m["direction"] == "in"]
    assert (confirmation["kind"], confirmation["responder"]) == ("confirmation", "Texted")
    assert store.alert_timeline(alert["id"]).times.get("responder_reached")
    assert store.claim_responder_calls() == []
    confirmed = [e for e in store.audit_entries("alert", alert["id"]) if e["action"] == "responder_confirmed"]
    assert [(e["actor"], e["after"]["responder"], e["after"]["result"]) for e in confirmed] == [
        ("sms", "Texted", "sms")]
    # "1" alone confirms the responder's latest escalation still open; a wrong reference does not.
    assert receiver_file(receiver, "0970000222", "1 9999990") == {}
    assert store.responder_calls_for(other["id"])[0]["state"] == "waiting"
    receiver_file(receiver, "0970000222", "1")
    assert [c["state"] for c in store.responder_calls_for(other["id"])] == ["skipped", "skipped"]
    assert store.unreached_escalations() == []
    # A focal point's SMS, or a stranger's, is still an alert.
    assert receiver_file(receiver, "0970000444", "Watu wenye silaha wameingia kijiji 1103")["id"]
    assert store._value("SELECT count(*) FROM alerts") == alerts_before + 1
    # The directory's pseudonyms are those a call or an SMS from the number gets.
    key = secrets.pseudonym_key(config)
    (texted,) = [e for e in store.directory() if e.name == "Texted"]
    assert store.directory_entry_by_pseudonym(identity.pseudonym(key, "0970000111")) == texted


def test_a_changed_number_is_pseudonymised_again(fresh_db, config, seal):
    receiver = Receiver(config)
    store = receiver.store()
    store.import_directory(directory.read_csv(CSV), seal.seal, "ada")
    key = secrets.pseudonym_key(config)
    assert receiver.directory_entry_of("0970000111", "responder").name == "Texted"
    store.import_directory(directory.read_csv(CSV.replace("+243970000111", "0970000999")), seal.seal, "ada")
    assert receiver.directory_entry_of("0970000111", "responder") is None
    assert receiver.directory_entry_of("0970000999", "responder").name == "Texted"
    assert store.directory_entry_by_pseudonym(identity.pseudonym(key, "0970000999")).name == "Texted"


def test_the_steps_on_the_alert_page_and_in_the_report(fresh_db, config, seal, texting, client):
    from core import response_times
    from tests.fixtures.web import login

    fresh_db.import_directory(directory.read_csv(CSV), seal.seal, "ada")
    alert = escalated(fresh_db, config)
    fresh_db.queue_escalations(texting)
    texted, both = fresh_db.responder_sms_for(alert["id"])
    fresh_db.sms_handed(texted["id"])
    fresh_db.sms_handed(both["id"], "failed", "smsbox refused it")
    fresh_db.record_delivery_report(texted["id"], 8, "sent")
    fresh_db.record_delivery_report(texted["id"], 1, "delivered")
    (entry,) = [e for e in fresh_db.directory() if e.name == "Texted"]
    fresh_db.take_responder_sms(entry, "1", None, True)
    times = fresh_db.alert_timeline(alert["id"]).times
    assert times["escalated"] <= times["sms_sent"] <= times["sms_delivered"] <= times["sms_confirmed"]
    assert times["responder_reached"] == times["sms_confirmed"] and "escalated_to_call" not in times
    figures = response_times.figures(fresh_db.alert_timelines(), "locality", config.site.timezone)
    assert {f.interval for f in figures} >= {"to_sms_sent", "to_sms_delivered", "to_sms_confirmed", "to_reach"}
    assert "locality,1103,to_sms_confirmed,1," in response_times.write_csv(figures)
    login(client, "sam")
    page = client.get(f"/alerts/{alert['id']}").text
    response = page.split('id="response"')[1].split("</section>")[0]
    for words in ("SMS envoyé aux intervenants", "SMS remis", "Confirmé par SMS", "SMS aux intervenants",
                  "Texted: alerte par SMS", "remis", "Both: alerte par SMS", "échec", "confirmation par SMS"):
        assert words in response, words
    assert "0970000" not in page
    history = page.split('class="history"')[1]
    assert "alerte envoyée par SMS à un intervenant" in history and "confirmé par SMS" in history
    csv = client.get("/reports/response-times.csv").text
    assert ",to_sms_delivered,1," in csv


def test_an_sms_not_delivered_in_time_fails_and_the_calls_begin(fresh_db, config, seal, texting):
    fresh_db.import_directory(directory.read_csv(CSV), seal.seal, "ada")
    alert = escalated(fresh_db, config)
    fresh_db.queue_escalations(texting)
    texted, both = fresh_db.responder_sms_for(alert["id"])
    fresh_db.sms_handed(texted["id"])
    fresh_db.record_delivery_report(texted["id"], 8, "sent")
    assert fresh_db.fail_undelivered_sms(60) == 0 and fresh_db.claim_responder_calls() == []
    fresh_db.conn.execute("UPDATE sms_messages SET created_at = ? WHERE kind = 'escalation'", (utc_after(-3601),))
    assert fresh_db.fail_undelivered_sms(60) == 2
    texted, both = fresh_db.responder_sms_for(alert["id"])
    assert (texted["state"], texted["detail"]) == ("failed", "not delivered within 60 minutes")
    assert both["state"] == "failed" and both["handed_at"]          # never handed on after
    assert fresh_db.sms_outbox() == []
    (first,) = fresh_db.claim_responder_calls()                      # the call path takes over at once
    assert first["name"] == "Both"
    assert "sms_state" in [e["action"] for e in fresh_db.audit_entries("alert", alert["id"])]


def test_responders_who_take_sms_only_and_never_reply_are_unreached(fresh_db, config, seal, texting):
    fresh_db.import_directory(directory.read_csv(
        "kind,name,localities,language,order,channel,number\n"
        "responder,Seul,2101,fr,1,sms,0970000555\n"), seal.seal, "ada")
    alert = escalated(fresh_db, config, locality="2101")
    replied = escalated(fresh_db, config, locality="2101")
    fresh_db.queue_escalations(texting)
    assert fresh_db.claim_responder_calls() == [] and fresh_db.unreached_escalations() == []   # still waiting
    (seul,) = fresh_db.directory("responder")
    fresh_db.take_responder_sms(seul, "1", replied["reference"], True)
    fresh_db.conn.execute("UPDATE responder_calls SET call_after = ?", (utc_after(-1),))
    assert fresh_db.claim_responder_calls() == []                                           # nobody to call
    assert [a["id"] for a in fresh_db.unreached_escalations()] == [alert["id"]]
    assert [c["state"] for c in fresh_db.responder_calls_for(alert["id"])] == ["no_sms_confirmation"]
    assert [c["state"] for c in fresh_db.responder_calls_for(replied["id"])] == ["skipped"]
    unreached = [e for e in fresh_db.audit_entries("alert", alert["id"]) if e["action"] == "responders_unreached"]
    assert [e["after"]["reason"] for e in unreached] == ["no_sms_confirmation"]
