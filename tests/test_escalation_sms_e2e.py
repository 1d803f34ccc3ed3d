"""Escalation by SMS first, then by call, end to end: the real Kannel (bearerbox + smsbox)
with fakesmsc as the operator, Sauti's SMS receiver, the dialler and the session's Asterisk
with a pjsua2 responder.

- The first responder gets the SMS through the operator and confirms by replying "1 <reference>":
  the responder is reached, the calls waiting are skipped, no call is placed.
- Nobody replies: after [sms] responder_confirm_seconds the dialler calls the responder, who keys 1.

The delivery reports come from fakesmsc through Kannel; the test writes none.
"""

from __future__ import annotations

import os
from unittest import mock

import pytest

import phone
import smsgw
from core import config as core_config
from core import directory
from core.directory import NumberSeal
from core.model import Status
from core.store import Store
from tests.fixtures.asterisk import wait_for
from tests.fixtures.kannel import Operator, receiver, require_kannel, sms_settings, start_gateway
from tests.fixtures.core import require_marker
from tests.fixtures.web import make_alert
from tests.test_dialler_callbacks import dialler_beside, registered
from tests.test_responders_e2e import FAST

pytestmark = [pytest.mark.asterisk, pytest.mark.kannel]

CONFIRM_SECONDS = 40     # long enough for the reply to come first under load; the second test waits it out
TEXTED = "+243970000171"          # a responder who takes SMS only
CALLED_LATER = "test-phone-18"    # takes calls only: called only if nobody confirms
BOTH = "test-phone-17"            # SMS first, then the call (the operator sees the number as 17)


@pytest.fixture(scope="module")
def sms_line(asterisk, ivr_process, tmp_path_factory):
    """(config, operator, dialler): the gateway on the session's data directory, its receiver,
    and a dialler that knows the gateway is there."""
    require_marker("kannel", "a real Kannel")
    require_kannel()
    env = {f"SAUTI_SMS_{key.upper()}": str(value) for key, value in sms_settings()["sms"].items()}
    env["SAUTI_SMS_RESPONDER_CONFIRM_SECONDS"] = str(CONFIRM_SECONDS)
    with mock.patch.dict(os.environ, env):
        config = core_config.load(asterisk.config.data_dir)
    start_gateway(config)
    operator = Operator(config, tmp_path_factory.mktemp("operator"))
    try:
        with receiver(config), dialler_beside(asterisk, ivr_process, {**FAST, **env}) as dialler:
            yield config, operator, dialler
    finally:
        operator.stop()
        smsgw.stop(config)


def escalate(config, locality: str) -> dict:
    with Store.open(config.db_path) as store:
        alert = make_alert(store, config, locality=locality, write_audio=False, seconds=3.0)
        store.set_status(alert["id"], Status.VERIFIED, actor="vera")
        store.set_status(alert["id"], Status.ESCALATED, actor="sam")
        return alert


def history(config, alert_id: int) -> list[tuple]:
    with Store.open(config.db_path) as store:
        return [(e["action"], (e["after"] or {}).get("result") or (e["after"] or {}).get("state"))
                for e in reversed(store.audit_entries("alert", alert_id))]


def responder_sms(config, alert_id: int) -> list[dict]:
    with Store.open(config.db_path) as store:
        return store.responder_sms_for(alert_id)


def calls_of(config, alert_id: int) -> list[dict]:
    with Store.open(config.db_path) as store:
        return store.responder_calls_for(alert_id)


def count(config, sql: str) -> int:
    with Store.open(config.db_path) as store:
        return store._value(sql)


def sms_to(operator, number: str, reference: str):
    return next((m for m in operator.received() if m[1] == number and reference in m[2]), None)


def test_the_first_responder_confirms_by_sms_and_no_call_is_placed(sms_line):
    config, operator, dialler = sms_line
    with Store.open(config.db_path) as store:
        store.import_directory(directory.read_csv(
            "kind,name,localities,language,order,channel,number\n"
            f"responder,Base SMS,4031,sw,1,sms,{TEXTED}\n"
            f"responder,Base Appel,4031,fr,2,voice,{CALLED_LATER}\n"), NumberSeal.from_config(config).seal, "test")
    alerts_before = count(config, "SELECT count(*) FROM alerts")
    # The responder writes before any escalation (fakesmsc stays connected, to take what the line sends):
    # known by their number, kept, not filed as an alert.
    operator.send(TEXTED, "Habari, niko zamu leo")
    wait_for(lambda: count(config, "SELECT count(*) FROM sms_messages WHERE kind = 'responder_reply'"), 20,
             "the responder's SMS to be kept")
    alert = escalate(config, "4031")
    sender, to, text = wait_for(lambda: sms_to(operator, TEXTED, alert["reference"]), 30, "the escalation SMS")
    assert text.startswith(f"Tahadhari Sauti {alert['reference']}, ") and f"Jibu 1 {alert['reference']}" in text
    operator.send(TEXTED, f" 1  {alert['reference']}")
    wait_for(lambda: any(m["kind"] == "confirmation" for m in responder_sms(config, alert["id"])), 30,
             "the confirmation")
    calls = calls_of(config, alert["id"])
    assert [(c["name"], c["state"]) for c in calls] == [("Base Appel", "skipped")], dialler.log()[-2000:]
    steps = history(config, alert["id"])
    assert ("responder_confirmed", "sms") in steps
    assert not [s for s in steps if s[0] in ("responder_call", "responder_answered", "responders_escalated_to_call")]
    out = wait_for(lambda: (m := responder_sms(config, alert["id"])[0])["state"] == "delivered" and m, 30,
                   "the delivery report")
    assert (out["responder"], out["kind"]) == ("Base SMS", "escalation")
    assert count(config, "SELECT count(*) FROM alerts") == alerts_before + 1   # the escalated one only
    with Store.open(config.db_path) as store:
        times = store.alert_timeline(alert["id"]).times
        assert all(a["id"] != alert["id"] for a in store.unreached_escalations())
    assert times["escalated"] <= times["sms_sent"] <= times["sms_confirmed"] == times["responder_reached"]
    assert times["sms_delivered"] and "escalated_to_call" not in times


def test_nobody_replies_so_the_responder_is_called_and_keys_1(sms_line, asterisk):
    config, operator, dialler = sms_line
    with Store.open(config.db_path) as store:
        store.import_directory(directory.read_csv(
            "kind,name,localities,language,order,channel,number\n"
            f"responder,Base Deux,4032,fr,1,both,{BOTH}\n"), NumberSeal.from_config(config).seal, "test")
    answering = phone.start_answering(
        config, BOTH, wait_timeout=CONFIRM_SECONDS + 120,
        script="wait silence 60; dtmf 1; wait silence 30; dtmf 1; wait silence 30; dtmf 1; listen 10")
    try:
        wait_for(lambda: registered(asterisk, BOTH), 15, "the phone")
        operator.send("+243970000179", "Habari")   # a stranger's alert: connects fakesmsc to take the SMS
        alert = escalate(config, "4032")
        wait_for(lambda: sms_to(operator, BOTH.rsplit("-", 1)[1], alert["reference"]), 30, "the escalation SMS")
        wait_for(lambda: [c for c in calls_of(config, alert["id"]) if c["state"] == "confirmed"],
                 CONFIRM_SECONDS + 120, "the call after the wait, confirmed with 1")
        answering.result(timeout=60)
    finally:
        answering.kill()
    steps = [s for s in history(config, alert["id"]) if s[0].startswith(("responder", "sms_escalation"))]
    assert steps == [("sms_escalation", "queued"), ("responders_queued", None), ("responders_escalated_to_call", None),
                     ("responder_answered", None), ("responder_confirmed", "confirmed")], dialler.log()[-2000:]
    with Store.open(config.db_path) as store:
        times = store.alert_timeline(alert["id"]).times
    assert times["sms_sent"] <= times["escalated_to_call"] <= times["responder_reached"]
    assert "sms_confirmed" not in times
