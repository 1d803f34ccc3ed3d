"""Guessing a committee PIN by redialling: wrong PINs counted per caller pseudonym and for the whole
line, the locks they set (the moment passed in, never slept), the line's answer, the console's."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from core.committees import PinHasher
from core.store.committee_pins import PinLimits
from ivr.flows.committee import committee
from tests.fixtures.audio import speechlike
from tests.fixtures.ivr import FakeCall
from tests.fixtures.web import login, post

LIMITS = PinLimits(caller_wrong_pins=5, caller_window_minutes=60, line_wrong_pins=20, line_window_minutes=60,
                   lock_minutes=30)
T0 = dt.datetime(2026, 11, 26, 8, 0, tzinfo=dt.timezone.utc)


def minutes(n: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=n)


def wrong(store, caller, at, limits=LIMITS):
    return store.committee_wrong_pin(caller, at, limits)


def test_a_caller_is_locked_after_n_wrong_pins_in_the_window_and_free_once_they_age(fresh_db):
    for n in range(4):
        assert wrong(fresh_db, "C-GUESSER", minutes(n)) is None
    assert fresh_db.committee_pin_lock("C-GUESSER", minutes(5), LIMITS) is None
    assert wrong(fresh_db, "C-GUESSER", minutes(10)) == "caller", "the fifth wrong PIN locks"
    assert fresh_db.committee_pin_lock("C-GUESSER", minutes(11), LIMITS) == "caller"
    assert fresh_db.committee_pin_lock("C-OTHER", minutes(11), LIMITS) is None, "another caller still gets in"
    assert fresh_db.committee_pin_lock(None, minutes(11), LIMITS) is None
    assert fresh_db.committee_pin_lock("C-GUESSER", minutes(59.9), LIMITS) == "caller"
    assert fresh_db.committee_pin_lock("C-GUESSER", minutes(60.5), LIMITS) is None, "the first has aged out"
    (entry,) = fresh_db.audit_entries("committee_line")
    assert entry["action"] == "caller_locked" and "C-GUESSER" not in str(entry)
    assert fresh_db.committee_line_lock(minutes(11)) is None


def test_withheld_numbers_count_together(fresh_db):
    limits = PinLimits(2, 60, 20, 60, 30)
    wrong(fresh_db, None, minutes(0), limits)
    assert wrong(fresh_db, None, minutes(1), limits) == "caller"
    assert fresh_db.committee_pin_lock(None, minutes(2), limits) == "caller"
    assert fresh_db.committee_pin_lock("C-KNOWN", minutes(2), limits) is None


def test_the_line_locks_after_its_budget_for_every_caller_then_opens(fresh_db):
    limits = PinLimits(caller_wrong_pins=5, caller_window_minutes=60, line_wrong_pins=6, line_window_minutes=60,
                       lock_minutes=30)
    results = [wrong(fresh_db, f"C-SPOOF{n}", minutes(n), limits) for n in range(6)]
    assert results == [None] * 5 + ["line"], "spoofed caller ids: each new, the line still counts"
    lock = fresh_db.committee_line_lock(minutes(6))
    assert lock["wrong_pins"] == 6 and lock["locked_until"].startswith("2026-11-26T08:35:00")
    for caller in ("C-SPOOF0", "C-NEW", None):
        assert fresh_db.committee_pin_lock(caller, minutes(34), limits) == "line"
    assert fresh_db.committee_pin_lock("C-NEW", minutes(35.1), limits) is None, "the lock expires"
    assert wrong(fresh_db, "C-NEW", minutes(36), limits) is None, "a lock's wrong PINs do not lock the next"
    (entry,) = [e for e in fresh_db.audit_entries("committee_line") if e["action"] == "line_locked"]
    assert entry["after"]["wrong_pins"] == 6 and entry["after"]["minutes"] == 60
    assert fresh_db.committee_wrong_pins(minutes(36), 60) == 7
    assert fresh_db.committee_wrong_pins(minutes(36), 1) == 1


def test_the_line_budget_counts_only_its_window(fresh_db):
    limits = PinLimits(99, 60, 3, 60, 30)
    assert [wrong(fresh_db, "C-A", at, limits) for at in (minutes(0), minutes(30), minutes(61))] == [None] * 3
    assert wrong(fresh_db, "C-A", minutes(62), limits) == "line"


def test_an_admin_unlocks_the_line_audited(fresh_db):
    limits = PinLimits(99, 60, 2, 60, 30)
    assert fresh_db.unlock_committee_line("ada", minutes(0)) is False
    wrong(fresh_db, "C-A", minutes(0), limits)
    assert wrong(fresh_db, "C-B", minutes(1), limits) == "line"
    assert fresh_db.unlock_committee_line("ada", minutes(2)) is True
    assert fresh_db.committee_pin_lock("C-A", minutes(2), limits) is None
    assert fresh_db.unlock_committee_line("ada", minutes(3)) is False
    unlock = [e for e in fresh_db.audit_entries("committee_line") if e["action"] == "unlock"]
    assert [(e["actor"], e["before"]["locked_until"][:16]) for e in unlock] == [("ada", "2026-11-26T08:31")]


def add_committee(store, config, pin="471100"):
    return store.save_committee("CLP Eringeti", "4021", PinHasher.from_config(config).hash(pin), "test")


def phoned(line, pins: list[str], caller: str) -> FakeCall:
    """One call to the committee line from `caller`, keying `pins`, one item recorded if let in."""
    call = FakeCall(keys={"language_menu": ["3"], "getdata:committee_pin": list(pins), "wait": [""]},
                    recordings=[speechlike(2.0)])
    call.env = {**call.env, "agi_callerid": caller}
    asyncio.run(committee(call, line))
    return call


def test_the_line_tells_a_locked_caller_without_asking_and_lets_another_in(line, config):
    line.db.run(lambda s: add_committee(s, config))
    guesser = "+243812345678"
    said = [phoned(line, pins, guesser).prompts_in("fr") for pins in (["1111", "2222", "3333"], ["4444", "5555"])]
    assert said[0] == ["committee_pin", "committee_pin_wrong"] * 2 + ["committee_pin", "committee_pin_refused"]
    assert said[1] == ["committee_pin", "committee_pin_wrong", "committee_pin", "committee_locked", "goodbye"], \
        "the fifth wrong PIN ends the call at once"
    assert phoned(line, ["471100"], guesser).prompts_in("fr") == ["committee_locked", "goodbye"], \
        "not even asked: the right PIN is not heard"
    assert phoned(line, ["471100"], "+243899999999").prompts_in("fr")[:2] == ["committee_pin", "committee_welcome"]
    audit = line.db.run(lambda s: s.audit_entries("committee_line"))
    assert "locked_out" in {e["action"] for e in audit}
    assert not any("812345678" in str(e) or "C-" in str(e) for e in audit)


@pytest.mark.usefixtures("app")
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_console_shows_the_lock_and_an_admin_unlocks_it(client, fresh_db, config, lang):
    now = dt.datetime.now(dt.timezone.utc)
    limits = PinLimits(99, 60, 3, 60, 30)
    login(client, "ada")
    post(client, "/language", {"lang": lang})
    assert 'id="committee-wrong-pins"' not in client.get("/admin/committees").text
    wrong(fresh_db, "C-A", now, limits)
    page = client.get("/admin/committees").text
    words = {"fr": "Codes faux dans les 60 dernières minutes : 1.", "en": "Wrong PINs in the last 60 minutes: 1."}
    assert 'id="committee-wrong-pins"' in page and words[lang] in page
    wrong(fresh_db, "C-B", now, limits)
    assert wrong(fresh_db, "C-C", now, limits) == "line"
    page = client.get("/admin/committees").text
    locked = {"fr": "La ligne des comités est bloquée jusqu'à", "en": "The committee line is locked until"}
    assert 'id="committee-line-locked"' in page and locked[lang] in page.replace("&#39;", "'")
    assert ": 3." in page.split('id="committee-line-locked"')[1].split("</p>")[0]
    login(client, "sam")
    assert post(client, "/admin/committees/unlock", {}).status_code == 403
    login(client, "ada")
    assert post(client, "/admin/committees/unlock", {}).status_code == 302
    assert fresh_db.committee_line_lock(dt.datetime.now(dt.timezone.utc)) is None
    assert 'id="committee-line-locked"' not in client.get("/admin/committees").text
    assert [e["actor"] for e in fresh_db.audit_entries("committee_line") if e["action"] == "unlock"] == ["ada"]


@pytest.mark.usefixtures("app")
def test_a_new_pin_has_six_digits_and_an_old_short_one_still_opens(client, fresh_db, config, line):
    login(client, "ada")
    form = {"name": "CLP Eringeti", "locality": "4021", "pin": "4711"}
    refused = post(client, "/admin/committees", form)
    assert refused.status_code == 400 and "6 à 8 chiffres" in refused.text
    assert post(client, "/admin/committees", {**form, "pin": "471100"}).status_code == 302
    fresh_db.save_committee("CLP Oicha", "4022", PinHasher.from_config(config).hash("2468"), "before")
    assert phoned(line, ["2468"], "+243811111111").prompts_in("fr")[:2] == ["committee_pin", "committee_welcome"]


def test_wrong_pins_no_window_counts_are_forgotten_with_their_pseudonyms(fresh_db):
    wrong(fresh_db, "C-OLD", minutes(0))
    assert fresh_db.committee_pin_lock("C-NEW", minutes(59), LIMITS) is None
    assert fresh_db.committee_wrong_pins(minutes(59), 60) == 1
    fresh_db.committee_pin_lock("C-NEW", minutes(61), LIMITS)   # any call, no new wrong PIN
    assert fresh_db.conn.execute("SELECT count(*) FROM committee_pin_failures").fetchone()[0] == 0


def test_the_cli_lists_the_lock_and_unlocks_the_line_audited(config, fresh_db):
    from click.testing import CliRunner

    from sauti.cli import main

    def invoke(*args):
        result = CliRunner().invoke(main, ["--data", str(config.data_dir), "committees", *args])
        assert result.exit_code == 0, result.output
        return result.output

    assert "0 wrong PIN(s) in the last 60 minutes; the committee line takes PINs" in invoke("list")
    assert invoke("unlock").strip() == "the committee line was not locked"
    now = dt.datetime.now(dt.timezone.utc)
    for caller in ("C-A", "C-B", "C-C"):
        wrong(fresh_db, caller, now, PinLimits(99, 60, 3, 60, 30))
    assert "3 wrong PIN(s) in the last 60 minutes; the committee line is LOCKED until" in invoke("list")
    assert invoke("unlock").strip() == "the committee line takes PINs again"
    assert fresh_db.committee_line_lock(dt.datetime.now(dt.timezone.utc)) is None
    assert [e["actor"] for e in fresh_db.audit_entries("committee_line") if e["action"] == "unlock"] == ["cli"]
    assert "Usage" in CliRunner().invoke(main, ["committees", "unlock", "--help"]).output
