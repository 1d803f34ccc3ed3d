"""Retention: closed alerts lose their recordings and transcripts after [retention] days, and nothing else."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from core import retention
from core.model import Status
from tests.fixtures.web import login, make_alert, post

LATER = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=91)   # 90 days is the default retention
SECRET_WORDS = "wanamgambo wamefika kijijini usiku"


def _decide(store, alert, status, **kwargs):
    return store.set_status(alert["id"], status, actor="sam", **kwargs)


def _everything_stored(store) -> str:
    """Every row of every table as text, to look for content that should be gone."""
    tables = [r[0] for r in store.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    dump = []
    for table in tables:
        if table.startswith("transcripts_fts"):
            continue
        dump += [json.dumps(list(row), default=str) for row in store.conn.execute(f"SELECT * FROM {table}")]
    return "\n".join(dump)


@pytest.fixture
def alerts(config, fresh_db):
    """One alert per status; each closed one was corrected by a verifier, so the audit log holds its text."""
    made = {}
    for status in Status:
        alert = make_alert(fresh_db, config, text=f"{SECRET_WORDS} {status.value}", pseudonym=f"C-{status.value}")
        fresh_db.add_transcript(alert["id"], f"{SECRET_WORDS} corrected", origin="verifier", author="vera")
        made[status] = alert
    for status, alert in made.items():
        if status is Status.DUPLICATE:
            _decide(fresh_db, alert, status, duplicate_of=made[Status.NEW]["id"])
        elif status is not Status.NEW:
            _decide(fresh_db, alert, status)
    return made


def test_closed_alerts_lose_audio_transcripts_and_pseudonym_after_retention(config, fresh_db, alerts, client):
    login(client, "sam")
    cached = client.get(f"/alerts/{alerts[Status.VERIFIED]['id']}/audio/"
                        f"{fresh_db.recordings_for(alerts[Status.VERIFIED]['id'])[0]['id']}")
    assert cached.status_code == 200
    cached.close()
    closed = [alerts[s]["id"] for s in retention.CLOSED_STATUSES]
    files = {i: config.data_dir / fresh_db.recordings_for(i)[0]["path"] for i in alerts.values() for i in [i["id"]]}

    assert retention.purge(config, fresh_db, now=dt.datetime.now(dt.timezone.utc))["alerts"] == []
    summary = retention.purge(config, fresh_db, now=LATER)

    assert sorted(summary["alerts"]) == sorted(closed)
    assert summary["recordings"] == len(closed) and summary["transcripts"] == 2 * len(closed)
    for status, alert in alerts.items():
        kept = status not in retention.CLOSED_STATUSES
        assert files[alert["id"]].exists() == kept, status
        assert bool(fresh_db.recordings_for(alert["id"])) == kept, status
        assert bool(fresh_db.transcripts_for(alert["id"])) == kept, status
        after = fresh_db.get_alert(alert["id"])
        assert after["status"] == status.value and after["reference"] == alert["reference"]
        assert (after["caller_pseudonym"] is None) == (not kept)
        assert (after["purged_at"] is None) == kept
    assert not list(config.audio_cache_dir.iterdir()), "the console's cached copy stays"
    # What remains of the words: only the open alerts' own transcripts, nowhere else.
    dump = _everything_stored(fresh_db)
    for status in retention.CLOSED_STATUSES:
        assert f"{SECRET_WORDS} {status.value}" not in dump
    assert dump.count(f"{SECRET_WORDS} corrected") == 2 * 2   # two open alerts: transcript row + audit entry each
    found = client.get("/?q=wanamgambo&status=all").get_data(as_text=True)
    for status, alert in alerts.items():
        assert (alert["reference"] in found) == (status not in retention.CLOSED_STATUSES), "search finds purged words"


def test_the_audit_log_names_ids_and_counts(config, fresh_db, alerts):
    summary = retention.purge(config, fresh_db, now=LATER)
    run = fresh_db.audit_entries("retention")
    assert len(run) == 1 and run[0]["action"] == "purge"
    assert sorted(run[0]["after"]["alerts"]) == sorted(summary["alerts"])
    assert run[0]["after"]["recordings"] == summary["recordings"]
    for alert_id in summary["alerts"]:
        entry = fresh_db.audit_entries("alert", alert_id)[0]
        assert entry["action"] == "purge" and entry["after"] == {"recordings": 1, "transcripts": 2}
    assert retention.purge(config, fresh_db, now=LATER)["alerts"] == [], "a second run finds nothing"
    assert len(fresh_db.audit_entries("retention")) == 1


def test_a_purged_alert_still_opens_in_the_console(config, fresh_db, alerts, client):
    retention.purge(config, fresh_db, now=LATER)
    login(client, "sam")
    page = client.get(f"/alerts/{alerts[Status.FALSE]['id']}")
    assert page.status_code == 200
    assert alerts[Status.FALSE]["reference"] in page.get_data(as_text=True)
    assert SECRET_WORDS not in page.get_data(as_text=True)
    assert client.get("/admin/audit").status_code == 200, "the purge's audit entries render"


def test_an_alert_reopened_before_the_purge_keeps_everything(config, fresh_db, alerts):
    reopened = alerts[Status.VERIFIED]
    fresh_db.reopen(reopened["id"], actor="sam")
    retention.purge(config, fresh_db, now=LATER)
    assert fresh_db.recordings_for(reopened["id"]) and fresh_db.transcripts_for(reopened["id"])


def test_nothing_is_purged_when_a_file_cannot_be_deleted(config, fresh_db, alerts):
    def refuse(recordings):
        raise PermissionError("read-only disk")

    with pytest.raises(PermissionError):
        fresh_db.purge_closed(retention.cutoff(90, LATER), refuse)
    for alert in alerts.values():
        assert fresh_db.transcripts_for(alert["id"]) and fresh_db.get_alert(alert["id"])["purged_at"] is None


def test_zero_days_keeps_everything(config, fresh_db, alerts):
    assert retention.purge(config, fresh_db, days=0, now=LATER)["alerts"] == []


def test_sauti_purge(config, fresh_db, alerts, runner):
    assert "retention" in runner.invoke("purge", "--help").output
    dry = runner.invoke("purge", "--days", "0")
    assert dry.exit_code == 0 and "no alert is ever purged" in dry.output
    for alert in alerts.values():   # decided long ago, as far as retention can tell
        fresh_db.conn.execute("UPDATE alerts SET updated_at = '2000-01-01T00:00:00.000+00:00' WHERE id = ?",
                              (alert["id"],))
    dry = runner.invoke("purge", "--dry-run")
    assert dry.exit_code == 0 and "would purge 4 alert(s)" in dry.output
    assert fresh_db.transcripts_for(alerts[Status.ESCALATED]["id"])
    result = runner.invoke("purge")
    assert result.exit_code == 0, result.output
    assert "purged 4 alert(s): 4 recording(s), 8 transcript(s)" in result.output
    assert not fresh_db.transcripts_for(alerts[Status.ESCALATED]["id"])
    assert fresh_db.audit_entries("retention")[0]["actor"] == "cli"


def test_sauti_up_purges_when_it_starts_and_then_daily(config, fresh_db, alerts):
    import threading

    from sauti.cmd_setup import _purge_daily
    from sauti.context import Context
    from tests.fixtures.core import wait_for

    for alert in alerts.values():
        fresh_db.conn.execute("UPDATE alerts SET updated_at = '2000-01-01T00:00:00.000+00:00' WHERE id = ?",
                              (alert["id"],))
    stopping = threading.Event()
    daily = threading.Thread(target=_purge_daily, args=(Context(config.data_dir), stopping))
    daily.start()
    try:
        run = wait_for(lambda: fresh_db.audit_entries("retention"), 20, "the first purge")
    finally:
        stopping.set()
        daily.join(10)
    assert not daily.is_alive(), "the daily purge stops with the line"
    assert run[0]["actor"] == "retention" and len(run[0]["after"]["alerts"]) == 4
