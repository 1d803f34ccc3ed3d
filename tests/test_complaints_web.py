"""The complaints queue in the console: the role only, every access audited, never in alert views."""

from __future__ import annotations

import io

import pytest

from core.complaints import ComplaintSeal
from tests.fixtures.web import PASSWORDS, _hash, login, make_alert, post, write_tone

pytestmark = pytest.mark.usefixtures("app")


@pytest.fixture
def complaint(config, fresh_db):
    """A complaint filed as the IVR files it: a sealed WAV under its reference, and one holder of the role."""
    fresh_db.add_user("cora", _hash(PASSWORDS["vera"]), "verifier", actor="test")
    fresh_db.set_complaints_role("cora", True, "test")
    wav = write_tone(config.data_dir / "scratch.wav")
    (config.data_dir / "scratch.wav").unlink()
    target = config.data_dir / "complaints" / "c1.sealed"
    target.parent.mkdir(parents=True)
    target.write_bytes(ComplaintSeal.from_config(config).seal(wav, "31415926"))
    row = fresh_db.file_complaint("31415926", "fr", "complaints/c1.sealed", 4.0)
    return {**row, "wav": wav}


@pytest.mark.parametrize("user", ["vera", "sam", "ada"])
def test_verifier_supervisor_and_admin_without_the_role_get_403(client, complaint, user):
    login(client, user)
    for url in ("/complaints", f"/complaints/{complaint['id']}", f"/complaints/{complaint['id']}/audio"):
        assert client.get(url).status_code == 403, url
    assert post(client, f"/complaints/{complaint['id']}", {"status": "closed"}).status_code == 403
    assert b"/complaints" not in client.get("/").data, "no menu entry"


def test_the_role_reads_listens_answers_and_sees_every_access(client, complaint, fresh_db, config):
    login(client, "cora", PASSWORDS["vera"])
    assert b"31415926" in client.get("/complaints").data
    page = client.get(f"/complaints/{complaint['id']}")
    assert page.status_code == 200
    audio = client.get(f"/complaints/{complaint['id']}/audio")
    assert audio.data == complaint["wav"] and audio.headers["Cache-Control"] == "no-store"
    answer = write_tone(config.data_dir / "answer.wav", seconds=2.0)
    response = post(client, f"/complaints/{complaint['id']}",
                    {"status": "in_progress", "message": (io.BytesIO(answer), "answer.wav")},
                    content_type="multipart/form-data")
    assert response.status_code == 302
    row = fresh_db.complaint(complaint["id"])
    assert row["status"] == "in_progress" and (config.data_dir / row["status_message"]).exists()
    actions = [e["action"] for e in fresh_db.complaint_audit(complaint["id"])]
    assert {"file", "view", "listen", "status", "status_message"} <= set(actions)
    history = client.get(f"/complaints/{complaint['id']}").data.decode()
    assert "cora" in history and ("a écouté" in history or "listened" in history)


def test_a_complaint_is_in_no_queue_search_export_report_or_general_audit(client, complaint, fresh_db, config):
    make_alert(fresh_db, config)
    fresh_db.add_user("boss", _hash(PASSWORDS["ada"]), "admin", actor="test")
    fresh_db.set_complaints_role("boss", True, "test")
    login(client, "boss", PASSWORDS["ada"])
    client.get(f"/complaints/{complaint['id']}/audio")
    assert b"data-href" not in client.get("/?q=31415926").data, "the search finds nothing"
    pages = ["/", "/incidents", "/exports/hxl?since=2000-01-01", "/exports/geojson?since=2000-01-01",
             "/exports/cap?since=2000-01-01", "/reports/response-times", "/reports/response-times.csv", "/admin/audit"]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert b"31415926" not in response.data, url
    assert fresh_db.conn.execute("SELECT count(*) FROM alerts").fetchone()[0] == 1
