"""Perception surveys: the survey line against a scripted call, the aggregates, the console."""

from __future__ import annotations

import io

import pytest

from core import surveys
from ivr.agi import HangupError
from ivr.flows.survey import survey
from tests.fixtures.ivr import FakeCall
from tests.fixtures.web import login, post, write_tone

QUESTIONS = [(1, 2), (2, 3), (3, 2)]  # (position, keys)


def define(store, config, audio=True) -> tuple[int, list[dict]]:
    survey_id = store.create_survey("Perception T4", "test")
    for position, answers in QUESTIONS:
        store.save_survey_question(survey_id, position, answers, {l: f"q{position}" for l in surveys.LANGUAGES}, "test")
    questions = store.survey_questions(survey_id)
    if audio:
        for q in questions:
            for lang in surveys.LANGUAGES:
                write_tone(surveys.prompt_path(config, survey_id, lang, q["id"]), seconds=1.0)
    store.set_survey_active(survey_id, True, "test")
    return survey_id, questions


class Abandoning(FakeCall):
    """A caller who hangs up at the first moment the line waits for a key they have no answer for."""

    async def wait_for_digit(self, timeout_ms: int) -> str:
        key = await super().wait_for_digit(timeout_ms)
        if not key:
            self.hung_up = True
            raise HangupError("caller left the survey")
        return key


def run(line, call):
    import asyncio

    try:
        asyncio.run(survey(call, line))
    except HangupError:
        pass
    return call


def test_one_survey_answered_and_one_abandoned_leave_exactly_the_expected_aggregates(line, config):
    survey_id, questions = line.db.run(lambda s: define(s, config))
    ids = [q["id"] for q in questions]
    done = run(line, FakeCall(keys={"language_menu": ["3"], "getdata:enter_locality": [""],
                                    f"q{ids[0]}": ["1"], f"q{ids[1]}": ["2"], f"q{ids[2]}": ["2"]}))
    assert done.prompts_in("fr")[-2:] == ["survey_thanks", "goodbye"]
    run(line, Abandoning(keys={"language_menu": ["2"], "getdata:enter_locality": [""], f"q{ids[0]}": ["2"]}))
    (group,) = surveys.aggregate(*line.db.run(lambda s: s.survey_answers(survey_id)), "month")
    assert (group["responses"], group["incomplete"]) == (2, 1)
    assert [q["counts"] for q in group["questions"]] == [[1, 1], [0, 1, 0], [0, 1]]
    assert [q["shares"] for q in group["questions"]] == [[0.5, 0.5], [0.0, 1.0, 0.0], [0.0, 1.0]]
    columns = line.db.run(lambda s: s.conn.execute("SELECT * FROM survey_responses").fetchone().keys())
    assert set(columns) == {"id", "survey_id", "locality", "day", "complete", "channel"}, "nothing about the caller"


def test_a_wrong_key_is_asked_again_and_no_active_survey_says_so(line, config):
    call = run(line, FakeCall(keys={"language_menu": ["3"]}))
    assert call.prompts_in("fr")[-1] == "survey_none"
    survey_id, questions = line.db.run(lambda s: define(s, config))
    first = questions[0]["id"]
    call = run(line, FakeCall(keys={"language_menu": ["3"], "getdata:enter_locality": [""], "wait": ["7", "1"]}))
    assert call.prompts_in("fr").count("invalid_choice") == 1
    responses, answers = line.db.run(lambda s: s.survey_answers(survey_id))
    assert [(a["position"], a["answer"]) for a in answers][0] == (1, 1) and first


def test_aggregates_split_by_locality_and_period():
    responses = [{"id": 1, "locality": "4021", "day": "2026-11-02", "complete": 1, "channel": "inbound"},
                 {"id": 2, "locality": "4021", "day": "2026-11-16", "complete": 1, "channel": "outbound"},
                 {"id": 3, "locality": "4022", "day": "2026-11-02", "complete": 0, "channel": "inbound"}]
    answers = [{"response_id": r, "position": 1, "answers": 2, "answer": a} for r, a in ((1, 1), (2, 2), (3, 2))]
    weeks = surveys.aggregate(responses, answers, "week")
    assert [(g["locality"], g["period"]) for g in weeks] == [("4021", "2026-W45"), ("4021", "2026-W47"),
                                                              ("4022", "2026-W45")]
    months = surveys.aggregate(responses, answers, "month")
    assert [(g["locality"], g["questions"][0]["counts"]) for g in months] == [("4021", [1, 1]), ("4022", [0, 1])]
    assert surveys.to_csv("S", months).splitlines()[1] == "S,4021,2026-11,2,0,1,1,1,1,1,0.500"


@pytest.mark.usefixtures("app")
def test_an_admin_defines_a_survey_and_a_supervisor_reads_its_results(client, fresh_db, config):
    login(client, "ada")
    response = post(client, "/surveys", {"name": "Perception"})
    survey_id = int(response.headers["Location"].rstrip("/").split("/")[-2])
    for position in (1, 2):
        form = {"position": position, "answers": 3, **{f"words_{l}": f"Question {position}" for l in surveys.LANGUAGES}}
        assert post(client, f"/surveys/{survey_id}/questions", form).status_code == 302
    assert post(client, f"/surveys/{survey_id}/active", {"active": "1"}).status_code == 400, "2 questions"
    form = {"position": 3, "answers": 6, **{f"words_{l}": "x" for l in surveys.LANGUAGES}}
    assert post(client, f"/surveys/{survey_id}/questions", form).status_code == 400, "6 keys"
    form["answers"] = 2
    assert post(client, f"/surveys/{survey_id}/questions", form).status_code == 302
    questions = fresh_db.survey_questions(survey_id)
    assert all(surveys.prompt_path(config, survey_id, l, q["id"]).exists() for q in questions
               for l in surveys.LANGUAGES), "synthesised"
    tone = write_tone(config.data_dir / "person.wav", seconds=2.0)
    upload = post(client, f"/surveys/{survey_id}/questions/{questions[0]['id']}/ln",
                  {"file": (io.BytesIO(tone), "person.wav")}, content_type="multipart/form-data")
    assert upload.status_code == 302
    refused = post(client, f"/surveys/{survey_id}/questions/{questions[0]['id']}/sw",
                   {"file": (io.BytesIO(b"not audio at all"), "person.wav")}, content_type="multipart/form-data")
    assert refused.status_code == 400 and "Enregistrement refusé" in refused.text, refused.text
    assert "ffmpeg" not in refused.text and "PCM" not in refused.text
    assert post(client, f"/surveys/{survey_id}/active", {"active": "1"}).status_code == 302
    assert fresh_db.active_survey()["id"] == survey_id
    response_id = fresh_db.start_survey_response(survey_id, "4021", "2026-11-26")
    fresh_db.record_survey_answer(response_id, questions[0]["id"], 3)
    login(client, "sam")
    page = client.get(f"/surveys/{survey_id}/results?period=month").data.decode()
    assert "2026-11" in page and "<svg" in page and 'data-key="3"' in page
    csv_text = client.get(f"/surveys/{survey_id}/results.csv?period=month").data.decode()
    assert "Perception,4021,2026-11,1,1,1,0,1,3,1,1.000" in csv_text
    assert client.get(f"/surveys/{survey_id}/edit").status_code == 403


def test_a_survey_question_is_recorded_by_phone_on_the_prompt_line(tmp_path, ffmpeg):
    import asyncio

    from ivr.flows.prompt_record import prompt_record
    from ivr.line import Line
    from tests.fixtures.core import make_data_dir
    from tests.fixtures.ivr import tone

    config = make_data_dir(tmp_path / "data", {"prompts": {"pin": "4321"}})
    line = Line.open(config)
    try:
        survey_id, questions = line.db.run(lambda s: define(s, config))
        target = surveys.prompt_path(config, survey_id, "ln", questions[1]["id"])
        before = target.read_bytes()
        call = FakeCall(keys={"getdata:prompt_pin": ["4321"], "ln/language_menu": ["2"],
                              "getdata:prompt_choose": ["902", ""], "getdata:prompt_keep_or_retry": ["1"]},
                        recordings=[tone(2.0, 500)])
        asyncio.run(prompt_record(call, line))
        assert ("ln", f"q{questions[1]['id']}") in call.played, "the current audio first"
        assert target.read_bytes() != before and ("fr", "prompt_saved") in call.played
        (entry,) = [e for e in line.db.run(lambda s: s.audit_entries("survey")) if e["action"] == "record"]
        assert entry["after"] == {"question": 2, "lang": "ln"}
    finally:
        line.close()
