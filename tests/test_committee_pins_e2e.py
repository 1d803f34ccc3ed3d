"""Guessing a committee PIN by redialling, through the real Asterisk with pjsua2 phones.

A private line whose limits are lowered in its config (3 wrong PINs lock a caller, 5 from
everyone lock the line), so a few calls reach each lock: a caller who keys wrong PINs over two
calls is locked out and then hears the locked prompt, not the PIN prompt, when keying the right
PIN; another caller still gets in; then wrong PINs from a third caller lock the whole line, and
the caller who got in before is refused too.
"""

from __future__ import annotations

import datetime as dt

import pytest

from core.committees import PinHasher
from core.dialplan import EXTEN_COMMITTEE
from core.store import Store
from tests.fixtures.asterisk import PRIVATE_PORTS, free_ports, wait_for
from tests.fixtures.ivr import private_line
from tests.test_ivr_callers_e2e import heard_at

pytestmark = pytest.mark.asterisk

PIN = "471100"
FRENCH = "wait 1; dtmf 3; wait silence"   # the language menu: French
LIMITS = {"caller_wrong_pins": 3, "caller_window_minutes": 60, "line_wrong_pins": 5, "line_window_minutes": 60,
          "line_lock_minutes": 30}
KEYS_AT_ONCE = f"wait 1; dtmf 3; wait 1; dtmf {PIN}#"   # French, then the PIN at once
GUESSER, MEMBER, SPOOFER = "test-phone-1", "test-phone-2", "test-phone-3"


@pytest.fixture(scope="module")
def pin_line(tmp_path_factory, asterisk_prompts):
    overrides = free_ports(PRIVATE_PORTS)
    overrides["committees"] = LIMITS
    with private_line(tmp_path_factory.mktemp("pin-line") / "data", asterisk_prompts, overrides) as started:
        yield started


def wrong_pins(config) -> int:
    with Store.open(config.db_path) as store:
        return store.committee_wrong_pins(dt.datetime.now(dt.timezone.utc), 60)


def reports(config, committee_id: int) -> list[dict]:
    with Store.open(config.db_path) as store:
        return store.reports_of_committee(committee_id)


def locked_outs(config) -> list[dict]:
    with Store.open(config.db_path) as store:
        return [e["after"] for e in store.audit_entries("committee_line") if e["action"] == "locked_out"]


def test_redialling_locks_the_caller_then_the_line(pin_line, caller_wav, tmp_path):
    line, ivr = pin_line
    config = line.config
    with Store.open(config.db_path) as store:
        committee_id = store.save_committee("CLP Eringeti", "4021", PinHasher.from_config(config).hash(PIN), "test")

    def call(caller: str, script: str, **kwargs):
        result = line.call(EXTEN_COMMITTEE, caller, script, timeout=120, **kwargs)
        assert result.ok, (result.events, ivr.log()[-3000:])
        return result

    # The member files one item while the guesser makes two wrong guesses and hangs up.
    member = line.start_call(EXTEN_COMMITTEE, MEMBER, f"{FRENCH}; dtmf {PIN}#; wait beep; play {caller_wav};"
                                                      f" dtmf #; wait silence; listen 15; hangup")
    call(GUESSER, f"{FRENCH}; dtmf 111111#; wait silence; dtmf 222222#; wait silence; hangup")
    assert member.result(timeout=120).ok, ivr.log()[-3000:]
    wait_for(lambda: wrong_pins(config) == 2, 15, "two wrong PINs counted")
    wait_for(lambda: len(reports(config, committee_id)) == 1, 20, "the member's report")

    # The guesser's third wrong PIN, on a new call, locks them out at once.
    ended = call(GUESSER, f"{FRENCH}; dtmf 333333#; listen 30; hangup")
    assert ended.remote_hangup, ended.events
    assert wrong_pins(config) == 3
    # Then even the right PIN is not asked for: the locked prompt, and the line hangs up. (The
    # phone keys it as the prompt starts: the PIN prompt would take it, the locked prompt does not.)
    heard = tmp_path / "guesser.wav"
    ended = call(GUESSER, f"{KEYS_AT_ONCE}; listen 30; hangup", record=heard)
    assert ended.remote_hangup, ended.events
    assert heard_at(config, heard, "fr", "committee_locked") is not None
    assert heard_at(config, heard, "fr", "committee_pin") is None
    assert locked_outs(config) == [{"whole_line": False}]
    assert len(reports(config, committee_id)) == 1, "no report from the locked caller"

    # A third caller (a spoofed id, say) keys two wrong PINs: the fifth on the line locks it for everyone.
    ended = call(SPOOFER, f"{FRENCH}; dtmf 444444#; wait silence; dtmf 555555#; listen 30; hangup")
    assert ended.remote_hangup, ended.events
    with Store.open(config.db_path) as store:
        lock = store.committee_line_lock(dt.datetime.now(dt.timezone.utc))
        assert lock is not None and lock["wrong_pins"] == 5
        assert [e["action"] for e in store.audit_entries("committee_line")].count("line_locked") == 1
    heard = tmp_path / "member.wav"
    call(MEMBER, f"{KEYS_AT_ONCE}; listen 30; hangup", record=heard)
    assert heard_at(config, heard, "fr", "committee_locked") is not None
    assert locked_outs(config)[0] == {"whole_line": True}, "newest first"
    assert len(reports(config, committee_id)) == 1
    log = ivr.log()
    assert "Traceback" not in log, log[-5000:]
    assert "test-phone" not in str(locked_outs(config))
