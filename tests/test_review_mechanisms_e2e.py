"""Callers of the committee, survey and complaints lines who do what nobody tuned the flows to.

Every call is placed at once (the line takes them side by side, the module takes the time of
its longest call); each test then reads what one of them left: what is stored and what is not,
what is audited, and that the IVR's log holds no traceback.

- Committees: a PIN with `*` then the right one; six digits for a five-digit PIN then the
  right one; nothing keyed at all (refused after three tries, audited); the right PIN, then a
  hang-up before the beep.
- Surveys (inbound, three questions of 2, 3 and 2 keys): a wrong key twice on the first
  question; every key during its question's prompt; silence on every question; a hang-up
  during the survey's greeting.
- A survey run (outbound): a focal point who hangs up during the greeting.
- Complaints: nothing said after the beep, nor after the second one.
"""

from __future__ import annotations

import os
from unittest import mock

import pytest

import phone
from core import directory, surveys
from core.committees import PinHasher
from core.dialplan import EXTEN_COMMITTEE, EXTEN_COMPLAINTS, EXTEN_SURVEY
from core.directory import NumberSeal
from core.store import Store
from ivr.complaint_takes import takes_dir
from tests.fixtures.asterisk import wait_for
from tests.test_ivr_callers_e2e import heard_at
from tests.test_dialler_callbacks import DiallerProcess, registered
from tests.test_surveys_e2e import FAST, define, results

pytestmark = pytest.mark.asterisk

LOCALITY = "4021"
RUN_LOCALITY = "7201"  # the focal point's, whom no other test calls
FOCAL_POINT = "test-phone-20"
PINS = {"star": "86420", "long": "75319", "none": "64208", "leaves": "53197"}
FRENCH = "wait 1; dtmf 3; wait silence"   # the language menu: French


def committee_script(keys: str, caller_wav) -> str:
    return f"{FRENCH}; {keys}; wait beep; play {caller_wav}; dtmf #; wait silence; listen 15; hangup"


@pytest.fixture(scope="module")
def calls(asterisk, ivr_process, caller_wav, tmp_path_factory):
    """Place every call at once; what each left, and the IVR's log of the module's calls."""
    config = asterisk.config
    if not ivr_process.running:
        ivr_process.start()
    log_start = len(ivr_process.log())
    hasher = PinHasher.from_config(config)
    with Store.open(config.db_path) as store:
        committees = {name: store.save_committee(f"CLP review {name}", LOCALITY, hasher.hash(pin), "test")
                      for name, pin in PINS.items()}
        survey_id = define(config, store)
        store.set_survey_active(survey_id, True, "test")
        known = [locality.code for locality in store.localities()]
        before = {"alerts": store.conn.execute("SELECT count(*) FROM alerts").fetchone()[0],
                  "complaints": store.conn.execute("SELECT count(*) FROM complaints").fetchone()[0],
                  "refused": len(store.audit_entries("committee_line"))}
    wrong, keyed, silent = (known[:3] if len(known) >= 3 else ["4101", "4102", "4103"])
    survey_opening = f"{FRENCH}; dtmf {{}}#"
    heard = tmp_path_factory.mktemp("review") / "complaint.wav"
    scripts = {
        # `*` is a key like any other to GET DATA: a wrong PIN, then the right one.
        "star": (EXTEN_COMMITTEE, committee_script(f"dtmf 8*6420#; wait silence; dtmf {PINS['star']}#", caller_wav)),
        # The PIN and one digit more: a wrong PIN, then the right one.
        "long": (EXTEN_COMMITTEE, committee_script(f"dtmf {PINS['long']}0#; wait silence; dtmf {PINS['long']}#",
                                                   caller_wav)),
        "none": (EXTEN_COMMITTEE, f"{FRENCH}; listen 90"),
        "leaves": (EXTEN_COMMITTEE, f"{FRENCH}; dtmf {PINS['leaves']}#; wait 1; hangup"),
        "wrong": (EXTEN_SURVEY, survey_opening.format(wrong) + "; wait silence; dtmf 9; wait silence; dtmf 9; "
                  "wait silence; dtmf 2; wait silence; dtmf 1; listen 15; hangup"),
        "during": (EXTEN_SURVEY, survey_opening.format(keyed) + "; wait 1; dtmf 1; wait 1; dtmf 3; wait 1; dtmf 2;"
                   " listen 15; hangup"),
        "silent": (EXTEN_SURVEY, survey_opening.format(silent) + "; listen 120"),
        "greeting": (EXTEN_SURVEY, f"{FRENCH}; wait 1; hangup"),
        "complaint": (EXTEN_COMPLAINTS, f"{FRENCH}; dtmf 1; wait beep; wait beep; listen 40; hangup"),
    }
    with mock.patch.dict(os.environ, FAST):
        dialler = DiallerProcess(config)
    focal_point = phone.start_answering(config, FOCAL_POINT, wait_timeout=90, script="wait 1; hangup")
    wait_for(lambda: registered(asterisk, FOCAL_POINT), 15, "the focal point's phone")
    with Store.open(config.db_path) as store:
        store.import_directory(directory.read_csv(
            f"kind,name,localities,language,order,number\nfocal_point,Review leaves,{RUN_LOCALITY},fr,1,{FOCAL_POINT}\n"),
            NumberSeal.from_config(config).seal, "test")
        run_id = store.create_survey_run(survey_id, [RUN_LOCALITY], "test")
    running = {name: asterisk.start_call(number, f"test-phone-{11 + n}", script,
                                         record=heard if name == "complaint" else None)
               for n, (name, (number, script)) in enumerate(scripts.items())}
    try:
        ended = {name: call.result(timeout=180) for name, call in running.items()}
        ended["focal point"] = focal_point.result(timeout=90)

        def delivered() -> list[dict]:
            with Store.open(config.db_path) as store:
                found = store.survey_run(run_id)["deliveries"]
            return all(d["state"] not in surveys.PENDING for d in found) and found

        (delivery,) = wait_for(delivered, 60, "the run's call to end")
    finally:
        focal_point.kill()
        dialler.stop()
        with Store.open(config.db_path) as store:
            store.set_survey_active(survey_id, False, "test")
    yield {"config": config, "ended": ended, "delivery": delivery, "committees": committees, "survey_id": survey_id, "before": before,
           "localities": {"wrong": wrong, "during": keyed, "silent": silent}, "heard": heard,
           "log": lambda: ivr_process.log()[log_start:]}


def test_no_call_failed_and_the_ivr_logged_no_traceback(calls):
    for name, result in calls["ended"].items():
        assert result.ok, (name, result.events, calls["log"]()[-3000:])
    assert "Traceback" not in calls["log"](), calls["log"]()[-5000:]


def reports(config, committee_id: int) -> list[dict]:
    with Store.open(config.db_path) as store:
        return store.reports_of_committee(committee_id)


@pytest.mark.parametrize("name", ["star", "long"])
def test_a_pin_with_a_star_or_too_many_digits_is_wrong_and_the_right_one_after_it_files_one_report(calls, name):
    assert calls["ended"][name].ok, calls["ended"][name].events
    (report,) = wait_for(lambda: reports(calls["config"], calls["committees"][name]), 20, "the report")
    assert (report["locality"], report["source"]) == (LOCALITY, "committee")


def test_nothing_keyed_is_refused_after_three_tries_audited_without_the_number(calls):
    result = calls["ended"]["none"]
    assert result.ok and result.remote_hangup, result.events
    assert reports(calls["config"], calls["committees"]["none"]) == []
    with Store.open(calls["config"].db_path) as store:
        refused = store.audit_entries("committee_line")
    assert len(refused) == calls["before"]["refused"] + 1, "the call that keyed nothing, and no other"
    assert "test-phone" not in str(refused[0])


def test_a_hang_up_after_the_pin_leaves_no_report_and_a_finished_call(calls):
    assert calls["ended"]["leaves"].ok, calls["ended"]["leaves"].events
    committee_id = calls["committees"]["leaves"]
    with Store.open(calls["config"].db_path) as store:
        ended = wait_for(lambda: store.conn.execute("SELECT ended_at FROM calls WHERE committee_id = ?",
                                                    (committee_id,)).fetchall(), 20, "the call to be ended")
        alerts = store.conn.execute("SELECT count(*) FROM alerts").fetchone()[0]
    assert reports(calls["config"], committee_id) == []
    assert [row[0] is not None for row in ended] == [True]
    assert alerts == calls["before"]["alerts"] + 2, "the two reports of the star and long calls, nothing else"


def test_survey_callers_leave_exactly_their_answers(calls):
    for name in ("wrong", "during", "silent", "greeting"):
        assert calls["ended"][name].ok, (name, calls["ended"][name].events)
    localities = calls["localities"]

    def groups() -> dict:
        return {g["locality"]: g for g in results(calls["config"], calls["survey_id"])}

    found = wait_for(lambda: len(groups()) == 2 and groups(), 20, "two responses")
    assert set(found) == {localities["wrong"], localities["during"]}, "the silent caller and the one who left: none"
    wrong, during = found[localities["wrong"]], found[localities["during"]]
    # Two wrong keys skip the first question; the two others are answered and the survey passed.
    assert (wrong["responses"], wrong["incomplete"]) == (1, 0)
    assert [(q["position"], q["counts"]) for q in wrong["questions"]] == [(2, [0, 1, 0]), (3, [1, 0])]
    # Keys during the prompts are answers.
    assert (during["responses"], during["incomplete"]) == (1, 0)
    assert [q["counts"] for q in during["questions"]] == [[1, 0], [0, 0, 1], [0, 1]]


def test_a_complaint_caller_who_says_nothing_is_asked_again_then_told_and_files_nothing(calls):
    result = calls["ended"]["complaint"]
    assert result.ok and result.remote_hangup, result.events
    assert [text for _, text in result.events].count("beep heard") == 2, result.events
    config = calls["config"]
    with Store.open(config.db_path) as store:
        assert store.conn.execute("SELECT count(*) FROM complaints").fetchone()[0] == calls["before"]["complaints"]
    assert not list(takes_dir(config).glob("*.wav")), "no plain take left behind"
    # Told twice that nothing was heard (the second time, to call again: its words begin as the
    # first's, so the log says which), then goodbye.
    assert calls["log"]().count("no speech in a complaint's take") == 2
    asked_again = heard_at(config, calls["heard"], "fr", "nothing_heard")
    goodbye = heard_at(config, calls["heard"], "fr", "goodbye")
    assert asked_again is not None and goodbye is not None and asked_again < goodbye
    assert heard_at(config, calls["heard"], "fr", "complaint_recorded") is None, "no reference for nothing"


def test_a_focal_point_who_hangs_up_during_the_greeting_leaves_no_answers_and_an_incomplete_call(calls):
    assert calls["ended"]["focal point"].ok, calls["ended"]["focal point"].events
    delivery = calls["delivery"]
    assert (delivery["name"], delivery["state"], delivery["attempts"], delivery["results"]) == (
        "Review leaves", "incomplete", 1, ["answered"]), "answered, not called again"
    assert RUN_LOCALITY not in {g["locality"] for g in results(calls["config"], calls["survey_id"])}
