"""The directory: responders and focal points, numbers sealed, CSV in and out (file, CLI, console), audited."""

from __future__ import annotations

import io

import pytest
from click.testing import CliRunner

from core import directory
from core.directory import DirectoryError, NumberSeal
from sauti.cli import main
from tests.fixtures.web import login, post

CSV = ("kind,name,localities,language,order,channel,number\n"
       "responder,Base Beni,1101 1103,fr,1,both,+243 970 000 111\n"
       "responder,Officier Oicha,1103,sw,2,,0970000222\n"
       "focal_point,Relais Eringeti,1103,sw,1,SMS,0970000333\n")
NUMBERS = ("+243970000111", "0970000222", "0970000333")


@pytest.fixture
def seal(config):
    return NumberSeal.from_config(config)


def test_csv_parsing_and_refusals():
    entries = directory.read_csv(CSV)
    assert [(e.kind, e.name, e.localities, e.order, e.number_tail) for e in entries] == [
        ("responder", "Base Beni", ("1101", "1103"), 1, "11"), ("responder", "Officier Oicha", ("1103",), 2, "22"),
        ("focal_point", "Relais Eringeti", ("1103",), 1, "33")]
    assert entries[0].number == "+243970000111" and "970000111" not in repr(entries[0])
    assert [(e.channel, e.calls, e.texts) for e in entries] == [
        ("both", True, True), ("voice", True, False), ("sms", False, True)]
    for bad, words in (("name,localities\nX,1\n", "header"), ("kind,name,localities\nboss,X,1\n", "kind"),
                       ("kind,name,localities\nresponder,X,\n", "locality codes"),
                       ("kind,name,localities\nresponder,X,12a\n", "1 to 6 digits"),
                       ("kind,name,localities,number\nresponder,X,1,12345\n", "6 to 15 digits"),
                       ("kind,name,localities,order\nresponder,X,1,0\n", "order"),
                       ("kind,name,localities,language\nresponder,X,1,de\n", "language"),
                       ("kind,name,localities,channel\nresponder,X,1,fax\n", "channel"),
                       ("kind,name,localities\nresponder,X,1\nresponder,X,2\n", "twice")):
        with pytest.raises(DirectoryError, match=words):
            directory.read_csv(bad)


def test_numbers_are_sealed_bound_to_their_entry_and_kept_on_masked_import(fresh_db, seal, config):
    assert fresh_db.import_directory(directory.read_csv(CSV), seal.seal, "ada") == {"added": 3, "updated": 0}
    raw = (config.db_path.read_bytes() + b"".join(p.read_bytes() for p in config.db_path.parent.glob("*.db-wal")))
    assert not any(n.encode() in raw or n[-9:].encode() in raw for n in NUMBERS)
    beni, oicha = fresh_db.responders_for("1103")
    assert (beni.name, oicha.name) == ("Base Beni", "Officier Oicha") and fresh_db.responders_for("1101") == [beni]
    assert [e.name for e in fresh_db.focal_points_for(["1103", "9"])] == ["Relais Eringeti"]
    sealed, seal_id = fresh_db.sealed_number(oicha.id)
    assert seal.open(sealed, seal_id) == "0970000222"
    with pytest.raises(Exception):
        seal.open(sealed, fresh_db.sealed_number(beni.id)[1])   # a number copied onto another entry does not open
    exported = directory.write_csv(fresh_db.directory())
    assert "**22" in exported and "970000" not in exported
    assert "Base Beni,1101 1103,fr,1,both,**11" in exported and "Relais Eringeti,1103,sw,1,sms,**33" in exported
    changed = exported.replace("Officier Oicha,1103,sw,2,voice", "Officier Oicha,1103 1104,fr,3,sms")
    assert fresh_db.import_directory(directory.read_csv(changed), seal.seal, "ada") == {"added": 0, "updated": 3}
    oicha = fresh_db.responders_for("1104")[0]
    assert (oicha.language, oicha.order, oicha.channel) == ("fr", 3, "sms")
    assert fresh_db.audit_entries("directory")[0]["action"] == "import"
    assert seal.open(*fresh_db.sealed_number(oicha.id)) == "0970000222"   # masked number: the sealed one stays
    with pytest.raises(ValueError, match="needs a number"):
        fresh_db.import_directory(directory.read_csv("kind,name,localities\nresponder,New,1\n"), seal.seal, "ada")
    assert len(fresh_db.directory()) == 3


def test_cli_imports_lists_exports_and_removes(config, tmp_path):
    runner = CliRunner()
    data = ["--data", str(config.data_dir)]
    source = tmp_path / "d.csv"
    source.write_text(CSV)
    result = runner.invoke(main, [*data, "directory", "import", str(source)])
    assert result.exit_code == 0 and "3 added" in result.output, result.output
    listing = runner.invoke(main, [*data, "directory", "list"]).output
    assert "Base Beni" in listing and "**11" in listing and "970000" not in listing
    assert "both " in listing and "sms " in listing
    out = tmp_path / "out.csv"
    assert runner.invoke(main, [*data, "directory", "export", "--out", str(out)]).exit_code == 0
    assert [e.name for e in directory.read_csv(out.read_text())] == ["Base Beni", "Officier Oicha", "Relais Eringeti"]
    first = listing.split()[0]
    assert runner.invoke(main, [*data, "directory", "remove", first]).exit_code == 0
    assert "2 entries" in runner.invoke(main, [*data, "directory", "list"]).output
    assert runner.invoke(main, [*data, "directory", "remove", "999"]).exit_code != 0
    for command in ("list", "import", "export", "remove"):
        assert runner.invoke(main, ["directory", command, "--help"]).exit_code == 0


def test_admin_keeps_the_directory_in_the_console_and_never_sees_a_number(client, fresh_db, config):
    login(client, "sam")
    assert client.get("/admin/directory").status_code == 403
    post(client, "/logout")
    login(client, "ada")
    form = {"kind": "responder", "name": "Base Beni", "localities": "1101 1103", "language": "fr", "order": "1",
            "number": "+243 970 000 111"}
    assert post(client, "/admin/directory", form).status_code == 302
    page = client.get("/admin/directory").text
    assert "Base Beni" in page and "**11" in page and "970 000" not in page and "970000" not in page
    assert 'data-channel="voice"' in page and '<option value="both"' in page
    assert post(client, "/admin/directory", {**form, "channel": "both", "number": ""}).status_code == 302
    assert fresh_db.directory()[0].channel == "both"
    assert "SMS puis appel" in client.get("/admin/directory").text
    assert fresh_db.audit_entries("directory")[0]["after"]["channel"] == "both"
    refused = post(client, "/admin/directory", {**form, "channel": "pigeon"})
    assert refused.status_code == 400 and "pas « pigeon »" in refused.text
    refused = post(client, "/admin/directory", {**form, "name": "Bad", "number": "12"})
    assert refused.status_code == 400 and "Bad" in refused.text and "un numéro a 6 à 15 chiffres" in refused.text
    entry = fresh_db.directory()[0]
    assert post(client, "/admin/directory", {**form, "number": "", "order": "4"}).status_code == 302
    assert fresh_db.directory_entry(entry.id).order == 4 and fresh_db.directory_entry(entry.id).number_tail == "11"
    upload = {"file": (io.BytesIO(CSV.encode()), "d.csv")}
    assert post(client, "/admin/directory/import", upload, content_type="multipart/form-data").status_code == 302
    exported = client.get("/admin/directory/directory.csv")
    assert exported.mimetype == "text/csv" and len(directory.read_csv(exported.text)) == 3
    assert "970000" not in exported.text
    assert post(client, f"/admin/directory/{entry.id}/delete", {"confirm": "1"}).status_code == 302
    assert post(client, f"/admin/directory/{entry.id}/delete", {"confirm": "1"}).status_code == 404
    audit = fresh_db.audit_entries("directory")
    assert {e["action"] for e in audit} == {"create", "update", "import", "delete"}
    assert all("970000" not in str(e) for e in audit)
    assert "970000" not in client.get("/admin/audit").text
