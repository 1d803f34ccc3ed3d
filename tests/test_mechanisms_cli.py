"""`sauti committees` and `sauti surveys` through click's runner: the CLI mirrors the console, audited as `cli`."""

from __future__ import annotations

from click.testing import CliRunner

from core import surveys
from core.committees import PinHasher
from sauti.cli import main


def invoke(config, *args, input=None):
    return CliRunner().invoke(main, ["--data", str(config.data_dir), *args], input=input)


def test_committees_are_added_listed_repinned_moved_and_removed_without_a_pin_ever_shown(config, fresh_db):
    added = invoke(config, "committees", "add", "CLP Eringeti", "4021", input="471100\n471100\n")
    assert added.exit_code == 0, added.output
    assert "4711" not in added.output
    (committee,) = fresh_db.committees()
    assert fresh_db.committee_by_pin(PinHasher.from_config(config).hash("471100"))["id"] == committee["id"]
    assert invoke(config, "committees", "add", "CLP Beni", "4022", input="471100\n471100\n").exit_code != 0, "PIN taken"
    assert invoke(config, "committees", "add", "CLP Beni", "4022", input="12\n12\n").exit_code != 0, "PIN rule"
    assert invoke(config, "committees", "add", "CLP Beni", "4022", input="555500\n555600\n555500\n555500\n").exit_code == 0
    listing = invoke(config, "committees", "list").output
    assert "CLP Eringeti" in listing and "2 committees" in listing and "4711" not in listing
    repinned = invoke(config, "committees", "set-pin", str(committee["id"]), input="864200\n864200\n")
    assert repinned.exit_code == 0 and "8642" not in repinned.output
    assert fresh_db.committee_by_pin(PinHasher.from_config(config).hash("471100")) is None
    assert invoke(config, "committees", "move", str(committee["id"]), "4030").exit_code == 0
    assert fresh_db.committee(committee["id"])["locality"] == "4030"
    assert invoke(config, "committees", "remove", str(committee["id"])).exit_code == 0
    assert invoke(config, "committees", "remove", str(committee["id"])).exit_code != 0
    trail = [(e["actor"], e["action"]) for e in fresh_db.audit_entries("committee")]
    assert ("cli", "create") in trail and ("cli", "update") in trail and ("cli", "delete") in trail
    assert "471100" not in str(fresh_db.audit_entries("committee")) and "864200" not in str(fresh_db.audit_entries())


def test_a_survey_is_defined_started_and_read_from_the_command_line(config, fresh_db, tmp_path):
    assert invoke(config, "surveys", "add", "Perception CLI").exit_code == 0
    (survey,) = fresh_db.surveys()
    sid = str(survey["id"])
    for position, answers in ((1, 2), (2, 3)):
        result = invoke(config, "surveys", "question", sid, str(position), "--answers", str(answers),
                        "--sw", f"Swali {position}", "--ln", f"Motuna {position}", "--fr", f"Question {position}")
        assert result.exit_code == 0, result.output
    assert invoke(config, "surveys", "question", sid, "3", "--answers", "6", "--sw", "a", "--ln", "b",
                  "--fr", "c").exit_code != 0, "6 keys"
    refused = invoke(config, "surveys", "start", sid)
    assert refused.exit_code != 0 and "2 questions" in refused.output
    assert invoke(config, "surveys", "question", sid, "3", "--answers", "2", "--sw", "a", "--ln", "b",
                  "--fr", "c").exit_code == 0
    shown = invoke(config, "surveys", "show", sid).output
    assert "keys 1-3" in shown and "Motuna 2" in shown and "not ready" not in shown
    assert invoke(config, "surveys", "start", sid).exit_code == 0 and fresh_db.active_survey()["id"] == survey["id"]
    assert "on the line" in invoke(config, "surveys", "list").output
    questions = fresh_db.survey_questions(survey["id"])
    for locality, keys, done in (("4021", (1, 3, 2), True), ("4021", (2,), False)):
        response = fresh_db.start_survey_response(survey["id"], locality, "2026-11-26")
        for question, key in zip(questions, keys):
            fresh_db.record_survey_answer(response, question["id"], key)
        if done:
            fresh_db.finish_survey_response(response)
    printed = invoke(config, "surveys", "results", sid, "--period", "month").output
    assert "4021  2026-11  2 responses, 1 incomplete" in printed and "1: 1 (50%)  2: 1 (50%)" in printed
    out = tmp_path / "r.csv"
    assert invoke(config, "surveys", "results", sid, "--period", "month", "--csv", "--out", str(out)).exit_code == 0
    assert out.read_text().splitlines()[0] == ",".join(surveys.CSV_COLUMNS)
    assert invoke(config, "surveys", "stop", sid).exit_code == 0 and fresh_db.active_survey() is None
    trail = [(e["actor"], e["action"]) for e in fresh_db.audit_entries("survey")]
    assert trail.count(("cli", "status")) == 2 and ("cli", "create") in trail
    assert invoke(config, "surveys", "show", "999").exit_code != 0


def test_every_command_has_help():
    runner = CliRunner()
    for group, names in (("committees", ("list", "add", "set-pin", "move", "remove")),
                         ("surveys", ("list", "show", "add", "question", "start", "stop", "results"))):
        for name in names:
            result = runner.invoke(main, [group, name, "--help"])
            assert result.exit_code == 0 and len(result.output) > 80, (group, name, result.output)
