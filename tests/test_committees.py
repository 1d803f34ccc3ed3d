"""Local Protection Committees: PINs, the committee line against a scripted call, the console."""

from __future__ import annotations

import asyncio
import os
import time

import pytest

from core.committees import PinHasher
from core.incidents import Report, independent_sources, parse_time
from core.store import Store
from ivr.committee_items import kept_items
from ivr.flows.committee import committee
from ivr.spool import ABANDONED_SECONDS, import_orphan_recordings
from tests.fixtures.audio import speechlike
from tests.fixtures.web import login, make_alert, post


def add_committee(store, config, pin="4711", name="CLP Eringeti", locality="4021"):
    return store.save_committee(name, locality, PinHasher.from_config(config).hash(pin), "test")


def test_two_items_after_a_wrong_then_right_pin_are_two_reports_of_the_committee(run_flow, line, config):
    committee_id = line.db.run(lambda s: add_committee(s, config))
    call, error = run_flow(committee, keys={"language_menu": ["3"], "getdata:committee_pin": ["1234", "4711"],
                                            "committee_another": ["1"], "wait": [""]},
                           recordings=[speechlike(3.0), speechlike(2.5, seed=2)])
    assert error is None
    said = call.prompts_in("fr")
    assert said[:4] == ["committee_pin", "committee_pin_wrong", "committee_pin", "committee_welcome"]
    assert said[-2:] == ["committee_thanks", "goodbye"]
    reports = line.db.run(lambda s: s.reports_of_committee(committee_id))
    assert [(r["locality"], r["source"]) for r in reports] == [("4021", "committee")] * 2
    assert line.db.run(lambda s: s.get_alert(reports[0]["id"]))["caller_pseudonym"] is None


def test_three_wrong_pins_end_the_call_audited_without_the_number(run_flow, line, config):
    line.db.run(lambda s: add_committee(s, config))
    call, _ = run_flow(committee, keys={"language_menu": ["3"], "getdata:committee_pin": ["1111", "2222", "3333"]})
    assert call.prompts_in("fr")[-1] == "committee_pin_refused"
    assert line.db.run(lambda s: s.conn.execute("SELECT count(*) FROM alerts").fetchone()[0]) == 0
    (entry,) = line.db.run(lambda s: s.audit_entries("committee_line"))
    assert entry["action"] == "pin_refused" and entry["after"] == {"tries": 3}
    assert "+243" not in str(entry) and "3333" not in str(entry)


def test_an_item_the_store_refuses_is_told_and_filed_as_the_committees_once_it_accepts(run_flow, line, config):
    committee_id = line.db.run(lambda s: add_committee(s, config))
    # A real refusal by SQLite (as a full disk or a corrupt table would give), not a stand-in.
    line.db.run(lambda s: s.conn.execute("CREATE TRIGGER refuse BEFORE INSERT ON alerts"
                                         " BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"))
    call, error = run_flow(committee, keys={"language_menu": ["3"], "getdata:committee_pin": ["4711"]},
                           recordings=[speechlike(3.0)])
    assert error is None, "the focal point is told, not dropped into a hang-up"
    assert call.prompts_in("fr")[-2:] == ["committee_not_saved", "goodbye"]
    assert "committee_thanks" not in call.prompts_in("fr")
    (kept,) = config.recordings_dir.glob("*/*/*.wav")
    assert kept.stat().st_size > 16000, "the item's recording is kept"
    items = kept_items(line)
    assert asyncio.run(items.run()) == [], "still refused: still kept"
    line.db.run(lambda s: s.conn.execute("DROP TRIGGER refuse"))
    (filed,) = asyncio.run(items.run())
    (report,) = line.db.run(lambda s: s.reports_of_committee(committee_id))
    assert report["id"] == filed["id"] and (report["locality"], report["source"]) == ("4021", "committee")
    assert asyncio.run(items.run()) == []
    old = time.time() - ABANDONED_SECONDS - 5
    os.utime(kept, (old, old))  # as the IVR's next start would find it
    with Store.open(config.db_path) as store:
        assert import_orphan_recordings(config, store) == [], "not filed a second time, unlinked"


def test_a_committee_counts_as_one_source_of_its_own():
    when = parse_time("2026-11-26T04:00:00+00:00")
    reports = [Report(1, when, "4021", frozenset(), "committee", committee=7),
               Report(2, when, "4021", frozenset(), "committee", committee=7),
               Report(3, when, "4021", frozenset(), "phone", pseudonym="C-1")]
    assert independent_sources(reports) == {"sources": 2, "committee": 1, "radio": 0, "phone": 1}


@pytest.mark.usefixtures("app")
def test_admins_keep_committees_and_the_alert_page_shows_committee_reports(client, fresh_db, config):
    login(client, "vera")
    assert client.get("/admin/committees").status_code == 403
    login(client, "ada")
    assert post(client, "/admin/committees", {"name": "CLP Eringeti", "locality": "4021", "pin": "12"}).status_code == 400
    assert post(client, "/admin/committees", {"name": "CLP Eringeti", "locality": "4021", "pin": "471100"}).status_code == 302
    assert post(client, "/admin/committees", {"name": "CLP Oicha", "locality": "4022", "pin": "471100"}).status_code == 409
    page = client.get("/admin/committees").data.decode()
    assert "CLP Eringeti" in page and "471100" not in page
    (entry,) = [e for e in fresh_db.audit_entries("committee") if e["action"] == "create"]
    assert "471100" not in str(entry)
    (found,) = fresh_db.committees()
    call_id = fresh_db.create_call("committee")
    fresh_db.link_committee(call_id, found["id"])
    alert = make_alert(fresh_db, config, locality="4021")
    report_row = fresh_db.conn.execute("SELECT id FROM alerts WHERE id = ?", (alert["id"],)).fetchone()
    fresh_db.conn.execute("UPDATE alerts SET call_id = ? WHERE id = ?", (call_id, report_row[0]))
    other = make_alert(fresh_db, config, locality="4021")
    page = client.get(f"/alerts/{other['id']}").data.decode()
    assert "CLP Eringeti" in page and alert["reference"] in page
    assert "CLP Eringeti" in client.get(f"/alerts/{alert['id']}").data.decode()
    assert post(client, f"/admin/committees/{found['id']}/delete", {"confirm": "1"}).status_code == 409, "it has a report"
