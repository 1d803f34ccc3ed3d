"""Call-backs in the store, and callers' numbers sealed with the contacts key."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from core.contacts import ContactCipher, ContactError
from core.identity import pseudonym
from core.secrets import CONTACTS_KEY, pseudonym_key
from core.model import Status
from core.store.callbacks import CallbackState, RequestOutcome

NUMBER = "+243812345678"
ROOT = Path(__file__).resolve().parent.parent
POLICY = {"delay_seconds": 0, "keep_hours": 72, "per_caller_limit": 2, "window_hours": 24}


@pytest.fixture
def cipher(config):
    return ContactCipher.from_config(config)


@pytest.fixture
def caller(config):
    return pseudonym(pseudonym_key(config), NUMBER)


def beep(store, caller, cipher, **policy):
    call_id = store.create_call("beep", caller_pseudonym=caller)
    return store.request_callback(call_id, caller, cipher.seal(NUMBER, caller), **{**POLICY, **policy})


def test_a_number_is_stored_only_sealed_and_opens_only_for_its_caller(fresh_db, config, cipher, caller):
    beep(fresh_db, caller, cipher)
    raw = fresh_db.conn.execute("SELECT sealed FROM contacts").fetchone()[0]
    assert NUMBER.encode() not in raw and b"812345678" not in raw
    assert cipher.open(raw, caller) == NUMBER
    with pytest.raises(ContactError):
        cipher.open(raw, "someone-else")
    # Nothing else in the database holds the number either.
    dump = "\n".join(fresh_db.conn.iterdump())
    assert "812345678" not in dump
    assert (config.secrets_dir / CONTACTS_KEY).stat().st_mode & 0o077 == 0


def test_a_call_back_is_retried_then_given_up_and_the_number_deleted(fresh_db, cipher, caller):
    callback_id, outcome = beep(fresh_db, caller, cipher)
    assert outcome == RequestOutcome.QUEUED
    states = []
    for _ in range(3):
        (due,) = fresh_db.claim_due_callbacks(10)
        assert due["id"] == callback_id and cipher.open(due["sealed"], caller) == NUMBER
        states.append(fresh_db.finish_attempt(callback_id, due["attempt_id"], "no_answer",
                                              max_attempts=3, retry_seconds=0))
    assert states == [CallbackState.QUEUED, CallbackState.QUEUED, CallbackState.GIVEN_UP]
    assert fresh_db.claim_due_callbacks(10) == []
    assert [a["result"] for a in fresh_db.callback_attempts(callback_id)] == ["no_answer"] * 3
    assert fresh_db.contact_count() == 0
    history = [e["action"] for e in fresh_db.audit_entries("callback", callback_id)]
    assert history[0] == "callback_given_up" and history[-1] == "callback_queued"


def test_retries_wait_their_spacing(fresh_db, cipher, caller):
    callback_id, _ = beep(fresh_db, caller, cipher)
    (due,) = fresh_db.claim_due_callbacks(10)
    fresh_db.finish_attempt(callback_id, due["attempt_id"], "busy", max_attempts=3, retry_seconds=600)
    assert fresh_db.claim_due_callbacks(10) == []
    assert fresh_db.attempts_since(3600) == 1


def answer(store, callback_id):
    (due,) = store.claim_due_callbacks(10)
    assert due["id"] == callback_id
    return store.finish_attempt(callback_id, due["attempt_id"], "answered", max_attempts=3, retry_seconds=0)


def test_an_answered_call_back_deletes_the_number_once_its_call_is_over(fresh_db, cipher, caller):
    callback_id, _ = beep(fresh_db, caller, cipher)
    assert answer(fresh_db, callback_id) == CallbackState.ANSWERED
    assert fresh_db.contact_count() == 1, "kept while the caller is on the call"
    fresh_db.link_callback_call(callback_id, "1700000000.5")
    assert fresh_db.contact_count() == 0


def test_an_acknowledgement_waits_for_the_alert_to_be_handled(fresh_db, cipher, caller):
    call_id = fresh_db.create_call("phone", caller_pseudonym=caller)
    alert_id = fresh_db.conn.execute(
        "INSERT INTO alerts (reference, call_id, language, created_at, updated_at)"
        " VALUES ('1234567', ?, 'fr', 'now', 'now')", (call_id,)).lastrowid
    ack_id = fresh_db.request_acknowledgement(alert_id, caller, cipher.seal(NUMBER, caller), keep_hours=72)
    assert fresh_db.request_acknowledgement(alert_id, caller, cipher.seal(NUMBER, caller), keep_hours=72) == ack_id
    assert fresh_db.release_acknowledgements() == 0 and fresh_db.claim_due_callbacks(10) == []
    fresh_db.set_status(alert_id, Status.VERIFIED, actor="vera")
    assert fresh_db.release_acknowledgements() == 0, "verified, and nobody acted on it: not yet handled"
    fresh_db.set_status(alert_id, Status.ESCALATED, actor="sam")
    assert fresh_db.release_acknowledgements() == 1
    assert answer(fresh_db, ack_id) == CallbackState.ANSWERED
    assert fresh_db.acknowledgement_message(ack_id) == {"alert_id": alert_id, "reference": "1234567", "language": "fr"}
    fresh_db.acknowledgement_delivered(ack_id, "1700000000.9")
    assert fresh_db.contact_count() == 0
    history = [e["action"] for e in fresh_db.audit_entries("alert", alert_id)]
    assert {"acknowledgement_waiting", "callback_queued", "callback_answered",
            "acknowledgement_delivered"} <= set(history)


def waiting_alert(store, cipher, caller, reference: str) -> tuple[int, int]:
    """An alert whose caller asked for an acknowledgement: (alert id, acknowledgement id)."""
    call_id = store.create_call("phone", caller_pseudonym=caller)
    alert_id = store.conn.execute(
        "INSERT INTO alerts (reference, call_id, language, created_at, updated_at)"
        " VALUES (?, ?, 'sw', 'now', 'now')", (reference, call_id)).lastrowid
    return alert_id, store.request_acknowledgement(alert_id, caller, cipher.seal(NUMBER, caller), keep_hours=72)


def state_of(store, ack_id) -> str:
    return store.get_callback(ack_id)["state"]


def test_a_verified_alert_with_a_response_is_handled_for_its_caller(fresh_db, cipher, caller):
    """Handled = escalated, or verified with a response recorded (any outcome, console or phone)."""
    typed, ack_typed = waiting_alert(fresh_db, cipher, caller, "1000001")
    spoken, ack_spoken = waiting_alert(fresh_db, cipher, caller, "1000002")
    early, ack_early = waiting_alert(fresh_db, cipher, caller, "1000003")
    rejected, ack_rejected = waiting_alert(fresh_db, cipher, caller, "1000004")
    for alert_id in (typed, spoken, rejected):
        fresh_db.set_status(alert_id, Status.VERIFIED, actor="vera")
    assert fresh_db.release_acknowledgements() == 0, "verified, and nobody acted on them"
    fresh_db.record_response(typed, "patrouille", "no_action_possible", None, "sam")
    fresh_db.record_response(spoken, "spoken report", "spoken", None, "phone:C-X", source="phone")
    fresh_db.record_response(early, "patrouille", "resolved", None, "sam")   # before anyone verified it
    fresh_db.set_status(rejected, Status.FALSE, actor="sam")
    fresh_db.record_response(rejected, "vérifié sur place", "false_alarm", None, "sam")
    assert fresh_db.release_acknowledgements() == 2
    assert [state_of(fresh_db, a) for a in (ack_typed, ack_spoken, ack_early, ack_rejected)] == [
        "queued", "queued", "waiting", "waiting"]
    fresh_db.set_status(early, Status.VERIFIED, actor="vera")
    assert fresh_db.release_acknowledgements() == 1 and state_of(fresh_db, ack_early) == "queued"
    assert fresh_db.release_acknowledgements() == 0, "released once"
    assert state_of(fresh_db, ack_rejected) == "waiting", "closed as false: never handled, whatever was recorded"
    for alert_id in (typed, spoken, early):
        history = [e["action"] for e in fresh_db.audit_entries("alert", alert_id)]
        assert "callback_queued" in history


def test_an_acknowledgement_asked_on_a_call_back_keeps_its_number(fresh_db, cipher, caller):
    callback_id, _ = beep(fresh_db, caller, cipher)
    answer(fresh_db, callback_id)
    alert_id = fresh_db.conn.execute(
        "INSERT INTO alerts (reference, language, created_at, updated_at) VALUES ('7654321', 'sw', 'now', 'now')"
    ).lastrowid
    assert fresh_db.request_acknowledgement(alert_id, caller, None, keep_hours=72) is not None
    fresh_db.link_callback_call(callback_id, "1700000000.5")
    assert fresh_db.contact_count() == 1
    assert fresh_db.request_acknowledgement(alert_id + 1, "C-NOBODY", None, keep_hours=72) is None


def test_a_flood_of_beeps_gets_one_pending_call_back_and_at_most_the_limit(fresh_db, cipher, caller):
    outcomes = [beep(fresh_db, caller, cipher)[1] for _ in range(5)]
    assert outcomes == [RequestOutcome.QUEUED] + [RequestOutcome.ALREADY_QUEUED] * 4
    callback_id = fresh_db.callbacks_for_caller(caller)[0]["id"]
    for _ in range(2):  # answer the pending one, beep again
        answer(fresh_db, callback_id)
        callback_id, outcome = beep(fresh_db, caller, cipher)
    assert outcome == RequestOutcome.RATE_LIMITED
    assert len(fresh_db.callbacks_for_caller(caller)) == 2


def test_expired_numbers_are_deleted_and_their_call_backs_expire(fresh_db, cipher, caller):
    callback_id, _ = beep(fresh_db, caller, cipher, keep_hours=0)
    assert fresh_db.purge_contacts() == 1
    assert fresh_db.contact_count() == 0
    assert fresh_db.get_callback(callback_id)["state"] == CallbackState.EXPIRED
    assert fresh_db.claim_due_callbacks(10) == []


def test_a_stopped_dialler_leaves_nothing_stuck(fresh_db, cipher, caller):
    callback_id, _ = beep(fresh_db, caller, cipher)
    fresh_db.claim_due_callbacks(10)
    assert fresh_db.requeue_interrupted_callbacks() == 1
    assert fresh_db.claim_due_callbacks(10)[0]["id"] == callback_id


def test_the_console_never_loads_the_contacts_key():
    """No module of the console imports core.contacts or names the key file."""
    for path in (ROOT / "web").rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                names = []
            assert not any(n.startswith("core.contacts") or n.endswith(".contacts") for n in names), path
            if isinstance(node, ast.Name | ast.Attribute):
                assert getattr(node, "id", getattr(node, "attr", "")) != "CONTACTS_KEY", path
