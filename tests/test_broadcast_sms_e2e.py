"""Voice alerts to communities by SMS through the real Kannel (bearerbox + smsbox) with fakesmsc
as the operator and Sauti's SMS receiver:

- a written alert to five focal points: four delivered (the delivery reports come from fakesmsc
  through Kannel), one failed (that focal point had sent STOP), one reply filed as an alert
  linked to the broadcast;
- Kannel stopped with a broadcast waiting, then started: every message reaches the operator
  exactly once, and is delivered.

fakesmsc acknowledges every message it takes (Kannel's fake SMS centre reports delivery), so
a failure here is the line's own refusal, recorded in the message's state like the gateway's.
"""

from __future__ import annotations

import logging
from collections import Counter

import pytest

import smsgw
from core import directory
from core.directory import NumberSeal
from core.store import Store
from tests.fixtures.core import wait_for
from tests.fixtures.kannel import SHORT_CODE, line_at

pytestmark = pytest.mark.kannel

NUMBERS = [f"+24397000020{n}" for n in range(1, 6)]
LANGUAGES = ["sw", "ln", "fr", "sw", "fr"]
TEXTS = {"sw": "Sauti: watu wenye silaha karibu na Beni. Kaeni salama.",
         "ln": "Sauti: bato ya bibundeli pene na Beni. Bomibatela.",
         "fr": "Sauti : hommes armés signalés près de Beni. Restez prudents."}
STOPPED = NUMBERS[4]
REPLYING = NUMBERS[1]


@pytest.fixture
def sms_line(tmp_path):
    """(config, operator): the gateway with the line's short code as [sms] sender (what the SMS the
    line starts itself are sent from), its receiver, and fakesmsc."""
    with line_at(tmp_path, {"sms": {"sender": SHORT_CODE}}) as line:
        yield line


def seed(config) -> None:
    rows = "".join(f"focal_point,Relais {n + 1},1101,{LANGUAGES[n]},1,sms,{number}\n"
                   for n, number in enumerate(NUMBERS))
    with Store.open(config.db_path) as store:
        store.import_directory(directory.read_csv("kind,name,localities,language,order,channel,number\n" + rows),
                               NumberSeal.from_config(config).seal, "test")


def deliveries(config, broadcast_id: int) -> dict[str, dict]:
    with Store.open(config.db_path, migrate=False) as store:
        return {d["name"]: d for d in store.deliveries(broadcast_id)}


def settled(config, broadcast_id: int):
    found = deliveries(config, broadcast_id)
    return all(d["sms_state"] in ("delivered", "failed") for d in found.values()) and found


def received_by_number(operator, texts) -> Counter:
    return Counter(to for _, to, text in operator.received() if text in texts.values())


def test_a_written_alert_to_five_focal_points(sms_line):
    config, operator = sms_line
    seed(config)
    operator.send(STOPPED, "Acha")    # STOP: no SMS to this focal point any more (fakesmsc stays connected)
    with Store.open(config.db_path) as store:
        wait_for(lambda: store.sms_stopped(_pseudonym(config, STOPPED)), 20, "the STOP")
        broadcast_id = store.create_broadcast("", ["1101"], "sam", texts=TEXTS)
    found = wait_for(lambda: settled(config, broadcast_id), 30, "every SMS delivered or failed")
    states = {name: (d["state"], d["sms_state"]) for name, d in found.items()}
    assert states == {"Relais 1": ("sms_only", "delivered"), "Relais 2": ("sms_only", "delivered"),
                      "Relais 3": ("sms_only", "delivered"), "Relais 4": ("sms_only", "delivered"),
                      "Relais 5": ("sms_only", "failed")}
    assert found["Relais 5"]["sms_detail"] == "the sender sent STOP"
    got = {to: text for _, to, text in operator.received() if text in TEXTS.values()}
    assert got == {number: TEXTS[lang] for number, lang in zip(NUMBERS[:4], LANGUAGES[:4])}
    with Store.open(config.db_path, migrate=False) as store:
        for d in list(found.values())[:4]:
            assert sorted(r["state"] for r in store.delivery_reports(d["sms_id"])) == ["delivered", "sent"]
        alerts_before = store._value("SELECT count(*) FROM alerts")
    operator.send(REPLYING, "Watu wenye silaha wameonekana karibu na shule")
    replied = wait_for(lambda: (d := deliveries(config, broadcast_id)["Relais 2"])["reply_alert_id"] and d, 20,
                       "the reply")
    with Store.open(config.db_path, migrate=False) as store:
        alert = store.get_alert(replied["reply_alert_id"])
        assert store._value("SELECT count(*) FROM alerts") == alerts_before + 1
        assert store.broadcast_of_reply(alert["id"]) == broadcast_id and replied["answer"] == "replied"
        assert (alert["source"], alert["locality"]) == ("sms", "1101")
        assert "broadcast_reply" in [e["action"] for e in store.audit_entries("alert", alert["id"])]


def _pseudonym(config, number: str) -> str:
    from core import identity, secrets

    return identity.pseudonym(secrets.pseudonym_key(config), number)


def test_kannel_stopped_with_a_broadcast_waiting_then_started(sms_line, caplog):
    config, operator = sms_line
    seed(config)
    smsgw.stop(config)
    with caplog.at_level(logging.WARNING, logger="sauti.sms"), Store.open(config.db_path) as store:
        broadcast_id = store.create_broadcast("", ["1101"], "sam", texts=TEXTS)
        wait_for(lambda: "SMS gateway down" in caplog.text, 20, "the outbox to find the gateway down")
        waiting = store.deliveries(broadcast_id)
        assert {d["sms_state"] for d in waiting} == {"queued"}
        assert all(store.get_sms(d["sms_id"])["handed_at"] is None for d in waiting)   # waiting in Sauti's outbox
    smsgw.start(config)
    operator.send("+243970000299", "Habari")   # fakesmsc connects, to take what waits
    found = wait_for(lambda: settled(config, broadcast_id), 60, "every SMS delivered after the start")
    assert {d["sms_state"] for d in found.values()} == {"delivered"}
    assert received_by_number(operator, TEXTS) == Counter({number: 1 for number in NUMBERS})
