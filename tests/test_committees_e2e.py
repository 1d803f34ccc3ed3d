"""A committee's focal point through the real Asterisk: a wrong PIN, the right one, two items."""

from __future__ import annotations

import pytest

from core.committees import PinHasher
from core.dialplan import EXTEN_COMMITTEE
from core.store import Store
from tests.fixtures.asterisk import wait_for

pytestmark = pytest.mark.asterisk


def test_two_items_after_a_wrong_then_right_pin_leave_two_reports(asterisk, ivr_running, caller_wav):
    config = asterisk.config
    with Store.open(config.db_path) as store:
        committee_id = store.save_committee("CLP Eringeti E2E", "4021", PinHasher.from_config(config).hash("97531"),
                                            "test")
        refused_before = len(store.audit_entries("committee_line"))
    script = (f"wait 1; dtmf 3; wait silence; dtmf 1234#; wait silence; dtmf 97531#; wait beep; play {caller_wav};"
              f" dtmf #; wait silence; dtmf 1; wait beep; play {caller_wav}; dtmf #; wait silence; listen 15; hangup")
    result = asterisk.call(EXTEN_COMMITTEE, "test-phone-3", script, timeout=150)
    assert result.ok, (result.events, ivr_running.log()[-3000:])

    def reports():
        with Store.open(config.db_path) as store:
            return store.reports_of_committee(committee_id)

    found = wait_for(lambda: len(reports()) == 2 and reports(), 20, "two committee reports")
    assert [(r["locality"], r["source"]) for r in found] == [("4021", "committee")] * 2
    with Store.open(config.db_path) as store:
        assert len(store.audit_entries("committee_line")) == refused_before, "one wrong PIN is no refusal"
        assert all(store.get_alert(r["id"])["caller_pseudonym"] is None for r in found)
