"""No CSV Sauti writes can make a spreadsheet run a formula: every text cell starting with =, +, -, @, a
tab or a carriage return gets a leading quote (numbers stay numbers), in every console route and CLI
command that writes one, and the gazetteer and directory imports take that quote off again."""

from __future__ import annotations

import csv
import io

import pytest
from click.testing import CliRunner

from core import directory, gazetteer, response_times, surveys
from core.csv_tables import exported_cell, read_table, write_table
from core.gazetteer import Locality
from sauti.cli import main
from tests.fixtures.web import login, make_alert, post

HOSTILE = ("=HYPERLINK(\"http://x.example\",\"click\")", "+1+1", "-2+3", "@SUM(A1)", "'=already quoted")
TRANSCRIPT = "=cmd|' /C calc'!A0 watu wenye bunduki"


def cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def assert_neutralised(text: str, *hostile: str) -> None:
    found = cells(text)
    for value in hostile:
        assert "'" + value in found, (value, text)
        assert value not in found, (value, text)
    assert not [c for c in found if c[:1] in ("=", "+", "@", "\t", "\r") or (c[:1] == "-" and not _number(c))], found


def _number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


@pytest.mark.parametrize("value", ["=1+1", "+1+1", "+ 1", "-x", "@x", "\tx", "\r=x", "'=x", "''+x"])
def test_formula_like_text_gets_one_quote(value):
    assert exported_cell(value) == "'" + value


@pytest.mark.parametrize("value", [-1.68, -3, 0, 29.3, "-1.68", "+243", "1e5", "-.5", "", "x=1", "'plain", "Beni"])
def test_numbers_and_plain_text_stay_as_they_are(value):
    assert exported_cell(value) == value


def test_any_table_comes_back_identical():
    rows = [{"a": value, "b": str(n)} for n, value in enumerate(HOSTILE + ("\tx", "\rx", "a\rb", "a\r\nb", "''-x",
                                                                             "'x", "-1.5"))]
    text = write_table(("a", "b"), rows)
    assert text.count("\n") == len(rows) + 2 and text.endswith("\n"), "one line a row, plus the header and a cell's"
    assert read_table(text, ("a",), lambda row, line: row, key=lambda row: row["b"], missing_columns=ValueError,
                      repeated=lambda row, line: ValueError()) == rows


def hostile_gazetteer() -> list[Locality]:
    return [Locality(str(n), name, territory="@Beni", province="-Ituri", latitude=-1.68, longitude=29.3 - n)
            for n, name in enumerate(HOSTILE, start=1)]


def test_gazetteer_round_trip_with_hostile_names_and_negative_coordinates():
    localities = hostile_gazetteer()
    text = gazetteer.write_csv(localities)
    assert_neutralised(text, *HOSTILE, "@Beni", "-Ituri")
    assert "-1.68" in cells(text), "a negative latitude stays a number"
    assert gazetteer.read_csv(text) == localities


def test_console_and_cli_gazetteer_exports_neutralise_and_import_back(client, fresh_db, config, tmp_path):
    fresh_db.import_localities(hostile_gazetteer(), "ada")
    login(client, "ada")
    exported = client.get("/admin/localities/localities.csv")
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    assert_neutralised(exported.text, *HOSTILE)
    upload = {"file": (io.BytesIO(exported.text.encode()), "l.csv"), "replace": "1"}
    assert post(client, "/admin/localities/import", upload, content_type="multipart/form-data").status_code == 302
    assert fresh_db.localities() == hostile_gazetteer(), "the console's export imports back identical"
    out = tmp_path / "l.csv"
    data = ["--data", str(config.data_dir)]
    assert CliRunner().invoke(main, [*data, "gazetteer", "export", "--out", str(out)]).exit_code == 0
    assert out.read_text() == exported.text
    result = CliRunner().invoke(main, [*data, "gazetteer", "import", "--replace", str(out)])
    assert result.exit_code == 0, result.output
    assert fresh_db.localities() == hostile_gazetteer()


def test_directory_exports_neutralise_and_import_back(client, fresh_db, config, tmp_path):
    rows = "".join(f'responder,"{name.replace(chr(34), chr(34) * 2)}",1101,fr,{n},+243 970 000 1{n:02d}\n'
                   for n, name in enumerate(HOSTILE, start=1))
    source = tmp_path / "d.csv"
    source.write_text("kind,name,localities,language,order,number\n" + rows)
    data = ["--data", str(config.data_dir)]
    assert CliRunner().invoke(main, [*data, "directory", "import", str(source)]).exit_code == 0
    names = sorted(e.name for e in fresh_db.directory())
    # A hand-made file's quote before a formula is the export's: taken off like it.
    assert names == sorted(HOSTILE[:-1] + ("=already quoted",))
    out = tmp_path / "out.csv"
    assert CliRunner().invoke(main, [*data, "directory", "export", "--out", str(out)]).exit_code == 0
    assert_neutralised(out.read_text(), *HOSTILE[:-1], "=already quoted")
    login(client, "ada")
    exported = client.get("/admin/directory/directory.csv")
    assert exported.status_code == 200 and exported.text == out.read_text()
    upload = {"file": (io.BytesIO(exported.text.encode()), "d.csv")}
    assert post(client, "/admin/directory/import", upload, content_type="multipart/form-data").status_code == 302
    assert sorted(e.name for e in fresh_db.directory()) == names, "imported back: the same names, none added"
    assert [e.name for e in directory.read_csv(exported.text)] == [e.name for e in fresh_db.directory()]


def test_survey_results_csv_in_the_console_and_the_cli(client, fresh_db, config):
    survey_id = fresh_db.create_survey(HOSTILE[0], "test")
    for position in (1, 2, 3):
        fresh_db.save_survey_question(survey_id, position, 2, {l: "q" for l in surveys.LANGUAGES}, "test")
    question = fresh_db.survey_questions(survey_id)[0]
    fresh_db.record_survey_answer(fresh_db.start_survey_response(survey_id, "4021", "2026-11-26"), question["id"], 1)
    login(client, "sam")
    response = client.get(f"/surveys/{survey_id}/results.csv?period=month")
    assert response.status_code == 200
    assert_neutralised(response.text, HOSTILE[0])
    result = CliRunner().invoke(main, ["--data", str(config.data_dir), "surveys", "results", str(survey_id),
                                       "--period", "month", "--csv"])
    assert result.exit_code == 0, result.output
    assert result.output == response.text


def test_response_times_csv_quotes_a_hostile_group_and_keeps_numbers():
    text = response_times.write_csv([response_times.Figure("locality", HOSTILE[2], "received→listened", 3, -1.5, 2.0)])
    assert_neutralised(text, HOSTILE[2])
    assert "-1.5" in cells(text)


def test_alert_csvs_of_the_console_and_the_cli(client, fresh_db, config):
    fresh_db.import_localities(hostile_gazetteer(), "ada")
    alert = make_alert(fresh_db, config, text=TRANSCRIPT, locality="1")
    fresh_db.set_status(alert["id"], "verified", "vera")
    data = ["--data", str(config.data_dir)]
    listed = CliRunner().invoke(main, [*data, "alerts", "list", "--status", "verified", "--csv"])
    assert listed.exit_code == 0, listed.output
    assert_neutralised(listed.output, TRANSCRIPT)
    hxl = CliRunner().invoke(main, [*data, "export", "hxl"])
    assert hxl.exit_code == 0, hxl.output
    assert_neutralised(hxl.output, TRANSCRIPT, HOSTILE[0], "@Beni", "-Ituri")
    assert "-1.68" in cells(hxl.output)
    login(client, "sam")
    response = client.get("/exports/hxl")
    assert response.status_code == 200 and response.text == hxl.output


def test_every_csv_is_written_through_the_one_writer():
    """A CSV written with the csv module directly would skip the quoting: only core/csv_tables.py may."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    sources = [path for package in ("core", "web", "sauti", "ivr", "asr", "dialler", "pbx", "phone")
               for path in (root / package).rglob("*.py")]
    direct = {str(path.relative_to(root)) for path in sources
              if re.search(r"\bcsv\.(writer|DictWriter)\(", path.read_text(encoding="utf-8"))}
    assert direct == {"core/csv_tables.py"}
