"""Alerts by SMS through the real Kannel (bearerbox + smsbox) with fakesmsc as the operator:
each message is filed as an alert with its text, language, locality and priority, under the
pseudonym a call from that number gets; the receipt reaches the operator with the reference,
and its delivery reports are recorded."""

from __future__ import annotations

import sqlite3
import stat

import pytest

import smsgw

from core import identity, secrets, sms_texts
from core.contacts import ContactCipher
from core.model import Source
from core.store import Store
from tests.fixtures.core import wait_for
from tests.fixtures.kannel import SHORT_CODE
from tests.fixtures.privacy import numbers_in_clear, private

# (number as the operator sends it, text, language, locality, categories the lexicon finds)
MESSAGES = [
    ("+243812340001", "Watu wenye silaha wameingia kijiji 1101 usiku, wameteka watoto", "sw", "1101",
     {"armed_movement", "abduction"}),
    ("0812340002", "Bato ya bitumba bakoti na mboka Oicha lelo, babomi bato mibale", "ln", "1102",
     {"attack", "armed_movement"}),
    ("243812340003", "Des hommes armés ont attaqué le village 1103 cette nuit, maisons brûlées", "fr", "1103",
     {"armed_movement", "attack", "burning_looting"}),
]


RECEIPTS = sms_texts.load_texts()[sms_texts.RECEIPT]


def alerts(config) -> list[dict]:
    with Store.open(config.db_path, migrate=False) as store:
        return [store.get_alert(row["id"]) for row in store._rows("SELECT id FROM alerts ORDER BY id")]


def receipt_for(operator, reference: str) -> tuple | None:
    return next((message for message in operator.received() if reference in message[2]), None)


@pytest.mark.kannel
def test_sms_in_three_languages_become_scored_alerts_with_receipts(sms_line):
    config, operator = sms_line
    key = secrets.pseudonym_key(config)
    for number, text, language, locality, categories in MESSAGES:
        before = len(alerts(config))
        operator.send(number, text)
        alert = wait_for(lambda: (found := alerts(config)) and len(found) > before and found[-1], 20, "the alert")
        assert (alert["source"], alert["language"], alert["locality"]) == (Source.SMS, language, locality)
        assert not alert["language_inferred"] and alert["transcript_state"] == "done"
        assert {k["category"] for k in alert["keywords"]} >= categories and alert["priority"] > 0
        with Store.open(config.db_path, migrate=False) as store:
            transcript = store.latest_transcript(alert["id"])
            assert (transcript["text"], transcript["origin"], transcript["language"]) == (text, "sms", language)
            # The pseudonym a call from this number gets, whatever form the number came in.
            pseudonym = identity.pseudonym(key, "+243" + number[-9:])
            assert alert["caller_pseudonym"] == pseudonym
            sealed = store.sms_contact(pseudonym)
            assert ContactCipher.from_config(config).open(sealed, pseudonym) == "+243" + number[-9:]
        sender, recipient, receipt = wait_for(lambda: receipt_for(operator, alert["reference"]), 20, "the receipt")
        assert (sender, recipient) == (SHORT_CODE, "+243" + number[-9:])
        assert receipt == RECEIPTS[language].format(reference=alert["reference"])

        def delivered():
            with Store.open(config.db_path, migrate=False) as store:
                out = [m for m in store.sms_messages_for(alert["id"]) if m["direction"] == "out"]
                reports = store.delivery_reports(out[0]["id"]) if out else []
                return out and out[0]["state"] == "delivered" and len(reports) == 2 and (out[0], reports)
        message, reports = wait_for(delivered, 20, "the receipt's delivery report")
        assert message["kind"] == "receipt" and alert["reference"] in message["text"]
        assert sorted(r["state"] for r in reports) == ["delivered", "sent"]   # in whichever order smsbox sent them
    # Nothing in the database holds a number in clear.
    dump = "\n".join(sqlite3.connect(config.db_path).iterdump())
    for number, *_ in MESSAGES:
        assert number[-9:] not in dump
    no_number_on_disk_but_a_moment_in_kannels_store(config)


def no_number_on_disk_but_a_moment_in_kannels_store(config) -> None:
    """The numbers-on-disk search (tests/fixtures/privacy.py) over the data directory, Kannel's
    configuration, logs and store included: a number may sit only in Kannel's private store
    folder (a spool, one file a message), and only until that message is done."""
    numbers = {f"sms-{i}": number for i, (number, *_) in enumerate(MESSAGES)}
    store_dir = smsgw.paths(config).store

    def clean():
        found = numbers_in_clear(config, [], numbers)
        assert all(store_dir in path.parents for _, path in found), found
        return not found
    wait_for(clean, 10, "Kannel's store to hold no number")
    assert {path.name for path in smsgw.paths(config).log.iterdir()} >= {"bearerbox.log", "smsbox.log"}
    assert not private(sms_modes(config)), private(sms_modes(config))


def sms_modes(config) -> dict[str, int]:
    p = smsgw.paths(config)
    found = {}
    for path in [p.base, *p.base.rglob("*")]:
        found[str(path)] = stat.S_IMODE(path.stat().st_mode)
    return found


@pytest.mark.kannel
def test_a_request_without_the_secret_changes_nothing(sms_line):
    import urllib.error
    import urllib.request

    config, _ = sms_line
    url = f"http://127.0.0.1:{config.sms.receiver_port}/kannel/inbound?secret=wrong"
    request = urllib.request.Request(url, data=b"Watu wenye silaha", headers={"X-Kannel-From": "+243812340009"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=5)
    refused.value.close()
    assert refused.value.code == 403
    assert alerts(config) == []


def udh(reference: int, parts: int, number: int) -> str:
    """A concatenation header (IE 0, 8-bit reference), URL-encoded as fakesmsc takes it."""
    return "".join(f"%{b:02X}" for b in (5, 0, 3, reference, parts, number))


def ucs2(text: str) -> str:
    return "".join(f"%{b:02X}" for b in text.encode("utf-16-be"))


def last_alert_after(config, count: int) -> dict:
    return wait_for(lambda: (found := alerts(config)) and len(found) > count and found[-1], 30, "the alert")


@pytest.mark.kannel
def test_long_ucs2_and_part_lost_messages(sms_line):
    config, operator = sms_line
    # A long SMS in two parts (bearerbox puts them together): one alert with the whole text.
    first, second = "Watu wenye silaha wameingia kijiji cha Mbau usiku wa manane, ", "wameteka watoto watatu na wanawake."
    operator.send("+243812340011", first, kind=f"udh-text {udh(7, 2, 1)}")
    operator.send("+243812340011", second, kind=f"udh-text {udh(7, 2, 2)}")
    alert = last_alert_after(config, 0)
    with Store.open(config.db_path, migrate=False) as store:
        assert store.latest_transcript(alert["id"])["text"] == first + second
    assert alert["locality"] == "1104" and not alert["flags"]
    assert {"armed_movement", "abduction"} <= {k["category"] for k in alert["keywords"]}
    # UCS-2: accents and an emoji come through as written.
    text = "Des hommes armés ont brûlé l'école à Oïcha 😢"
    operator.send("+243812340012", ucs2(text), kind="ucs2")
    alert = last_alert_after(config, 1)
    with Store.open(config.db_path, migrate=False) as store:
        assert store.latest_transcript(alert["id"])["text"] == text
    assert (alert["language"], alert["locality"]) == ("fr", "1102")
    # Parts 1 and 3 of 3: bearerbox gives up on part 2 after its wait and hands on the two;
    # they are one alert, flagged, with the gap marked.
    operator.send("+243812340013", "Bato ya bandoki bakoti na mboka ", kind=f"udh-text {udh(9, 3, 1)}")
    operator.send("+243812340013", "babomi bato mibale lelo", kind=f"udh-text {udh(9, 3, 3)}")
    alert = last_alert_after(config, 2)
    with Store.open(config.db_path, migrate=False) as store:
        assert store.latest_transcript(alert["id"])["text"] == "Bato ya bandoki bakoti na mboka […] babomi bato mibale lelo"
    assert alert["flags"] == ["sms_incomplete"] and alert["language"] == "ln"
    wait_for(lambda: receipt_for(operator, alert["reference"]), 20, "the receipt of the incomplete message")
    assert len(alerts(config)) == 3


@pytest.mark.kannel
def test_stop_withholds_receipts_and_please_call_me_queues_a_call_back(sms_line):
    config, operator = sms_line
    key = secrets.pseudonym_key(config)
    stopper, beeper = "+243812340021", "0812340022"
    operator.send(stopper, "Acha")
    stopped = identity.pseudonym(key, stopper)

    def audited(action):
        with Store.open(config.db_path, migrate=False) as store:
            return [e for e in store.audit_entries("sender", stopped) if e["action"] == action]
    wait_for(lambda: audited("sms_stop"), 20, "the STOP")
    operator.send(stopper, "Watu wenye silaha wameingia Beni")
    alert = last_alert_after(config, 0)
    operator.send("+243812340023", "Bato ya bandoki na Beni")   # another sender's receipt comes...
    other = last_alert_after(config, 1)
    wait_for(lambda: receipt_for(operator, other["reference"]), 20, "the other sender's receipt")
    assert receipt_for(operator, alert["reference"]) is None   # ...the stopped sender's never does
    with Store.open(config.db_path, migrate=False) as store:
        assert [m["direction"] for m in store.sms_messages_for(alert["id"])] == ["in"]
    # "Please call me": a call-back queued for that number, as a beep on 300 queues one; no alert.
    operator.send(beeper, "Please call me. Thank you")
    pseudonym = identity.pseudonym(key, beeper)

    def queued():
        with Store.open(config.db_path, migrate=False) as store:
            return store.callbacks_for_caller(pseudonym)
    callback = wait_for(queued, 20, "the call-back")[0]
    assert callback["state"] == "queued" and callback["kind"] == "callback"
    with Store.open(config.db_path, migrate=False) as store:
        sealed = store._rows("SELECT sealed FROM contacts WHERE id = ?", [callback["contact_id"]])[0]["sealed"]
    assert ContactCipher.from_config(config).open(sealed, pseudonym) == "+243812340022"
    assert len(alerts(config)) == 2


@pytest.mark.kannel
def test_kannel_restarted_with_messages_waiting_loses_and_repeats_none(kannel, tmp_path):
    """The receiver down, three SMS wait in Kannel; Kannel is stopped and started again; once the
    receiver is up, each is filed exactly once."""
    from tests.fixtures.kannel import receiver

    config, operator = kannel
    Store.open(config.db_path).close()
    texts = [f"Watu wenye silaha wameingia kijiji {code}" for code in ("1101", "1102", "1103")]
    for n, text in enumerate(texts):
        operator.send(f"+24381234003{n}", text)
    wait_for(lambda: smsgw.status(config).running, 10, "the gateway")
    operator.stop()
    smsgw.stop(config)
    smsgw.start(config)
    with receiver(config):
        wait_for(lambda: len(alerts(config)) >= 3, 60, "the three alerts")
        with Store.open(config.db_path, migrate=False) as store:
            filed = sorted(store.latest_transcript(a["id"])["text"] for a in alerts(config))
        assert filed == sorted(texts)

        def receipts_handed_over():
            with Store.open(config.db_path, migrate=False) as store:
                return store._value("SELECT count(*) FROM sms_messages WHERE direction = 'out'") == 3
        # By the time smsbox took the three receipts (they wait for the operator), no message came twice.
        wait_for(receipts_handed_over, 20, "the three receipts handed to smsbox")
        assert len(alerts(config)) == 3


@pytest.mark.kannel
def test_a_question_its_reply_and_the_acknowledgement_go_through_the_gateway(sms_line):
    """A verifier's question reaches the sender through smsbox and the operator; the reply
    threads into the same alert; once the alert is escalated the sender is told, once."""
    from core.model import Status

    config, operator = sms_line
    number = "+243812340041"
    operator.send(number, "Watu wenye silaha wamekuja usiku")
    alert = last_alert_after(config, 0)
    wait_for(lambda: receipt_for(operator, alert["reference"]), 20, "the receipt")
    texts = sms_texts.load_texts()
    question = sms_texts.words(texts, sms_texts.QUESTION, "sw", "fr", reference=alert["reference"],
                               question="Kijiji gani?")
    with Store.open(config.db_path, migrate=False) as store:   # as the console's question form queues it
        question_id = store.queue_sms(alert["id"], "question", question, actor="vera")
    sent = wait_for(lambda: next((m for m in operator.received() if m[2] == question), None), 20, "the question")
    assert sent[:2] == (SHORT_CODE, number)

    def state_of(message_id):
        with Store.open(config.db_path, migrate=False) as store:
            return store.get_sms(message_id)["state"]
    wait_for(lambda: state_of(question_id) == "delivered", 20, "the question's delivery report")
    operator.send(number, "Eringeti, wana bunduki")

    def reply():
        with Store.open(config.db_path, migrate=False) as store:
            return next((m for m in store.sms_messages_for(alert["id"]) if m["kind"] == "reply"), None)
    assert wait_for(reply, 20, "the reply in the alert's thread")["in_reply_to"] == question_id
    assert len(alerts(config)) == 1 and alerts(config)[0]["locality"] == "1103"
    with Store.open(config.db_path, migrate=False) as store:
        store.set_status(alert["id"], Status.ESCALATED, actor="sup")
    acknowledgement = sms_texts.words(texts, sms_texts.ACKNOWLEDGEMENT, "sw", "fr", reference=alert["reference"])
    wait_for(lambda: any(m[2] == acknowledgement for m in operator.received()), 30, "the acknowledgement")

    def acknowledgements():
        with Store.open(config.db_path, migrate=False) as store:
            return [m for m in store.sms_messages_for(alert["id"]) if m["kind"] == "acknowledgement"]
    wait_for(lambda: acknowledgements()[0]["state"] == "delivered", 20, "the acknowledgement's delivery report")
    assert len(acknowledgements()) == 1
    assert [m[2] for m in operator.received()].count(acknowledgement) == 1


@pytest.mark.kannel
def test_a_flood_through_the_gateway_is_filed_whole_and_past_the_limits_gets_no_receipt(tmp_path):
    """Eight SMS from one sender as fast as fakesmsc sends them, then two from another, with
    3 per sender and 5 in all allowed in the hour: all ten are alerts, only the first three
    get receipts, the rest are flagged as a flood."""
    from core.model import FLAG_SMS_FLOOD
    from tests.fixtures.kannel import Operator, gateway, receiver

    with gateway(tmp_path / "data", {"sms": {"per_sender_per_hour": 3, "global_per_hour": 5}}) as config:
        Store.open(config.db_path).close()   # migrated first, as `sauti sms receive` does
        operator = Operator(config, tmp_path)
        try:
            with receiver(config):
                operator.send("+243812340041", "Watu wenye silaha wameingia Beni", count=8, interval=0.05)
                wait_for(lambda: len(alerts(config)) == 8, 60, "the eight alerts of the flood")
                operator.send("+243812340042", "Bato ya bandoki na Beni", count=2, interval=0.05)
                filed = wait_for(lambda: (found := alerts(config)) and len(found) == 10 and found, 30, "all ten")
                receipts = wait_for(lambda: len(found := [m for m in operator.received() if "Beni" not in m[2]])
                                    >= 3 and found, 30, "the three receipts")
        finally:
            operator.stop()
        flagged = [FLAG_SMS_FLOOD in alert["flags"] for alert in filed]
        assert flagged == [False] * 3 + [True] * 7, flagged
        with Store.open(config.db_path, migrate=False) as store:
            sent = store._rows("SELECT alert_id, kind FROM sms_messages WHERE direction = 'out'")
        assert sorted(row["alert_id"] for row in sent) == [alert["id"] for alert in filed[:3]]
        assert {row["kind"] for row in sent} == {"receipt"}
        assert sorted(text for *_, text in receipts) == sorted(
            RECEIPTS["sw"].format(reference=alert["reference"]) for alert in filed[:3])
