"""The gazetteer: the starter set, CSV in and out (file, CLI, console), edits audited."""

from __future__ import annotations

import io

import pytest
from click.testing import CliRunner

from core import gazetteer
from core.gazetteer import GazetteerError, Locality, distance_km
from sauti.cli import main
from web import csv_upload
from tests.fixtures.web import login, make_alert, post, post_file

REQUIRED = {"Beni", "Butembo", "Lubero", "Oicha", "Eringeti", "Mambasa", "Bunia", "Djugu", "Irumu", "Rutshuru",
            "Masisi", "Walikale", "Goma", "Nyiragongo"}


def test_starter_set_covers_north_kivu_and_ituri():
    localities = gazetteer.starter()
    assert REQUIRED <= {loc.name for loc in localities}
    assert {loc.province for loc in localities} == {"Nord-Kivu", "Ituri"}
    for loc in localities:
        assert loc.code.isdigit() and loc.has_position
        assert -2.5 < loc.latitude < 3.5 and 27 < loc.longitude < 31.5, loc   # eastern DRC
    by_name = {loc.name: loc for loc in localities}
    assert 20 < distance_km(by_name["Beni"], by_name["Oicha"]) < 35
    assert 300 < distance_km(by_name["Goma"], by_name["Bunia"]) < 400
    assert distance_km(by_name["Beni"], Locality("9", "Nowhere")) is None


def test_csv_round_trip_and_refusals():
    localities = gazetteer.starter()
    assert gazetteer.read_csv(gazetteer.write_csv(localities)) == localities
    text = "\ufeffcode,name,latitude,longitude\n7,Kalunguta,\"0,25\",29.3\n8,Mayi-Moya,,\n"
    assert gazetteer.read_csv(text) == [Locality("7", "Kalunguta", None, None, 0.25, 29.3), Locality("8", "Mayi-Moya")]
    for bad, words in (("name\nX\n", "header"), ("code,name\n12a,X\n", "line 2: code"),
                       ("code,name\n1,X\n1,Y\n", "twice"), ("code,name\n1,\n", "needs a name"),
                       ("code,name,latitude,longitude\n1,X,91,0\n", "latitude"),
                       ("code,name,latitude,longitude\n1,X,1,\n", "both"),
                       ("code,name\n1234567,X\n", "1 to 6 digits"), ("code,name\n٣,X\n", "digits")):
        with pytest.raises(GazetteerError, match=words):
            gazetteer.read_csv(bad)


def test_import_is_audited_and_replace_removes_the_rest(fresh_db):
    fresh_db.save_locality(Locality("99", "Old"), "ada")
    summary = fresh_db.import_localities(gazetteer.starter(), "cli")
    assert summary == {"added": len(gazetteer.starter()), "updated": 0, "removed": 0}
    assert fresh_db.locality("99")["name"] == "Old" and fresh_db.has_gazetteer()
    assert fresh_db.import_localities(gazetteer.starter()[:2], "cli", replace=True)["removed"] == len(gazetteer.starter()) - 1
    assert [loc.code for loc in fresh_db.localities()] == [loc.code for loc in gazetteer.starter()[:2]]
    actions = [(e["action"], e["entity"]) for e in fresh_db.audit_entries()]
    assert actions.count(("import", "gazetteer")) == 2 and ("create", "locality") in actions


def test_cli_imports_the_starter_set_and_exports_it(config, tmp_path):
    runner = CliRunner()
    data = ["--data", str(config.data_dir)]
    result = runner.invoke(main, [*data, "gazetteer", "import"])
    assert result.exit_code == 0, result.output
    assert f"{len(gazetteer.starter())} added" in result.output
    out = tmp_path / "g.csv"
    assert runner.invoke(main, [*data, "gazetteer", "export", "--out", str(out)]).exit_code == 0
    assert gazetteer.read_csv(out.read_text()) == gazetteer.starter()
    assert "Eringeti" in runner.invoke(main, [*data, "gazetteer", "list"]).output
    bad = tmp_path / "bad.csv"
    bad.write_text("code,name\nx,Y\n")
    result = runner.invoke(main, [*data, "gazetteer", "import", str(bad)])
    assert result.exit_code != 0 and "line 2" in result.output


def test_admin_edits_imports_and_exports_in_the_console(client, fresh_db, config):
    login(client, "vera")
    assert client.get("/admin/localities").status_code == 403
    post(client, "/logout")
    login(client, "ada")
    response = post(client, "/admin/localities", {"code": "4021", "name": "Kalunguta", "territory": "Beni",
                                                   "province": "Nord-Kivu", "latitude": "0.25", "longitude": "29.3"})
    assert response.status_code == 302
    assert fresh_db.locality("4021")["latitude"] == 0.25
    refused = post(client, "/admin/localities", {"code": "40x", "name": "Bad"})
    assert refused.status_code == 400 and "Bad" in refused.text   # typed values kept
    upload = {"file": (io.BytesIO(gazetteer.write_csv(gazetteer.starter()).encode()), "g.csv")}
    assert post(client, "/admin/localities/import", upload, content_type="multipart/form-data").status_code == 302
    assert len(fresh_db.localities()) == len(gazetteer.starter()) + 1
    exported = client.get("/admin/localities/localities.csv")
    assert exported.mimetype == "text/csv" and len(gazetteer.read_csv(exported.text)) == len(gazetteer.starter()) + 1
    assert post(client, "/admin/localities/4021/delete", {"confirm": "1"}).status_code == 302 and fresh_db.locality("4021") is None
    assert post(client, "/admin/localities/4021/delete", {"confirm": "1"}).status_code == 404
    assert "Eringeti" in client.get("/admin/localities").text
    assert {e["actor"] for e in fresh_db.audit_entries("locality")} == {"ada"}


def test_console_refusals_are_in_french_with_the_line(client, fresh_db):
    login(client, "ada")
    refused = post(client, "/admin/localities", {"code": "40x", "name": "Bad"})
    assert "le code est fait de 1 à 6 chiffres, pas « 40x »" in refused.text and "must be" not in refused.text
    for text, words in (("code,name\n1,X\n1,Y\n", "ligne 3 : le code 1 figure deux fois"),
                        ("name\nX\n", "l&#39;en-tête doit nommer au moins code et name (manque : code)"),
                        ("code,name,latitude,longitude\n1,X,91,0\n", "ligne 2 : la latitude est comprise entre -90 et 90"),
                        ("code,name,latitude,longitude\n1,X,1,\n", "ligne 2 : donnez la latitude et la longitude")):
        upload = {"file": (io.BytesIO(text.encode()), "g.csv")}
        response = post(client, "/admin/localities/import", upload, content_type="multipart/form-data")
        assert response.status_code == 400 and words in response.text, (text, response.text)
    assert not fresh_db.localities()


def test_a_province_sized_csv_is_imported_beyond_the_app_wide_limit(client, fresh_db):
    """2 MiB for a CSV (shown on the form), not the 256 KiB every other form gets; beyond it, a clear 413."""
    login(client, "ada")
    assert "2 Mo au plus" in client.get("/admin/localities").text
    rows = "".join(f"{n},Localité numéro {n} {'x' * 60},Territoire,Province,-1.5,29.25\n" for n in range(1, 5001))
    text = "code,name,territory,province,latitude,longitude\n" + rows
    assert 256 * 1024 < len(text.encode()) < csv_upload.MAX_CSV_BYTES
    assert post_file(client, "/admin/localities/import", text.encode()).status_code == 302
    assert len(fresh_db.localities()) == 5000
    response = post_file(client, "/admin/localities/import", b"x" * (csv_upload.MAX_CSV_BYTES + 1))
    assert response.status_code == 413 and "Fichier trop lourd (2 Mo au plus)" in response.text
    beyond = b"x" * (csv_upload.MAX_CSV_BYTES + csv_upload.FORM_BYTES)
    assert post_file(client, "/admin/localities/import", beyond).status_code == 413
    assert len(fresh_db.localities()) == 5000


def test_alert_page_names_the_keyed_locality_and_offers_the_gazetteer(client, fresh_db, config):
    fresh_db.import_localities(gazetteer.starter(), "cli")
    alert = make_alert(fresh_db, config, locality="1103")
    login(client, "vera")
    page = client.get(f"/alerts/{alert['id']}").text
    assert "Eringeti, Beni" in page and 'list="alert-localities"' in page
    post(client, f"/alerts/{alert['id']}/details", {"locality": "2101", "language": "sw"})
    assert fresh_db.get_alert(alert["id"])["locality"] == "2101"
    assert "Bunia" in client.get(f"/alerts/{alert['id']}").text
