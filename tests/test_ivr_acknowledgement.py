"""The call-back and acknowledgement flows of the IVR against a scripted fake AGI session."""

from __future__ import annotations

import pytest

from core.dialplan import VAR_CALLBACK, VAR_SOURCE
from core.model import Status
from ivr.flows.acknowledgement import acknowledgement
from ivr.flows.alert import alert
from ivr.flows.beep import beep
from ivr.flows.callback import callback
from tests.test_ivr_flows import speechlike


def alert_call(run_flow, consent: str):
    return run_flow(alert, keys={"fr/language_menu": ["3"], "fr/callback_consent": [consent]},
                    recordings=[speechlike(4.0)], variables={VAR_SOURCE: "phone"})


def test_one_key_at_the_end_of_the_alert_asks_for_an_acknowledgement(run_flow, line):
    call, error = alert_call(run_flow, "1")
    assert error is None
    said = call.prompts_in("fr")
    assert said[-2:] == ["callback_consent", "goodbye"], "offered last, after the reference"
    alert_row = line.db.run(lambda s: s.get_alert(1))
    (ack,) = line.db.run(lambda s: s.callbacks_for_alert(alert_row["id"]))
    assert ack["kind"] == "acknowledgement" and ack["state"] == "waiting"
    sealed = line.db.run(lambda s: s.conn.execute("SELECT sealed FROM contacts").fetchone()[0])
    assert line.contacts.open(sealed, ack["caller_pseudonym"]) == "+243812345678"


def test_declining_leaves_no_number(run_flow, line):
    alert_call(run_flow, "2")
    assert line.db.run(lambda s: s.contact_count()) == 0
    assert line.db.run(lambda s: s.callbacks_for_alert(1)) == []


def escalate(store, alert_id):
    store.set_status(alert_id, Status.ESCALATED, actor="sam")


def verify_and_respond(store, alert_id):
    store.set_status(alert_id, Status.VERIFIED, actor="vera")
    assert store.release_acknowledgements() == 0, "verified, and nobody acted on it yet"
    store.record_response(alert_id, "patrouille envoyée", "ongoing", None, "sam")


@pytest.mark.parametrize("handle", [escalate, verify_and_respond])
def test_the_acknowledgement_call_reads_the_reference_in_the_alert_language(run_flow, line, handle):
    """Handled: escalated, or verified with a response recorded (core/store/callbacks.py)."""
    alert_call(run_flow, "1")
    alert_row = line.db.run(lambda s: s.get_alert(1))
    line.db.run(lambda s: handle(s, alert_row["id"]))
    assert line.db.run(lambda s: s.release_acknowledgements()) == 1
    (ack,) = line.db.run(lambda s: s.claim_due_callbacks(10))
    call, error = run_flow(acknowledgement, variables={VAR_CALLBACK: str(ack["id"])})
    assert error is None
    assert call.prompts_in("fr") == ["acknowledgement", *[f"digit_{d}" for d in alert_row["reference"]], "goodbye"]
    history = [e["action"] for e in line.db.run(lambda s: s.audit_entries("alert", alert_row["id"]))]
    assert "acknowledgement_delivered" in history


def test_a_call_back_greets_the_caller_in_the_language_of_their_last_alert(run_flow, line):
    alert_call(run_flow, "2")  # a French alert from +243812345678
    run_flow(beep)
    line.db.run(lambda s: s.conn.execute("UPDATE callbacks SET next_at = ''"))  # due now
    (due,) = line.db.run(lambda s: s.claim_due_callbacks(1))
    call, error = run_flow(callback, env={"agi_channel": "PJSIP/test-phone-1-00000009", "agi_uniqueid": "17.9",
                                          "agi_callerid": "100"},
                           keys={"ln/language_menu": ["2"]}, recordings=[speechlike(3.0)],
                           variables={VAR_SOURCE: "callback", VAR_CALLBACK: str(due["id"])})
    assert error is None
    assert call.played[0] == ("fr", "callback_hello")
    second = line.db.run(lambda s: s.get_alert(2))
    assert second["source"] == "callback" and second["caller_pseudonym"] == due["caller_pseudonym"]


def test_a_caller_may_take_the_acknowledgement_by_sms(run_flow, line, config, fresh_db):
    from sms.receiver import Receiver

    line.sms = True    # the SMS gateway has a connection
    call, error = alert_call(run_flow, "3")
    assert error is None
    assert call.prompts_in("fr")[-2:] == ["callback_consent", "goodbye"]   # key 3 pressed during the offer
    (ack,) = line.db.run(lambda s: s.callbacks_for_alert(1))
    assert (ack["kind"], ack["state"], ack["by_sms"]) == ("acknowledgement", "waiting", 1)
    line.db.run(lambda s: escalate(s, 1))
    line.db.run(lambda s: s.release_acknowledgements())
    assert line.db.run(lambda s: s.claim_due_callbacks(5)) == []            # the dialler does not call
    receiver = Receiver(config)
    assert receiver.queue_acknowledgements() == 1 and receiver.queue_acknowledgements() == 0
    (sms,) = [m for m in fresh_db.sms_messages_for(1) if m["direction"] == "out"]
    reference = fresh_db.get_alert(1)["reference"]
    assert (sms["kind"], sms["state"], sms["pseudonym"]) == ("acknowledgement", "queued", ack["caller_pseudonym"])
    assert reference in sms["text"] and receiver.number_of(sms) == "+243812345678"
    assert fresh_db.get_callback(ack["id"])["state"] == "answered"


def test_without_the_gateway_key_3_is_not_offered(run_flow, line):
    call, error = alert_call(run_flow, "3")
    assert error is None and "callback_consent_sms" not in call.prompts_in("fr")
    assert line.db.run(lambda s: s.callbacks_for_alert(1)) == []


def test_the_sms_choice_is_offered_to_a_mobile_number_only():
    from ivr.flows.acknowledgement import texts_reach

    assert texts_reach("+243812345678") and texts_reach("0812345678") and texts_reach("243 81 234 5678")
    assert not texts_reach("test-phone-3") and not texts_reach("") and not texts_reach("+33612345678")
