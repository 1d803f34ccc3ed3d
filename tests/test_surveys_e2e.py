"""Perception surveys through the real Asterisk: one caller answers every question with keys,
another hangs up halfway; the aggregates are exactly those answers."""

from __future__ import annotations

import pytest

from core import surveys
from core.dialplan import EXTEN_SURVEY
from core.store import Store
from tests.fixtures.asterisk import wait_for

pytestmark = pytest.mark.asterisk


def test_one_answered_and_one_abandoned_survey_leave_exactly_the_expected_aggregates(asterisk, ivr_running):
    config = asterisk.config
    with Store.open(config.db_path) as store:
        survey_id = store.create_survey(f"E2E perception {store.conn.execute('SELECT count(*) FROM surveys').fetchone()[0]}",
                                        "test")
        words = ["Vous sentez-vous en sécurité ? Oui un, non deux.",
                 "La situation a-t-elle changé ? Mieux un, pareil deux, pire trois.",
                 "Connaissez-vous le numéro vert ? Oui un, non deux."]
        for position, (answers, text) in enumerate(zip((2, 3, 2), words), start=1):
            store.save_survey_question(survey_id, position, answers, {lang: text for lang in surveys.LANGUAGES}, "test")
        for question in store.survey_questions(survey_id):
            surveys.synthesise_words(config, survey_id, question["id"], "fr", question["words"]["fr"])
        store.set_survey_active(survey_id, True, "test")
        known = store.localities()
    locality = known[0].code if known else "4021"
    opening = f"wait 1; dtmf 3; wait silence; dtmf {locality}#; wait silence"
    answered = asterisk.call(EXTEN_SURVEY, "test-phone-4",
                             f"{opening}; dtmf 1; wait silence; dtmf 2; wait silence; dtmf 2; listen 10; hangup",
                             timeout=120)
    assert answered.ok, (answered.events, ivr_running.log()[-3000:])
    left = asterisk.call(EXTEN_SURVEY, "test-phone-4", f"{opening}; dtmf 2; wait silence; hangup", timeout=120)
    assert left.ok, (left.events, ivr_running.log()[-3000:])

    def results():
        with Store.open(config.db_path) as store:
            return surveys.aggregate(*store.survey_answers(survey_id), "month")

    (group,) = wait_for(lambda: (found := results()) and found[0]["responses"] == 2 and found, 20, "two responses")
    assert group["locality"] == locality and (group["responses"], group["incomplete"]) == (2, 1)
    assert [q["counts"] for q in group["questions"]] == [[1, 1], [0, 1, 0], [0, 1]]
    with Store.open(config.db_path) as store:
        store.set_survey_active(survey_id, False, "test")
