"""Alerts by SMS in the store and the console: filed as a call's alert is (pseudonym, queue,
audit), with the text as its transcript, the number only sealed; outgoing messages follow
their delivery reports; inbound requests with every kind of bad input get a clear outcome."""

from __future__ import annotations

import sqlite3

import pytest

from core.contacts import ContactCipher
from core.lexicon import Lexicons
from core.model import (FLAG_LANGUAGE_INFERRED, FLAG_SMS_BAD_TEXT, FLAG_SMS_BINARY, FLAG_SMS_EMPTY,
                        FLAG_SMS_INCOMPLETE, FLAG_SMS_TOO_LONG, Source)
from core import gazetteer, secrets
from sms import inbound, locality
from tests.fixtures.web import login, make_alert, post

NUMBER = "+243897650001"


def headers(coding: str = "0", charset: str = "UTF-8", udh: str = "") -> dict:
    found = {"X-Kannel-From": NUMBER, "X-Kannel-To": "1234", "X-Kannel-SMSC": "test", "X-Kannel-Coding": coding,
             "Content-Type": f'text/plain; charset="{charset}"'}
    if udh:
        found["X-Kannel-UDH"] = udh
    return found


def file(store, config, message):
    return inbound.file(store, config, ContactCipher.from_config(config), secrets.pseudonym_key(config), Lexicons(),
                        message)


def test_an_sms_is_an_alert_with_its_text_keywords_and_sealed_number(fresh_db, config):
    fresh_db.import_localities(gazetteer.starter(), actor="test")
    alert = file(fresh_db, config, inbound.parse(headers(), "Watu wenye silaha wameingia Eringeti usiku".encode()))
    assert (alert["source"], alert["language"], alert["locality"], alert["status"]) == (Source.SMS, "sw", "1103", "new")
    assert alert["priority"] > 0 and alert["keywords"][0]["category"] == "armed_movement"
    assert fresh_db.latest_transcript(alert["id"])["origin"] == "sms"
    assert fresh_db.alerts_from_pseudonym(alert["caller_pseudonym"]) == 1
    assert fresh_db.audit_entries("alert", alert["id"])[0]["action"] == "create"
    dump = "\n".join(sqlite3.connect(config.db_path).iterdump())
    assert NUMBER[-9:] not in dump
    # A second SMS in another form of the same number is the same sender.
    again = inbound.parse({**headers(), "X-Kannel-From": "0897650001"}, "Bato ya bandoki bakoti".encode())
    assert file(fresh_db, config, again)["caller_pseudonym"] == alert["caller_pseudonym"]


@pytest.mark.parametrize("hdrs, body, flags, text", [
    (headers(), b"", {FLAG_SMS_EMPTY}, ""),
    (headers(), b"   ?!... ", {FLAG_SMS_EMPTY}, "?!..."),
    (headers(coding="1", charset="ISO-8859-1"), bytes(range(256)), {FLAG_SMS_BINARY}, ""),
    (headers(coding="2", charset="UTF-16BE"), b"\xd8\x00\x00a", {FLAG_SMS_BAD_TEXT}, "\ufffda"),
    (headers(charset="UTF-8"), b"Watu \xff\xfe wenye", {FLAG_SMS_BAD_TEXT}, "Watu \ufffd\ufffd wenye"),
    (headers(), ("vita " * 2000).encode(), {FLAG_SMS_TOO_LONG}, ("vita " * 800).strip()),
    (headers(udh="0500030a0201"), b"Watu wenye silaha", {FLAG_SMS_INCOMPLETE}, "Watu wenye silaha"),
    (headers(udh="05000"), b"watu", set(), "watu"),   # a forged, short header: just text
])
def test_bad_input_gets_a_flag_never_an_exception(fresh_db, config, hdrs, body, flags, text):
    message = inbound.parse(hdrs, body)
    assert (message.flags, message.text) == (flags, text)
    alert = file(fresh_db, config, message)
    assert set(alert["flags"]) - {FLAG_LANGUAGE_INFERRED} == flags


def test_delivery_reports_move_the_state_forward_only(fresh_db, config):
    alert = file(fresh_db, config, inbound.parse(headers(), b"vita"))
    message_id = fresh_db.queue_sms(alert["id"], "receipt", "Asante")
    assert fresh_db.record_delivery_report(message_id, 1, "delivered")
    assert fresh_db.record_delivery_report(message_id, 8, "sent")         # late: kept, state unchanged
    assert fresh_db.get_sms(message_id)["state"] == "delivered"
    assert [r["state"] for r in fresh_db.delivery_reports(message_id)] == ["delivered", "sent"]
    assert not fresh_db.record_delivery_report(999, 1, "delivered")
    actions = [e["action"] for e in fresh_db.audit_entries("alert", alert["id"])]
    assert actions.count("sms_state") == 1 and "sms_receipt" in actions


def test_locality_by_code_or_by_the_longest_name(fresh_db):
    fresh_db.import_localities(gazetteer.starter(), actor="test")
    places = fresh_db.localities_by_code()
    assert locality.find("attaque 1102 ce matin", places) == "1102"
    assert locality.find("attaque a ERINGETI ce matin", places) == "1103"
    assert locality.find("tel 0812345678 rien", places) is None
    assert locality.find("", places) is None


def test_the_console_shows_an_sms_alert(client, fresh_db, config):
    alert = file(fresh_db, config, inbound.parse(headers(), "Des hommes armés à Oicha".encode()))
    login(client)
    page = client.get(f"/alerts/{alert['id']}")
    assert page.status_code == 200
    assert "Des hommes armés à Oicha" in page.text and "SMS" in page.text
    assert NUMBER[-9:] not in page.text
    assert alert["reference"] in client.get("/").text
    message_id = fresh_db.queue_sms(alert["id"], "receipt",
                                    f"Sauti : votre message est reçu. Son numéro est {alert['reference']}.")
    fresh_db.record_delivery_report(message_id, 1, "delivered")
    page = client.get(f"/alerts/{alert['id']}").text
    assert "Échanges avec l&#39;expéditeur" in page and "accusé de réception" in page and "remis" in page
    assert NUMBER[-9:] not in page


@pytest.mark.parametrize("text, expected", [
    ("STOP", "stop"), (" Acha! ", "stop"), ("Arrêt", "stop"), ("kotika", "stop"), ("stop the killing now", None),
    ("START", "start"), ("Please call me. Thank you", "call_me"), ("Tafadhali nipigie", "call_me"),
    ("Rappelle-moi svp", "call_me"), ("Benga ngai", "call_me"),
    ("watu wenye silaha wameingia kijiji usiku huu please call me haraka sana", None),   # an alert: long
    ("Watu wenye silaha", None),
])
def test_requests_are_recognised_in_every_language(config, text, expected):
    from sms import commands

    assert commands.kind(text, config) == expected


def test_past_the_hourly_limits_an_sms_is_filed_flagged(fresh_db, config):
    import dataclasses

    from core.model import FLAG_SMS_FLOOD

    tight = dataclasses.replace(config, sms=dataclasses.replace(config.sms, per_sender_per_hour=2, global_per_hour=4))
    flags = [file(fresh_db, tight, inbound.parse(headers(), f"vita {n}".encode()))["flags"] for n in range(3)]
    assert flags == [[], [], [FLAG_SMS_FLOOD]]
    other = {**headers(), "X-Kannel-From": "+243897650002"}
    flags = [file(fresh_db, tight, inbound.parse(other, f"vita {n}".encode()))["flags"] for n in range(2)]
    assert flags == [[], [FLAG_SMS_FLOOD]]   # the global limit: 4 in the hour already
    assert fresh_db.count_alerts() == 5     # none lost


def test_stop_is_kept_audited_and_undone_by_start(fresh_db):
    assert fresh_db.set_sms_stopped("C-AAAAAAAA", True) and fresh_db.sms_stopped("C-AAAAAAAA")
    assert not fresh_db.set_sms_stopped("C-AAAAAAAA", True)
    assert fresh_db.set_sms_stopped("C-AAAAAAAA", False) and not fresh_db.sms_stopped("C-AAAAAAAA")
    assert [e["action"] for e in fresh_db.audit_entries("sender", "C-AAAAAAAA")] == ["sms_start", "sms_stop"]


# -- follow-up questions and acknowledgements ------------------------------------


def ask(client, alert_id: int, text: str):
    return post(client, f"/alerts/{alert_id}/question", {"text": text})


def test_a_reply_to_a_question_threads_into_its_alert(client, fresh_db, config):
    fresh_db.import_localities(gazetteer.starter(), actor="test")
    alert = file(fresh_db, config, inbound.parse(headers(), "Watu wamekuja usiku".encode()))
    assert alert["locality"] is None
    login(client)
    page = ask(client, alert["id"], "  Kijiji gani?\nLini? ")
    assert page.status_code == 302
    question = fresh_db.open_question(alert["caller_pseudonym"], config.sms.reply_hours)
    assert question["text"] == f"Sauti {alert['reference']}: Kijiji gani? Lini? Jibu kwa SMS hii."
    assert (question["alert_id"], question["state"], question["handed_at"], question["late"]) == \
        (alert["id"], "queued", None, False)
    assert fresh_db.sms_outbox() == [fresh_db.get_sms(question["id"])]   # the SMS service hands it on
    # The reply names the village and the weapons: it joins the alert, which it rescores and places.
    reply = file(fresh_db, config, inbound.parse(headers(), "Eringeti, wana bunduki".encode()))
    assert reply.get("threaded") and reply["id"] == alert["id"]
    after = fresh_db.get_alert(alert["id"])
    assert after["locality"] == "1103" and after["priority"] > alert["priority"]
    assert fresh_db.open_question(alert["caller_pseudonym"], config.sms.reply_hours) is None
    assert fresh_db.audit_entries("alert", alert["id"])[0]["action"] == "sms_reply"   # newest first
    assert fresh_db._value("SELECT count(*) FROM alerts") == 1
    page = client.get(f"/alerts/{alert['id']}").text
    assert "Eringeti, wana bunduki" in page and "Kijiji gani? Lini?" in page and NUMBER[-9:] not in page
    # Once answered, the sender's next message is an alert of its own.
    assert not file(fresh_db, config, inbound.parse(headers(), "Watu wengine".encode())).get("threaded")
    assert fresh_db._value("SELECT count(*) FROM alerts") == 2


def test_a_late_reply_is_a_new_alert_that_follows_the_old_one(client, fresh_db, config):
    import dataclasses

    alert = file(fresh_db, config, inbound.parse(headers(), b"Watu wamekuja"))
    fresh_db.queue_sms(alert["id"], "question", "Kijiji gani?", actor="vera")
    late = dataclasses.replace(config, sms=dataclasses.replace(config.sms, reply_hours=0))
    later = file(fresh_db, late, inbound.parse(headers(), b"Oicha"))
    assert not later.get("threaded") and later["id"] != alert["id"]
    assert fresh_db.sms_messages_for(later["id"])[0]["follows_alert"] == alert["id"]
    login(client)
    page = client.get(f"/alerts/{later['id']}").text
    assert 'id="follows"' in page and alert["reference"] in page


def test_questions_are_refused_clearly(client, fresh_db, config):
    login(client)
    call_alert = make_alert(fresh_db, config)
    assert ask(client, call_alert["id"], "Wapi?").status_code == 400      # a call: no SMS to answer
    texted = file(fresh_db, config, inbound.parse(headers(), b"Watu wamekuja"))
    empty = ask(client, texted["id"], "   ")
    assert empty.status_code == 422 and "Écrivez d&#39;abord la question" in empty.text
    too_long = ask(client, texted["id"], "x" * 121)
    assert too_long.status_code == 400 and "x" * 121 in too_long.text    # shown again as typed
    fresh_db.set_sms_stopped(texted["caller_pseudonym"], True)
    assert ask(client, texted["id"], "Wapi?").status_code == 409
    assert not [m for m in fresh_db.sms_messages_for(texted["id"]) if m["kind"] == "question"]


def test_a_handled_sms_alert_is_acknowledged_once(fresh_db, config):
    from core.model import Status

    alert = file(fresh_db, config, inbound.parse(headers(), b"Watu wenye silaha"))
    verified_only = file(fresh_db, config, inbound.parse(headers(), b"Bato ya bitumba"))
    no_receipt = file(fresh_db, config, inbound.parse(headers(), b"Wanajeshi"))
    receipts = {a["id"]: fresh_db.queue_sms(a["id"], "receipt", "Asante") for a in (alert, verified_only)}
    fresh_db.set_sms_state(receipts[verified_only["id"]], "delivered")
    assert fresh_db.sms_acknowledgements_due(72) == []           # nothing handled yet
    for each in (alert, no_receipt):
        fresh_db.set_status(each["id"], Status.ESCALATED, actor="sup")
    fresh_db.set_status(verified_only["id"], Status.VERIFIED, actor="vera")   # verified, no response: not handled
    assert [a["id"] for a in fresh_db.sms_acknowledgements_due(72)] == [alert["id"]]
    fresh_db.queue_sms(alert["id"], "acknowledgement", "Imeshughulikiwa")
    assert fresh_db.sms_acknowledgements_due(72) == []
