"""Input nobody tuned the mechanisms to, from the command line and the console's uploads.

- `sauti committees` and `sauti surveys` with unknown ids, bad PINs, names taken, too few
  or too many questions and keys, missing prompts, no responses: a clear refusal and a
  non-zero exit, never a traceback.
- Gazetteer and directory CSV files with control characters (NUL, escape...): refused,
  naming the row and the column, from the CLI and the console's upload, nothing imported.
"""

from __future__ import annotations

import pytest

from core import directory, gazetteer, surveys
from core.csv_tables import RowError
from tests.fixtures.web import login, post, post_file, write_tone

WORDS = {"sw": "Swali", "ln": "Motuna", "fr": "Question"}


def refused(result, *words: str) -> None:
    """A refusal the user can read: a non-zero exit, the words, no traceback."""
    assert result.exit_code != 0, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    for word in words:
        assert word in result.output, result.output


def passed(result) -> str:
    assert result.exit_code == 0 and result.exception is None, (result.output, result.exception)
    return result.output


# -- CSV with control characters ------------------------------------------------------------------

CONTROLLED = [
    ("gazetteer", "code,name\n4021,Beni\n4022,Oi\x00cha\n", 3, "name", "U+0000"),
    ("gazetteer", "code,name,territory\n4021,Beni,Be\x1bni\n", 2, "territory", "U+001B"),
    ("directory", "kind,name,localities,number\nresponder,Po\x07lice,4021,+243970001111\n", 2, "name", "U+0007"),
    ("directory", "kind,name,localities,number\nresponder,Police,4021,+243970001111\x7f\n", 2, "number", "U+007F"),
]


@pytest.mark.parametrize("table, text, line, column, char", CONTROLLED)
def test_core_refuses_a_control_character_naming_the_row_and_the_column(table, text, line, column, char):
    read_csv = {"gazetteer": gazetteer.read_csv, "directory": directory.read_csv}[table]
    with pytest.raises(RowError) as refusal:
        read_csv(text)
    assert (refusal.value.reason, refusal.value.line) == ("control", line)
    assert str(refusal.value) == f"line {line}: {column} holds a control character ({char})"


def test_tabs_and_line_breaks_in_a_quoted_cell_are_still_spaces():
    (locality,) = gazetteer.read_csv('code,name\n4021,"Beni\tville\r\nnord"\n')
    assert locality.name == "Beni ville nord"


@pytest.mark.parametrize("table, text, line, column, char", CONTROLLED)
def test_the_cli_refuses_the_file_and_imports_nothing(runner, fresh_db, tmp_path, table, text, line, column, char):
    path = tmp_path / "table.csv"
    path.write_text(text, encoding="utf-8")
    refused(runner.invoke(table, "import", str(path)), f"line {line}: {column} holds a control character ({char})")
    assert fresh_db.localities() == [] and fresh_db.directory() == []


@pytest.mark.parametrize("table, text, line, column, char", CONTROLLED)
def test_the_console_refuses_the_upload_in_french_and_imports_nothing(client, fresh_db, table, text, line, column,
                                                                      char):
    page = {"gazetteer": "/admin/localities", "directory": "/admin/directory"}[table]
    login(client, "ada")
    before = len(fresh_db.audit_entries())
    response = post_file(client, f"{page}/import", text.encode())
    assert response.status_code == 400
    assert f"ligne {line} : la colonne « {column} » contient un caractère de contrôle ({char})" in response.text
    assert fresh_db.localities() == [] and fresh_db.directory() == []
    assert len(fresh_db.audit_entries()) == before


# -- sauti committees -------------------------------------------------------------------------------

@pytest.mark.parametrize("command", [("set-pin", "99"), ("move", "99", "4021"), ("remove", "99")])
def test_committees_refuse_an_unknown_id(runner, fresh_db, command):
    refused(runner.invoke("committees", *command, input="246800\n246800\n"), "no committee has the id 99")


@pytest.mark.parametrize("pin", ["123", "4711", "12345", "123456789", "12a456", "12#456", "12*456", "١٢٣٤٥٦", "      "])
def test_committees_refuse_a_new_pin_that_is_not_6_to_8_digits(runner, fresh_db, pin):
    refused(runner.invoke("committees", "add", "CLP Beni", "4021", input=f"{pin}\n{pin}\n"), "6 to 8 digits")
    assert fresh_db.committees() == []


def test_committees_refuse_a_name_or_a_pin_already_taken(runner, fresh_db):
    passed(runner.invoke("committees", "add", "CLP Beni", "4021", input="246800\n246800\n"))
    refused(runner.invoke("committees", "add", "CLP  Beni ", "4022", input="135700\n135700\n"),
            "a committee is already named 'CLP Beni'")
    refused(runner.invoke("committees", "add", "CLP Oicha", "4022", input="246800\n246800\n"), "another committee has this PIN")
    assert [(c["name"], c["locality"]) for c in fresh_db.committees()] == [("CLP Beni", "4021")]


@pytest.mark.parametrize("locality", ["40\x0021", "40\x1b21", " "])
def test_committees_refuse_a_locality_with_control_characters(runner, fresh_db, locality):
    refused(runner.invoke("committees", "add", "CLP Beni", locality, input="246800\n246800\n"), "locality")
    assert fresh_db.committees() == []
    passed(runner.invoke("committees", "add", "CLP Beni", "4021", input="246800\n246800\n"))
    refused(runner.invoke("committees", "move", str(fresh_db.committees()[0]["id"]), locality), "locality")
    assert fresh_db.committees()[0]["locality"] == "4021"


# -- sauti surveys ----------------------------------------------------------------------------------

@pytest.mark.parametrize("command", [
    ("show", "99"), ("start", "99"), ("stop", "99"), ("results", "99"), ("results", "99", "--csv"),
    ("call", "99", "--all"), ("runs", "99"), ("progress", "99"), ("cancel", "99"),
    ("question", "99", "1", "--answers", "2", "--sw", "a", "--ln", "b", "--fr", "c"),
])
def test_surveys_refuse_an_unknown_id(runner, fresh_db, command):
    refused(runner.invoke("surveys", *command), "has the id 99")


def test_surveys_refuse_a_name_taken_empty_or_with_control_characters(runner, fresh_db):
    passed(runner.invoke("surveys", "add", "Sécurité"))
    refused(runner.invoke("surveys", "add", "  Sécurité "), "already named 'Sécurité'")
    refused(runner.invoke("surveys", "add", "   "), "a name is 1 to 80")
    refused(runner.invoke("surveys", "add", "x" * 81), "a name is 1 to 80")
    refused(runner.invoke("surveys", "add", "Sé\x00curité 2"), "a name is 1 to 80")
    assert [s["name"] for s in fresh_db.surveys()] == ["Sécurité"]


def question(survey_id: int, position, answers, **words) -> tuple:
    words = {**WORDS, **words}
    return ("surveys", "question", str(survey_id), str(position), "--answers", str(answers),
            *(part for lang in surveys.LANGUAGES for part in (f"--{lang}", words[lang])))


def with_audio(config, store, survey_id: int, position: int, answers: int) -> None:
    """A question as `surveys question` leaves it (words and their audio), without espeak's time."""
    question_id = store.save_survey_question(survey_id, position, answers, WORDS, "test")
    for lang in surveys.LANGUAGES:
        write_tone(surveys.prompt_path(config, survey_id, lang, question_id), seconds=0.5)


@pytest.mark.parametrize("position, answers", [(0, 2), (9, 2), (1, 1), (1, 6), (1, 0), (1, -3)])
def test_a_question_outside_1_to_8_or_2_to_5_keys_is_refused(runner, fresh_db, position, answers):
    survey_id = fresh_db.create_survey("Sécurité", "test")
    refused(runner.invoke(*question(survey_id, position, answers)), "position 1 to 8, 2 to 5 answers")
    assert fresh_db.survey_questions(survey_id) == []


@pytest.mark.parametrize("lang", surveys.LANGUAGES)
def test_a_question_without_words_or_with_control_characters_is_refused(runner, fresh_db, lang):
    survey_id = fresh_db.create_survey("Sécurité", "test")
    for words in ("  ", "Swa\x07li"):
        refused(runner.invoke(*question(survey_id, 1, 2, **{lang: words})), "words in every language")
    assert fresh_db.survey_questions(survey_id) == []


@pytest.mark.parametrize("answers", [2, 5])
def test_two_and_five_keys_are_taken(runner, fresh_db, answers):
    survey_id = fresh_db.create_survey("Sécurité", "test")
    passed(runner.invoke(*question(survey_id, 1, answers)))
    assert [q["answers"] for q in fresh_db.survey_questions(survey_id)] == [answers]


def test_a_survey_starts_with_3_to_8_questions_and_every_prompt(runner, fresh_db, config):
    survey_id = fresh_db.create_survey("Sécurité", "test")
    for position in (1, 2):
        with_audio(config, fresh_db, survey_id, position, 2)
    refused(runner.invoke("surveys", "start", str(survey_id)), "not ready: 2 questions: a survey has 3 to 8")
    with_audio(config, fresh_db, survey_id, 3, 5)
    (third,) = [q for q in fresh_db.survey_questions(survey_id) if q["position"] == 3]
    surveys.prompt_path(config, survey_id, "ln", third["id"]).unlink()
    refused(runner.invoke("surveys", "start", str(survey_id)), "not ready: question 3: no ln audio")
    refused(runner.invoke("surveys", "call", str(survey_id), "--all"), "not ready: question 3: no ln audio")
    assert fresh_db.active_survey() is None
    with_audio(config, fresh_db, survey_id, 3, 5)
    passed(runner.invoke("surveys", "start", str(survey_id)))
    for position in range(4, 9):
        with_audio(config, fresh_db, survey_id, position, 3)
    passed(runner.invoke("surveys", "start", str(survey_id)))
    assert fresh_db.active_survey()["id"] == survey_id
    refused(runner.invoke(*question(survey_id, 9, 2)), "position 1 to 8")
    assert len(fresh_db.survey_questions(survey_id)) == 8


def test_results_of_a_survey_nobody_answered(runner, fresh_db):
    survey_id = fresh_db.create_survey("Sécurité", "test")
    assert passed(runner.invoke("surveys", "results", str(survey_id))) == "no responses yet\n"
    assert passed(runner.invoke("surveys", "results", str(survey_id), "--csv")).splitlines() == [
        ",".join(surveys.CSV_COLUMNS)]


@pytest.mark.parametrize("localities", [("--locality", "abc"), ("--locality", "1234567"), ("--all", "--locality", "1"),
                                        ()])
def test_a_call_to_no_valid_locality_is_refused(runner, fresh_db, localities):
    survey_id = fresh_db.create_survey("Sécurité", "test")
    refused(runner.invoke("surveys", "call", str(survey_id), *localities))
    assert fresh_db.survey_runs() == []


def answered(config, store) -> tuple[int, dict]:
    """A survey whose first question (three keys) was answered with its third key."""
    survey_id = store.create_survey("Sécurité", "test")
    for position in (1, 2, 3):
        with_audio(config, store, survey_id, position, 3)
    first = store.survey_questions(survey_id)[0]
    store.record_survey_answer(store.start_survey_response(survey_id, "4021", "2026-11-26"), first["id"], 3)
    return survey_id, first


def counts(store, survey_id: int) -> list[list[int]]:
    (group,) = surveys.aggregate(*store.survey_answers(survey_id), "month")
    return [q["counts"] for q in group["questions"]]


def test_an_answered_question_keeps_its_keys_from_the_cli(runner, fresh_db, config):
    survey_id, first = answered(config, fresh_db)
    refused(runner.invoke(*question(survey_id, 1, 2)), "question 1 has answers: it keeps its 3 keys")
    refused(runner.invoke(*question(survey_id, 1, 4)), "question 1 has answers: it keeps its 3 keys")
    assert counts(fresh_db, survey_id) == [[0, 0, 1]], "the answer still counts"
    passed(runner.invoke(*question(survey_id, 1, 3)))   # its words may change (here: the same)
    passed(runner.invoke(*question(survey_id, 2, 5)))   # a question nobody answered may change its keys
    assert [q["answers"] for q in fresh_db.survey_questions(survey_id)] == [3, 5, 3]


def test_an_answered_question_keeps_its_keys_in_the_console(client, fresh_db, config):
    survey_id, first = answered(config, fresh_db)
    login(client, "ada")
    form = {"position": "1", "answers": "2", **{f"words_{lang}": WORDS[lang] for lang in surveys.LANGUAGES}}
    response = post(client, f"/surveys/{survey_id}/questions", form)
    assert response.status_code == 409
    assert "La question 1 a des réponses : elle garde ses 3 touches. Ses mots peuvent changer" in response.text
    assert counts(fresh_db, survey_id) == [[0, 0, 1]]


def test_a_committee_locality_outside_the_gazetteer_is_refused_once_there_is_one(runner, client, fresh_db):
    """Its reports line up with the alerts of their locality only if it is a code callers key."""
    passed(runner.invoke("committees", "add", "CLP Beni", "Beni", input="246800\n246800\n"))   # no gazetteer yet
    fresh_db.import_localities(gazetteer.read_csv("code,name\n4021,Beni\n"), actor="test")
    refused(runner.invoke("committees", "add", "CLP Oicha", "4201"),   # said before the PIN is asked
            "4201 is not in the gazetteer (see `sauti gazetteer list`)")
    committee_id = str(fresh_db.committees()[0]["id"])
    refused(runner.invoke("committees", "move", committee_id, "4201"), "4201 is not in the gazetteer")
    login(client, "ada")
    response = post(client, "/admin/committees", {"name": "CLP Oicha", "locality": "4201", "pin": "135700"})
    assert response.status_code == 400 and "La localité 4201 n&#39;est pas dans la liste des localités" in response.text
    assert [c["name"] for c in fresh_db.committees()] == ["CLP Beni"]
    passed(runner.invoke("committees", "move", committee_id, "4021"))
    assert post(client, "/admin/committees", {"name": "CLP Oicha", "locality": "4021", "pin": "135700"}).status_code == 302


def test_names_differing_only_in_case_or_spaces_are_taken(runner, client, fresh_db):
    passed(runner.invoke("committees", "add", "CLP Beni", "4021", input="246800\n246800\n"))
    refused(runner.invoke("committees", "add", "clp  BENI", "4021"), "a committee is already named 'CLP Beni'")
    passed(runner.invoke("surveys", "add", "Sécurité Beni"))
    refused(runner.invoke("surveys", "add", "SÉCURITÉ beni"), "a survey is already named 'Sécurité Beni'")
    login(client, "ada")
    response = post(client, "/admin/committees", {"name": "clp  beni", "locality": "4022", "pin": "135700"})
    assert response.status_code == 409 and "Un autre comité s&#39;appelle « CLP Beni »" in response.text
    assert post(client, "/surveys", {"name": "sécurité  BENI"}).status_code == 409
    assert [c["name"] for c in fresh_db.committees()] == ["CLP Beni"]
    assert [s["name"] for s in fresh_db.surveys()] == ["Sécurité Beni"]
    # The same name as stored changes that committee, as before.
    assert post(client, "/admin/committees", {"name": "CLP Beni", "locality": "4022", "pin": ""}).status_code == 302
    assert fresh_db.committees()[0]["locality"] == "4022"
