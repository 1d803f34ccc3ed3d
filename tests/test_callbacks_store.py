"""Call-backs in the store, and callers' numbers sealed with the contacts key."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from core.contacts import ContactCipher, ContactError
from core.identity import pseudonym
from core.secrets import CONTACTS_KEY, pseudonym_key
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


def test_an_answered_call_back_deletes_the_number(fresh_db, cipher, caller):
    callback_id, _ = beep(fresh_db, caller, cipher)
    (due,) = fresh_db.claim_due_callbacks(10)
    assert fresh_db.finish_attempt(callback_id, due["attempt_id"], "answered", max_attempts=3,
                                   retry_seconds=0) == CallbackState.ANSWERED
    assert fresh_db.contact_count() == 0


def test_a_flood_of_beeps_gets_one_pending_call_back_and_at_most_the_limit(fresh_db, cipher, caller):
    outcomes = [beep(fresh_db, caller, cipher)[1] for _ in range(5)]
    assert outcomes == [RequestOutcome.QUEUED] + [RequestOutcome.ALREADY_QUEUED] * 4
    for _ in range(2):  # answer the pending one, beep again
        (due,) = fresh_db.claim_due_callbacks(10)
        fresh_db.finish_attempt(due["id"], due["attempt_id"], "answered", max_attempts=3, retry_seconds=0)
        outcome = beep(fresh_db, caller, cipher)[1]
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
