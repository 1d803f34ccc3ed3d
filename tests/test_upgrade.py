"""Upgrades keep everything: a data directory made by an earlier release, opened with today's code.

Each release's fixture (tests/fixtures/upgrade/<release>/, built by its build.py) holds
alerts, transcripts, call-backs, complaints, committees, surveys, directory entries,
sealed contacts, recordings and audit. Opening a copy runs today's migrations; then every
row written then is still there with the same values, every recording plays and matches its
checksum, every sealed number opens with the installation's own keys, and the complaint
opens for the complaints role.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest

from core import config as config_module
from core.audio.wav import read_wav
from core.committees import PinHasher
from core.complaints import ComplaintOpener
from core.contacts import ContactCipher
from core.directory import NumberSeal
from core.store import Store
from core.store.schema import MIGRATIONS
from tests.fixtures.web import add_users, login

RELEASES = sorted(p for p in (Path(__file__).parent / "fixtures" / "upgrade").iterdir()
                  if (p / "expected.json").is_file())


def upgraded(release: Path, tmp_path: Path):
    """A copy of the release's data directory (git keeps no modes: made private again as `sauti
    init` makes it), its configuration and what it held."""
    data_dir = tmp_path / "data"
    shutil.copytree(release / "data", data_dir)
    os.chmod(data_dir, 0o700)
    for secret in (data_dir / "secrets").iterdir():
        os.chmod(secret, 0o600)
    return config_module.load(data_dir, env={}), json.loads((release / "expected.json").read_text())


def test_there_is_a_fixture_of_this_release_at_least():
    assert RELEASES, "tests/fixtures/upgrade/ holds no release's data directory"


@pytest.mark.parametrize("release", RELEASES, ids=[p.name for p in RELEASES])
def test_every_row_written_by_an_earlier_release_is_still_there_and_the_same(release, tmp_path):
    config, expected = upgraded(release, tmp_path)
    with Store.open(config.db_path) as store:   # today's migrations run here
        assert store.schema_version() == len(MIGRATIONS)
        assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert store.conn.execute("PRAGMA foreign_key_check").fetchall() == []
        for table, rows in expected["tables"].items():
            assert rows is not None
            now = {row["_rowid"]: dict(row) for row in
                   store.conn.execute(f"SELECT rowid AS _rowid, * FROM {table}")}
            for row in rows:
                current = now.get(row["_rowid"])
                assert current is not None, f"{table} row {row['_rowid']} is gone"
                current = {k: (v.hex() if isinstance(v, bytes) else v) for k, v in current.items()}
                changed = {k: (v, current.get(k, "<column gone>")) for k, v in row.items() if current.get(k) != v}
                assert not changed, f"{table} row {row['_rowid']} changed: {changed}"
        assert [r["name"] for r in store.conn.execute("SELECT name FROM _migrations ORDER BY name")] == \
            sorted(name for name, _ in MIGRATIONS)
        # The full-text index still finds the transcripts it was built from.
        assert store.conn.execute("SELECT count(*) FROM transcripts_fts WHERE transcripts_fts MATCH 'bunduki'"
                                  ).fetchone()[0] == 1


@pytest.mark.parametrize("release", RELEASES, ids=[p.name for p in RELEASES])
def test_every_recording_sealed_number_and_complaint_still_opens(release, tmp_path):
    config, expected = upgraded(release, tmp_path)
    with Store.open(config.db_path) as store:
        recordings = store.conn.execute("SELECT * FROM recordings").fetchall()
        assert len(recordings) == len(expected["tables"]["recordings"]) >= 4
        for recording in recordings:
            path = config.data_dir / recording["path"]
            assert hashlib.sha256(path.read_bytes()).hexdigest() == recording["sha256"], path
            samples, rate = read_wav(path)
            assert rate == recording["sample_rate"] and abs(len(samples) / rate - recording["duration"]) < 0.01
        cipher = ContactCipher.from_config(config)
        contacts = {r["caller_pseudonym"]: cipher.open(bytes(r["sealed"]), r["caller_pseudonym"])
                    for r in store.conn.execute("SELECT caller_pseudonym, sealed FROM contacts")}
        assert contacts == expected["contacts"]
        seal = NumberSeal.from_config(config)
        directory = {entry.name: seal.open(*store.sealed_number(entry.id)) for entry in store.directory()}
        assert directory == expected["directory"]
        (committee,) = store.committees()
        assert store.committee_by_pin(PinHasher.from_config(config).hash(expected["committee_pin"]))["id"] == \
            committee["id"], "the committee's PIN still lets it in"
        opener = ComplaintOpener.from_config(config)
        for reference, plain_sha in expected["complaints"].items():
            complaint = store.complaint_by_reference(reference)
            sealed = (config.data_dir / complaint["path"]).read_bytes()
            assert hashlib.sha256(opener.open(sealed, reference)).hexdigest() == plain_sha
        add_users(store)
        alerts = [dict(r) for r in store.conn.execute("SELECT id FROM alerts")]

    from web import create_app

    client = create_app({"SAUTI_CONFIG": config, "TESTING": True}).test_client()
    login(client, "sam")
    for alert in alerts:
        assert client.get(f"/alerts/{alert['id']}").status_code == 200
    for recording in recordings:
        served = client.get(f"/alerts/{recording['alert_id']}/audio/{recording['id']}")
        # The console plays it: transcoded for slow connections, which needs whole, readable audio.
        assert served.status_code == 200 and served.mimetype.startswith("audio/"), served.status
        assert len(served.get_data()) > 1000
        served.close()
