"""Local time: shown in [site] timezone with its offset, French dates in the French console, filters
on local days, CLI output in local time, CSV in UTC with an explicit offset; storage stays UTC."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io

import pytest
from click.testing import CliRunner

from core import clock
from core import config as config_module
from core.config import SiteConfig
from sauti.cli import main
from tests.fixtures.core import make_data_dir
from tests.fixtures.web import add_users, login, make_alert

# Two alerts a second apart in UTC, on either side of midnight in Lubumbashi (UTC+2).
YEAR = dt.date.today().year  # dates of this year are shown without their year
LATE = f"{YEAR}-03-14T21:59:59.000+00:00"     # 23:59:59 on 14 March, local
EARLY = f"{YEAR}-03-14T22:00:00.000+00:00"    # 00:00:00 on 15 March, local


def test_display_in_the_zone_with_its_offset():
    now = dt.datetime(YEAR, 6, 1, tzinfo=dt.timezone.utc)
    assert clock.display(LATE, "Africa/Lubumbashi", "fr", now) == "14 mars 23:59 UTC+2"
    assert clock.display(EARLY, "Africa/Lubumbashi", "fr", now) == "15 mars 00:00 UTC+2"
    assert clock.display(EARLY, "Africa/Lubumbashi", "en", now) == "15 Mar 00:00 UTC+2"
    assert clock.display(EARLY, "UTC", "en", now) == "14 Mar 22:00 UTC"
    assert clock.display(f"{YEAR - 1}-02-03T10:00:00+00:00", "Africa/Kinshasa", "fr", now) == f"3 févr. {YEAR - 1} 11:00 UTC+1"
    assert clock.display(f"{YEAR}-01-05T10:00:00+00:00", "Asia/Kolkata", "en", now) == "5 Jan 15:30 UTC+5:30"
    assert clock.display_full(EARLY, "Africa/Lubumbashi") == f"{YEAR}-03-15 00:00:00 UTC+2"
    assert clock.display(None, "UTC") == "" and clock.display("not a time", "UTC") == "not a time"


def test_local_days_and_export_timestamps():
    assert clock.day_start_utc(f"{YEAR}-03-15", "Africa/Lubumbashi") == EARLY
    assert clock.day_start_utc(f"{YEAR}-03-15", "UTC") == f"{YEAR}-03-15T00:00:00.000+00:00"
    assert clock.export_timestamp(LATE) == f"{YEAR}-03-14T21:59:59+00:00"
    assert clock.export_timestamp(f"{YEAR}-03-15T00:00:00+02:00") == f"{YEAR}-03-14T22:00:00+00:00"


def test_the_zone_is_configured_checked_and_written_by_init(tmp_path):
    assert config_module.SiteConfig().timezone == "Africa/Lubumbashi"
    with pytest.raises(config_module.ConfigError, match="timezone"):
        make_data_dir(tmp_path / "bad", {"site": {"timezone": "Mars/Olympus"}})
    result = CliRunner().invoke(main, ["--data", str(tmp_path / "new"), "init"])
    assert result.exit_code == 0, result.output
    assert '\ntimezone = "Africa/Lubumbashi"' in (tmp_path / "new" / "config.toml").read_text()


@pytest.fixture
def two_alerts(fresh_db, config):
    late, early = make_alert(fresh_db, config, priority=1), make_alert(fresh_db, config, priority=2)
    for alert, at in ((late, LATE), (early, EARLY)):
        fresh_db.conn.execute("UPDATE alerts SET created_at = ? WHERE id = ?", (at, alert["id"]))
    return late, early


def console(config, fresh_db, zone: str):
    from web import create_app

    zoned = dataclasses.replace(config, site=SiteConfig(timezone=zone))
    app = create_app({"SAUTI_CONFIG": zoned, "TESTING": True})
    add_users(fresh_db)
    client = app.test_client()
    login(client)
    return client


def test_the_console_shows_local_times_french_dates_and_filters_local_days(config, fresh_db, two_alerts):
    late, early = two_alerts
    client = console(config, fresh_db, "Africa/Lubumbashi")
    page = client.get("/?status=all", headers={"Accept-Language": "fr"}).text
    assert "14 mars 23:59 UTC+2" in page and "15 mars 00:00 UTC+2" in page
    assert "UTC+2" in client.get(f"/alerts/{early['id']}", headers={"Accept-Language": "fr"}).text
    english = client.get("/?status=all", headers={"Accept-Language": "en"}).text
    assert "15 Mar 00:00 UTC+2" in english

    def listed(query: str) -> set[str]:
        text = client.get(f"/?status=all&{query}").text
        return {alert["reference"] for alert in (late, early) if alert["reference"] in text}

    assert listed(f"date_from={YEAR}-03-15&date_to={YEAR}-03-15") == {early["reference"]}
    assert listed(f"date_to={YEAR}-03-14") == {late["reference"]}
    assert listed(f"date_from={YEAR}-03-14") == {late["reference"], early["reference"]}
    not_a_date = client.get(f"/?status=all&date_from={YEAR}-02-31", headers={"Accept-Language": "fr"})
    assert not_a_date.status_code == 400, "a day that is not on the calendar is refused, not ignored"

    in_utc = console(config, fresh_db, "UTC")
    assert "14 mars 22:00 UTC" in in_utc.get("/?status=all", headers={"Accept-Language": "fr"}).text
    text = in_utc.get(f"/?status=all&date_from={YEAR}-03-14&date_to={YEAR}-03-14").text
    assert late["reference"] in text and early["reference"] in text
    # Storage stays UTC whatever is shown.
    assert fresh_db.get_alert(early["id"])["created_at"] == EARLY


def test_the_cli_lists_in_local_time_and_exports_csv_in_utc(config, fresh_db, two_alerts):
    late, early = two_alerts

    def sauti(*args):
        result = CliRunner().invoke(main, ["--data", str(config.data_dir), "alerts", "list", "--status", "all", *args])
        assert result.exit_code == 0, result.output
        return result.output

    text = sauti()
    assert f"{early['reference']}  {YEAR}-03-15 00:00:00 UTC+2" in text
    assert f"{late['reference']}  {YEAR}-03-14 23:59:59 UTC+2" in text
    assert early["reference"] in sauti("--from", f"{YEAR}-03-15") and late["reference"] not in sauti("--from", f"{YEAR}-03-15")
    assert sauti("--to", f"{YEAR}-03-14").count("\n") == 1
    rows = list(csv.DictReader(io.StringIO(sauti("--csv"))))
    assert {row["reference"]: row["received_utc"] for row in rows} == {
        late["reference"]: f"{YEAR}-03-14T21:59:59+00:00", early["reference"]: f"{YEAR}-03-14T22:00:00+00:00"}
    assert "pseudonym" not in ",".join(rows[0]) and "C-TESTCALL" not in sauti("--csv")
    bad = CliRunner().invoke(main, ["--data", str(config.data_dir), "alerts", "list", "--from", "14/03/2026"])
    assert bad.exit_code == 2 and "not a date" in bad.output
