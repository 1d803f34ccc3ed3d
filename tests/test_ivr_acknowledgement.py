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
