"""`sauti backup` while the line writes, and `sauti restore` into a fresh data directory."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import textwrap

import pytest
from click.testing import CliRunner

from core import backup
from core import config as config_module
from core.model import Status
from core.store import Store
from tests.fixtures.core import make_data_dir, wait_for
from tests.fixtures.web import add_users, login, make_alert


def sauti(data_dir, *args):
    from sauti.cli import main

    return CliRunner().invoke(main, ["--data", str(data_dir), *args])


def console(config):
    from web import create_app

    app = create_app({"SAUTI_CONFIG": config, "TESTING": True})
    client = app.test_client()
    login(client, "sam")
    return client


def what_the_console_shows(client, alerts) -> dict:
    """Per alert: its page's words and the audio bytes the console serves."""
    shown = {}
    for alert in alerts:
        page = client.get(f"/alerts/{alert['id']}")
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        audio = []
        for recording_id in sorted(set(re.findall(rf"/alerts/{alert['id']}/audio/(\d+)", text))):
            response = client.get(f"/alerts/{alert['id']}/audio/{recording_id}")
            assert response.status_code == 200
            audio.append(response.get_data())
            response.close()
        shown[alert["reference"]] = (alert["status"], "watu wenye bunduki" in text, audio)
    shown["queue"] = sorted(a["reference"] for a in alerts if a["reference"] in client.get("/?status=all").get_data(as_text=True))
    return shown


def test_a_restored_backup_shows_the_same_alerts_and_plays_the_same_audio(config, fresh_db, tmp_path):
    add_users(fresh_db)
    alerts = [make_alert(fresh_db, config, seconds=2 + i) for i in range(3)]
    fresh_db.set_status(alerts[1]["id"], Status.VERIFIED, actor="sam")
    alerts = [fresh_db.get_alert(a["id"]) for a in alerts]
    before = what_the_console_shows(console(config), alerts)
    assert all(audio for _, _, audio in before.values() if isinstance(audio, list))

    made = sauti(config.data_dir, "backup", str(tmp_path / "backup"))
    assert made.exit_code == 0, made.output
    assert "backed up 3 alert(s), 3 recording(s)" in made.output
    assert oct((tmp_path / "backup").stat().st_mode & 0o777) == "0o700"
    restored = sauti(tmp_path / "elsewhere", "restore", str(tmp_path / "backup"))
    assert restored.exit_code == 0, restored.output

    assert oct((tmp_path / "elsewhere").stat().st_mode & 0o777) == "0o700", "private, as `sauti init` makes it"
    for secret in (tmp_path / "elsewhere" / "secrets").iterdir():
        assert oct(secret.stat().st_mode & 0o777) == "0o600", secret.name
    new_config = config_module.load(tmp_path / "elsewhere", env={})
    assert (new_config.secrets_dir / "pseudonym.key").read_bytes() == (config.secrets_dir / "pseudonym.key").read_bytes()
    after = what_the_console_shows(console(new_config), alerts)
    assert after == before


def test_restore_never_overwrites_data_unless_told(config, fresh_db, tmp_path):
    make_alert(fresh_db, config)
    assert sauti(config.data_dir, "backup", str(tmp_path / "b")).exit_code == 0
    again = sauti(config.data_dir, "backup", str(tmp_path / "b"))
    assert again.exit_code != 0 and "not empty" in again.output

    other = make_data_dir(tmp_path / "other")
    refused = sauti(other.data_dir, "restore", str(tmp_path / "b"))
    assert refused.exit_code != 0 and "--force" in refused.output
    forced = sauti(other.data_dir, "restore", "--force", str(tmp_path / "b"))
    assert forced.exit_code == 0, forced.output
    with Store.open(other.db_path) as store:
        assert store.count_alerts() == 1

    (tmp_path / "b" / backup.MANIFEST).unlink()
    unfinished = sauti(tmp_path / "third", "restore", str(tmp_path / "b"))
    assert unfinished.exit_code != 0 and "unfinished" in unfinished.output


WRITER = textwrap.dedent("""
    import hashlib, sys
    from pathlib import Path
    from core.store import RecordingFacts, Store
    from tests.fixtures.web import write_tone
    data = Path(sys.argv[1])
    store = Store.open(data / "sauti.db")
    for i in range(100000):
        name = f"recordings/load-{i}.wav"
        audio = write_tone(data / name, seconds=0.3 + (i % 5) / 10)
        call = store.create_call("phone", caller_pseudonym=f"C-{i}")
        store.file_alert(call, RecordingFacts(name, "wav", 0.3, 8000, len(audio), hashlib.sha256(audio).hexdigest()))
""")


def test_a_backup_taken_while_alerts_are_filed_is_consistent(config, fresh_db, tmp_path):
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(config.data_dir)], stdout=subprocess.DEVNULL,
                              env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    try:
        wait_for(lambda: fresh_db.count_alerts() >= 20, 60, "the writer to file alerts")
        counts = []
        for n in range(3):
            low = fresh_db.count_alerts()
            summary = backup.backup(config.data_dir, tmp_path / f"b{n}")
            high = fresh_db.count_alerts()
            assert low <= summary.alerts <= high
            assert summary.missing == [] and summary.recordings == summary.alerts
            counts.append(summary.alerts)
            assert writer.poll() is None, "the writer must still be writing"
    finally:
        writer.kill()
        writer.wait()
    assert counts[0] < counts[-1], "alerts were filed during the backups"
    for n in range(3):
        checked = backup.verify(tmp_path / f"b{n}")
        assert checked.missing == [] and checked.alerts == counts[n]
        with contextlib.closing(sqlite3.connect(tmp_path / f"b{n}" / "sauti.db")) as conn:
            jobs = conn.execute("SELECT count(*) FROM jobs WHERE kind = 'transcribe'").fetchone()[0]
            audits = conn.execute("SELECT count(*) FROM audit_log WHERE action = 'create'").fetchone()[0]
        assert jobs == audits == counts[n], "each alert's recording, job and audit entry are in the same snapshot"
        assert not (tmp_path / f"b{n}" / "sauti.db-wal").exists()


def test_backup_refuses_to_copy_into_the_data_directory(config, fresh_db):
    with pytest.raises(backup.BackupError):
        backup.backup(config.data_dir, config.data_dir / "backup")


def test_a_restored_installation_uses_its_own_copy_of_the_prompts(tmp_path):
    """`sauti init` puts the prompts in the data directory and names them by absolute path."""
    old = tmp_path / "old"
    config = make_data_dir(old, {"prompts": {"dir": str(old / "prompts")}})
    (old / "prompts" / "sw").mkdir(parents=True)
    (old / "prompts" / "sw" / "welcome.wav").write_bytes(b"RIFF-installation")
    Store.open(config.db_path).close()
    backup.backup(old, tmp_path / "backup")
    backup.restore(tmp_path / "backup", tmp_path / "new")
    restored = config_module.load(tmp_path / "new", env={})
    assert restored.prompts_dir == (tmp_path / "new" / "prompts").resolve()
    assert (restored.prompts_dir / "sw" / "welcome.wav").read_bytes() == b"RIFF-installation"


def test_a_backup_restored_into_another_data_directory_is_the_same_line(tmp_path):
    """The upgrade fixture's installation (every kind of data the line keeps), backed up and
    restored elsewhere, as onto another machine: the same rows, the same audio, the same sealed
    complaint, and call-backs the dialler claims and opens with the restored keys alone."""
    from core.complaints import ComplaintOpener
    from core.contacts import ContactCipher
    from core.directory import NumberSeal
    from tests.fixtures.upgrade.build import rows_of_every_table
    from tests.test_upgrade import RELEASES, upgraded

    config, expected = upgraded(RELEASES[-1], tmp_path / "here")
    Store.open(config.db_path).close()   # today's schema, as on a running line
    made = sauti(config.data_dir, "backup", str(tmp_path / "backup"))
    assert made.exit_code == 0, made.output
    elsewhere = tmp_path / "there" / "data"
    restored = sauti(elsewhere, "restore", str(tmp_path / "backup"))
    assert restored.exit_code == 0, restored.output
    assert f"restored {len(expected['tables']['alerts'])} alert(s)" in restored.output
    shutil.rmtree(config.data_dir / "secrets")   # nothing below may lean on the first machine's keys
    new_config = config_module.load(elsewhere, env={})

    assert rows_of_every_table(new_config.db_path) == rows_of_every_table(config.db_path)
    for folder in ("recordings", "complaints"):
        files = sorted(p.relative_to(config.data_dir) for p in (config.data_dir / folder).rglob("*") if p.is_file())
        assert files, folder
        for relative in files:
            assert (elsewhere / relative).read_bytes() == (config.data_dir / relative).read_bytes(), relative
    with Store.open(new_config.db_path) as store:
        due = store.claim_due_callbacks(10)
        assert due, "the beep's call-back is still due"
        cipher = ContactCipher.from_config(new_config)
        for callback in due:
            assert cipher.open(callback["sealed"], callback["caller_pseudonym"]) == \
                expected["contacts"][callback["caller_pseudonym"]]
        seal = NumberSeal.from_config(new_config)
        assert {e.name: seal.open(*store.sealed_number(e.id)) for e in store.directory()} == expected["directory"]
        for reference in expected["complaints"]:
            sealed = (elsewhere / store.complaint_by_reference(reference)["path"]).read_bytes()
            assert ComplaintOpener.from_config(new_config).open(sealed, reference).startswith(b"RIFF")
