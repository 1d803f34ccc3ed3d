"""Perception surveys through the real Asterisk.

- The survey line (800): one caller answers every question with keys, another hangs up halfway.
- A survey run: the dialler calls three focal points; one answers every question, one hangs up
  halfway, one does not answer (called again as configured).
The aggregates are exactly those answers, and each delivery's outcome is exactly that.
"""

from __future__ import annotations

import os
from unittest import mock

import pytest

from core import directory, surveys
from core.dialplan import EXTEN_SURVEY
from core.directory import NumberSeal
from core.store import Store
import phone
from tests.fixtures.asterisk import wait_for
from tests.test_dialler_callbacks import DiallerProcess, registered

pytestmark = pytest.mark.asterisk

WORDS = ["Vous sentez-vous en sécurité ? Oui un, non deux.",
         "La situation a-t-elle changé ? Mieux un, pareil deux, pire trois.",
         "Connaissez-vous le numéro vert ? Oui un, non deux."]
ATTEMPTS = 2
FAST = {"SAUTI_BROADCASTS_RING_SECONDS": "6", "SAUTI_BROADCASTS_RETRY_SECONDS": "1",
        "SAUTI_BROADCASTS_MAX_ATTEMPTS": str(ATTEMPTS), "SAUTI_BROADCASTS_CONCURRENCY": "2"}
ANSWERING, LEAVING, AWAY = "test-phone-7", "test-phone-8", "test-phone-9"
LOCALITY = "7101"


def define(config, store, languages=("fr",)) -> int:
    """A three-question survey (2, 3 and 2 keys) whose words are synthesised in `languages`."""
    survey_id = store.create_survey(f"E2E perception {store.conn.execute('SELECT count(*) FROM surveys').fetchone()[0]}",
                                    "test")
    for position, (answers, text) in enumerate(zip((2, 3, 2), WORDS), start=1):
        store.save_survey_question(survey_id, position, answers, {lang: text for lang in surveys.LANGUAGES}, "test")
    for question in store.survey_questions(survey_id):
        for lang in languages:
            surveys.synthesise_words(config, survey_id, question["id"], lang, question["words"][lang])
    return survey_id


def results(config, survey_id: int) -> list[dict]:
    with Store.open(config.db_path) as store:
        return surveys.aggregate(*store.survey_answers(survey_id), "month")


def test_one_answered_and_one_abandoned_survey_leave_exactly_the_expected_aggregates(asterisk, ivr_running):
    config = asterisk.config
    with Store.open(config.db_path) as store:
        survey_id = define(config, store)
        store.set_survey_active(survey_id, True, "test")
        known = store.localities()
    locality = known[0].code if known else "4021"
    opening = f"wait 1; dtmf 3; wait silence; dtmf {locality}#; wait silence"
    # Both callers at once: the line takes them side by side, and the test takes the time of one.
    answering = asterisk.start_call(EXTEN_SURVEY, "test-phone-4", f"{opening}; dtmf 1; wait silence; dtmf 2; "
                                    "wait silence; dtmf 2; listen 10; hangup")
    leaving = asterisk.start_call(EXTEN_SURVEY, "test-phone-5", f"{opening}; dtmf 2; wait silence; hangup")
    answered, left = answering.result(timeout=120), leaving.result(timeout=120)
    assert answered.ok, (answered.events, ivr_running.log()[-3000:])
    assert left.ok, (left.events, ivr_running.log()[-3000:])
    (group,) = wait_for(lambda: (found := results(config, survey_id)) and found[0]["responses"] == 2 and found, 20,
                        "two responses")
    assert group["locality"] == locality and (group["responses"], group["incomplete"]) == (2, 1)
    assert [q["counts"] for q in group["questions"]] == [[1, 1], [0, 1, 0], [0, 1]]
    with Store.open(config.db_path) as store:
        store.set_survey_active(survey_id, False, "test")


@pytest.fixture
def dialler(asterisk, ivr_running):
    """A dialler with short ring times and retries beside the session's IVR (which needs no change)."""
    with mock.patch.dict(os.environ, FAST):
        process = DiallerProcess(asterisk.config)
    yield process
    process.stop()


def test_a_survey_run_calls_three_focal_points_and_counts_exactly_their_answers(asterisk, dialler):
    config = asterisk.config
    # Each key follows the end of what the line says: the greeting and the first question, then each question.
    phones = [
        phone.start_answering(config, ANSWERING, wait_timeout=90, script="wait silence 60; dtmf 1; wait silence 30; "
                              "dtmf 2; wait silence 30; dtmf 2; wait silence 30; listen 10"),
        phone.start_answering(config, LEAVING, wait_timeout=90,
                              script="wait silence 60; dtmf 2; wait silence 30; hangup"),
        phone.start_answering(config, AWAY, script="", ignore_calls=9, wait_timeout=90),
    ]
    try:
        wait_for(lambda: all(registered(asterisk, p) for p in (ANSWERING, LEAVING, AWAY)), 15, "the phones")
        with Store.open(config.db_path) as store:
            survey_id = define(config, store, languages=("fr", "sw"))
            store.import_directory(directory.read_csv(
                "kind,name,localities,language,order,number\n"
                f"focal_point,Answering,{LOCALITY},fr,1,{ANSWERING}\n"
                f"focal_point,Leaving,{LOCALITY} 7102,sw,1,{LEAVING}\n"
                f"focal_point,Away,{LOCALITY},ln,1,{AWAY}\n"), NumberSeal.from_config(config).seal, "test")
            run_id = store.create_survey_run(survey_id, [LOCALITY], "test")

        def finished() -> list[dict]:
            with Store.open(config.db_path) as store:
                found = store.survey_run(run_id)["deliveries"]
            return all(d["state"] not in surveys.PENDING for d in found) and found

        deliveries = wait_for(finished, 150, "every call of the run to end")
        phones[0].result(timeout=60)
    finally:
        for running in phones:
            running.kill()
    outcomes = {d["name"]: (d["state"], d["attempts"], d["results"], d["locality"]) for d in deliveries}
    assert outcomes == {"Answering": ("complete", 1, ["answered"], LOCALITY),
                        "Leaving": ("incomplete", 1, ["answered"], LOCALITY),
                        "Away": ("no_answer", ATTEMPTS, ["no_answer"] * ATTEMPTS, LOCALITY)}, dialler.log()[-3000:]
    assert surveys.progress(deliveries) == {"called": 3, "answered": 2, "complete": 1, "incomplete": 1, "failed": 1,
                                            "pending": 0, "stopped": 0}
    (group,) = results(config, survey_id)
    assert (group["locality"], group["responses"], group["incomplete"]) == (LOCALITY, 2, 1)
    assert group["channels"] == {"inbound": 0, "outbound": 2}
    assert [q["counts"] for q in group["questions"]] == [[1, 1], [0, 1, 0], [0, 1]]
    for number in (ANSWERING, LEAVING, AWAY):
        assert number not in dialler.log(), "numbers never reach the dialler's log"
