"""Failure-path recordings are imported once, and the caller's number never stays on disk."""

from __future__ import annotations

import os
import time

import numpy as np

from core.dialplan import SPOOL_BEEPS, SPOOL_FAILED
from core.model import FLAG_FAILOVER, FLAG_PARTIAL, FLAG_SILENT, Source
from core.store import Store
from core import secrets
from ivr.audio import write_wav
from ivr.beeps import import_missed_beeps
from ivr.spool import import_failed_calls, import_orphan_recordings
from tests.fixtures.ivr import RATE, hiss, tone


def spool(config, name: str, samples, ended: bool = True, **meta):
    folder = config.spool_dir / SPOOL_FAILED
    folder.mkdir(parents=True, exist_ok=True)
    write_wav(folder / f"{name}.wav", samples, RATE)
    fields = {"source": "phone", "caller": "+243812345678", "channel": "PJSIP/x-1", "started": "1700000000", **meta}
    text = "".join(f"{k}={v}\n" for k, v in fields.items())
    if ended:
        text += "ended=1700000060\n"
    (folder / f"{name}.meta").write_text(text)


def test_failure_path_recordings_are_imported_exactly_once(config, fresh_db):
    key = secrets.pseudonym_key(config)
    spool(config, "1700000000.1", np.concatenate([tone(3.0), hiss(1.0)]), language="fr")
    spool(config, "1700000000.2", hiss(2.0), source="radio", station="beni")
    spool(config, "1700000000.3", tone(2.0), ended=False)  # still recording
    filed = import_failed_calls(config, fresh_db, key)
    assert len(filed) == 2
    first, second = filed
    assert first["flags"] == [FLAG_FAILOVER] and first["language"] == "fr"
    assert first["source"] == Source.FAILOVER and first["caller_pseudonym"].startswith("C-")
    assert second["source"] == Source.RADIO and second["station"] == "beni"
    assert second["flags"] == [FLAG_FAILOVER, FLAG_SILENT]
    recording = fresh_db.recordings_for(first["id"])[0]
    assert (config.data_dir / recording["path"]).exists() and abs(recording["duration"] - 4.0) < 0.01
    # The clear number is gone with the meta file; the unfinished call waits.
    folder = config.spool_dir / SPOOL_FAILED
    assert sorted(p.name for p in folder.iterdir()) == ["1700000000.3.meta", "1700000000.3.wav"]
    assert "243812345678" not in str(fresh_db.get_call(first["call_id"]))
    # Running again (e.g. a restart) imports nothing twice.
    assert import_failed_calls(config, fresh_db, key) == []
    assert fresh_db.count_alerts() == 2


def test_an_interrupted_import_is_repeated_without_a_duplicate(config, fresh_db):
    key = secrets.pseudonym_key(config)
    spool(config, "1700000001.1", tone(3.0))
    folder = config.spool_dir / SPOOL_FAILED
    # A crash after the move but before the database write leaves only the meta file.
    target = config.recordings_dir / "failover" / "1700000001.1.wav"
    target.parent.mkdir(parents=True)
    (folder / "1700000001.1.wav").replace(target)
    filed = import_failed_calls(config, fresh_db, key)
    assert len(filed) == 1 and fresh_db.recordings_for(filed[0]["id"])[0]["path"] == "recordings/failover/1700000001.1.wav"
    reopened = Store.open(config.db_path)
    assert import_failed_calls(config, reopened, key) == []


def hand_over_twice(config, store, key) -> tuple[int, list[str]]:
    """The end-to-end check in one process: import a call, put its spool files back as a
    crash before the meta file's deletion would leave them, import again.

    Returns the alerts filed and what is left in the spool; exactly once is (1, [])."""
    spool(config, "1700000002.1", tone(3.0))
    folder = config.spool_dir / SPOOL_FAILED
    saved = {path.name: path.read_bytes() for path in folder.glob("1700000002.1.*")}
    import_failed_calls(config, store, key)
    for name, data in saved.items():
        (folder / name).write_bytes(data)
    import_failed_calls(config, store, key)
    return store.count_alerts(), sorted(path.name for path in folder.iterdir())


def test_a_call_handed_over_twice_is_imported_once(config, fresh_db):
    assert hand_over_twice(config, fresh_db, secrets.pseudonym_key(config)) == (1, [])


def test_the_check_fails_on_an_importer_without_its_dedup(config, fresh_db, monkeypatch):
    """The "imported exactly once" check can fail. With the importer's memory switched off
    (a deliberately broken importer) the second hand-over files the call again; the
    database's unique recording path refuses that, so the call is stuck in the spool
    (the end-to-end test then times out waiting for the spool to empty)."""
    monkeypatch.setattr(Store, "spool_imported", lambda store, name: False)
    alerts, left = hand_over_twice(config, fresh_db, secrets.pseudonym_key(config))
    assert (alerts, left) != (1, [])
    assert "1700000002.1.meta" in left


def note_beep_in_spool(config, uniqueid: str, whole: bool = True, caller: str = "+243812345678"):
    """What the beep line's failure path writes when the IVR cannot take the beep."""
    folder = config.spool_dir / SPOOL_BEEPS
    folder.mkdir(parents=True, exist_ok=True)
    text = f"caller={caller}\nchannel=PJSIP/x-2\nstarted=1700000000\n" + ("noted=1700000000\n" if whole else "")
    (folder / f"{uniqueid}.meta").write_text(text)
    return folder / f"{uniqueid}.meta"


def test_a_beep_noted_while_the_ivr_was_down_is_called_back_once(line):
    whole = note_beep_in_spool(line.config, "1700000000.7")
    partial = note_beep_in_spool(line.config, "1700000000.8", whole=False, caller="+243899999999")
    assert line.db.run(lambda store: import_missed_beeps(line, store)) == 1
    assert not whole.exists(), "the number in clear leaves the disk once the beep is noted"
    assert partial.exists(), "a note Asterisk is still writing waits"
    (call,) = line.db.run(lambda s: s.conn.execute("SELECT * FROM calls").fetchall())
    call = dict(call)
    assert call["source"] == Source.BEEP and call["uniqueid"] == "1700000000.7" and call["ended_at"]
    assert call["started_at"].startswith("2023-11-14T22:13:20"), "when the caller beeped, not when it was noted"
    assert "243812345678" not in str(call)
    (callback,) = line.db.run(lambda s: s.callbacks_for_caller(call["caller_pseudonym"]))
    assert callback["beep_call_id"] == call["id"] and callback["state"] == "queued"
    sealed = line.db.run(lambda s: s.conn.execute("SELECT sealed FROM contacts").fetchone()[0])
    assert line.contacts.open(sealed, call["caller_pseudonym"]) == "+243812345678", "the dialler can call"

    # Handed over again (a crash before the file's deletion): noted once, not twice.
    note_beep_in_spool(line.config, "1700000000.7")
    assert line.db.run(lambda store: import_missed_beeps(line, store)) == 0
    assert line.db.run(lambda s: s.conn.execute("SELECT count(*) FROM calls").fetchone()[0]) == 1
    assert not (line.config.spool_dir / SPOOL_BEEPS / "1700000000.7.meta").exists()


def test_a_recording_a_stopped_line_cut_is_filed_when_asterisk_has_started_since(config, fresh_db):
    """`docker stop` then `docker start`: the cut recording is seconds old, not yet abandoned by
    its age, but the Asterisk that wrote it is gone, so the IVR's start files it."""
    folder = config.recordings_dir / "2026" / "12"
    folder.mkdir(parents=True)
    write_wav(folder / "cut.wav", tone(3.0), RATE)
    written = (folder / "cut.wav").stat().st_mtime
    assert import_orphan_recordings(config, fresh_db) == [], "still being written, for all it knows"
    assert import_orphan_recordings(config, fresh_db, asterisk_started=written - 60) == [], \
        "the running Asterisk may still be writing it"
    (alert,) = import_orphan_recordings(config, fresh_db, asterisk_started=written + 1)
    assert FLAG_PARTIAL in alert["flags"] and FLAG_FAILOVER in alert["flags"]
    old = time.time() - 3600
    os.utime(folder / "cut.wav", (old, old))
    assert import_orphan_recordings(config, fresh_db) == [], "filed once"
