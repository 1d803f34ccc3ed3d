"""The store: alerts, flags, rescoring, audit, references, time, and the durable job queue.

Migrations (split, failure, conversion, concurrency) are in test_store_migrations.py."""

from __future__ import annotations

import multiprocessing
import re
import sqlite3
import time

import pytest

from core.identity import damm_check_digit, is_valid_reference
from core.model import FLAG_LANGUAGE_INFERRED, FLAG_PARTIAL, FLAG_SILENT, Status
from core.store import RecordingFacts, Store
from core.store.schema import MIGRATIONS

ISO_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00")
RECORDING = RecordingFacts("recordings/x.wav", "wav", 6.0, 8000, 96044, "0" * 64)


def file_one(store: Store, **kwargs) -> dict:
    call_id = store.create_call("phone", channel="PJSIP/test-phone-1-00000001", caller_pseudonym="C-TEST")
    recording = RecordingFacts(f"recordings/{time.monotonic_ns()}.wav", "wav", 6.0, 8000, 96044, "0" * 64)
    return store.file_alert(call_id, recording, **kwargs)


def test_migrations_from_an_empty_file(tmp_path):
    path = tmp_path / "new.db"
    store = Store.open(path)
    assert store.schema_version() == len(MIGRATIONS)
    tables = {r[0] for r in store.conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    for table in ("calls", "alerts", "recordings", "transcripts", "tags", "jobs", "audit_log", "users"):
        assert table in tables
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    store.close()
    # Opening again applies nothing new and keeps the data.
    again = Store.open(path)
    assert again.migrate() == []
    assert again.schema_version() == len(MIGRATIONS)


def test_every_connection_commits_to_stable_storage(tmp_path):
    """WAL with synchronous = FULL: a commit is synced before it returns, whichever service
    opens the store (the IVR, the SMS receiver and the console open without migrating)."""
    for migrate in (True, False):
        with Store.open(tmp_path / "line.db", migrate=migrate) as store:
            assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
            assert store.conn.execute("PRAGMA synchronous").fetchone()[0] == 2, "FULL"


def test_foreign_keys_are_enforced(fresh_db):
    with pytest.raises(sqlite3.IntegrityError):
        fresh_db.add_recording(9999, RECORDING)


def test_file_alert_stores_recording_and_queues_transcription(fresh_db):
    alert = file_one(fresh_db, language="sw", locality="1234")
    assert is_valid_reference(alert["reference"])
    assert alert["status"] == Status.NEW
    assert alert["language"] == "sw" and alert["locality"] == "1234"
    assert alert["caller_pseudonym"] == "C-TEST"
    assert fresh_db.recordings_for(alert["id"])[0]["duration"] == 6.0
    jobs = fresh_db.jobs_for_alert(alert["id"])
    assert [(j["kind"], j["status"]) for j in jobs] == [("transcribe", "queued"), ("spot", "queued")]


def test_every_status_change_is_audited(fresh_db):
    alert = file_one(fresh_db)
    other = file_one(fresh_db)
    fresh_db.set_status(alert["id"], Status.VERIFIED, "amani")
    fresh_db.set_status(alert["id"], Status.ESCALATED, "chef")
    fresh_db.set_status(other["id"], Status.DUPLICATE, "chef", duplicate_of=alert["id"])
    changes = [
        (e["actor"], e["before"], e["after"])
        for e in reversed(fresh_db.audit_entries("alert", alert["id"]))
        if e["action"] == "status"
    ]
    assert changes == [
        ("amani", {"status": "new"}, {"status": "verified"}),
        ("chef", {"status": "verified"}, {"status": "escalated"}),
    ]
    dup = fresh_db.audit_entries("alert", other["id"])[0]
    assert dup["after"] == {"status": "duplicate", "duplicate_of": alert["id"]}
    assert fresh_db.get_alert(other["id"])["duplicate_of"] == alert["id"]


def test_duplicate_needs_a_target(fresh_db):
    alert = file_one(fresh_db)
    with pytest.raises(ValueError):
        fresh_db.set_status(alert["id"], Status.DUPLICATE, "chef")
    with pytest.raises(ValueError):
        fresh_db.set_status(alert["id"], Status.DUPLICATE, "chef", duplicate_of=alert["id"])
    assert fresh_db.get_alert(alert["id"])["status"] == Status.NEW
    assert [e["action"] for e in fresh_db.audit_entries("alert", alert["id"])] == ["create"]


def test_references_unique_over_100000_issued():
    # Random references may collide; the store retries on its UNIQUE index.
    store = Store.open(":memory:")
    call_id = store.create_call("phone")
    with store.transaction():
        refs = [store._insert_alert(call_id, None, None, 1, ())[1] for _ in range(100_000)]
    assert len(set(refs)) == 100_000
    assert all(is_valid_reference(r) for r in refs)


def test_check_digit_catches_every_single_digit_typo():
    for body in ("000000", "123456", "987654", "402155", "999999"):
        reference = body + damm_check_digit(body)
        assert is_valid_reference(reference)
        for position in range(len(reference)):
            for digit in "0123456789":
                if digit == reference[position]:
                    continue
                typo = reference[:position] + digit + reference[position + 1 :]
                assert not is_valid_reference(typo), (reference, typo)


def test_check_digit_catches_adjacent_transpositions():
    reference = "1234567"[:6]
    reference += damm_check_digit(reference)
    for i in range(len(reference) - 1):
        if reference[i] == reference[i + 1]:
            continue
        swapped = reference[:i] + reference[i + 1] + reference[i] + reference[i + 2 :]
        assert not is_valid_reference(swapped)


def test_claim_returns_none_when_empty(fresh_db):
    assert fresh_db.claim_job("transcribe", "w1", 30) is None


def test_lease_expiry_returns_a_job_to_the_queue(fresh_db):
    job_id = fresh_db.queue_job("test")
    first = fresh_db.claim_job("test", "w1", lease_seconds=0.2)
    assert first.id == job_id and first.attempts == 1
    assert fresh_db.claim_job("test", "w2", lease_seconds=30) is None
    deadline = time.monotonic() + 5
    second = None
    while second is None and time.monotonic() < deadline:
        second = fresh_db.claim_job("test", "w2", lease_seconds=30)
        time.sleep(0.05)
    assert second is not None and second.id == job_id and second.attempts == 2
    assert fresh_db.get_job(job_id)["worker"] == "w2"


def test_failures_retry_then_park(fresh_db):
    job_id = fresh_db.queue_job("test")
    for attempt in (1, 2):
        job = fresh_db.claim_job("test", "w", 30, max_attempts=3)
        assert job.attempts == attempt
        assert fresh_db.fail_job(job.id, f"boom {attempt}", max_attempts=3) is False
    job = fresh_db.claim_job("test", "w", 30, max_attempts=3)
    assert fresh_db.fail_job(job.id, "boom 3", max_attempts=3) is True
    row = fresh_db.get_job(job_id)
    assert row["status"] == "failed" and row["last_error"] == "boom 3"
    assert fresh_db.claim_job("test", "w", 30) is None


def test_a_job_whose_worker_keeps_dying_is_parked(fresh_db):
    job_id = fresh_db.queue_job("test")
    for _ in range(3):
        assert fresh_db.claim_job("test", "w", lease_seconds=-1, max_attempts=3) is not None
    assert fresh_db.claim_job("test", "w", 30, max_attempts=3) is None
    assert fresh_db.get_job(job_id)["status"] == "failed"


def _claim_all(db_path, worker, out, start):
    store = Store.open(db_path)
    start.wait(timeout=60)  # both claimers race from the same moment
    claimed = []
    while True:
        job = store.claim_job("race", worker, lease_seconds=600)
        if job is None:
            break
        claimed.append(job.id)
        time.sleep(0.002)  # a worker works between claims, which lets the other one in
    out.put(claimed)


def test_jobs_are_claimed_once_under_concurrent_claimers(config):
    store = Store.open(config.db_path)
    ids = {store.queue_job("race") for _ in range(500)}
    context = multiprocessing.get_context("spawn")
    out = context.Queue()
    start = context.Barrier(2)
    workers = [context.Process(target=_claim_all, args=(config.db_path, f"w{i}", out, start)) for i in range(2)]
    for worker in workers:
        worker.start()
    results = [out.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
    everything = results[0] + results[1]
    assert len(everything) == len(set(everything)) == len(ids)
    assert set(everything) == ids
    assert all(results), "both processes should have claimed some jobs"


def test_claims_are_exclusive_and_expire(fresh_db):
    alert = file_one(fresh_db)
    assert fresh_db.claim_alert(alert["id"], "amani", minutes=10)
    assert not fresh_db.claim_alert(alert["id"], "neema", minutes=10)
    assert fresh_db.claim_alert(alert["id"], "amani", minutes=10)
    fresh_db.claim_alert(alert["id"], "amani", minutes=-1)  # let it lapse
    assert fresh_db.claim_alert(alert["id"], "neema", minutes=10)


def test_verifier_transcript_keeps_the_original(fresh_db):
    alert = file_one(fresh_db)
    fresh_db.add_transcript(alert["id"], "watu wenye silaha", model="ko", language="sw", confidence=0.4)
    fresh_db.add_transcript(alert["id"], "watu wenye silaha wamefika", origin="verifier", author="amani")
    texts = [(t["origin"], t["text"]) for t in fresh_db.transcripts_for(alert["id"])]
    assert texts == [("asr", "watu wenye silaha"), ("verifier", "watu wenye silaha wamefika")]
    entry = fresh_db.audit_entries("alert", alert["id"])[0]
    assert entry["action"] == "transcript" and entry["actor"] == "amani"
    assert entry["before"] == {"text": "watu wenye silaha"}


def test_tags_and_notes_are_audited(fresh_db):
    alert = file_one(fresh_db)
    fresh_db.set_tags(alert["id"], {"attack", "abduction"}, "amani")
    fresh_db.set_tags(alert["id"], {"attack", "abduction"}, "amani")  # no change, no entry
    fresh_db.add_note(alert["id"], "amani", "<script>alert(1)</script>")
    actions = [e["action"] for e in fresh_db.audit_entries("alert", alert["id"])]
    assert actions == ["note", "tags", "create"]
    assert fresh_db.tags_for(alert["id"]) == ["abduction", "attack"]


# -- flags state what is true now ----------------------------------------------


def test_flags_are_set_and_cleared_with_their_history(fresh_db):
    alert = file_one(fresh_db, flags=[FLAG_SILENT, FLAG_PARTIAL])
    assert alert["flags"] == [FLAG_PARTIAL, FLAG_SILENT]
    assert fresh_db.audit_entries("alert", alert["id"])[0]["after"]["flags"] == [FLAG_PARTIAL, FLAG_SILENT]
    assert fresh_db.set_flags(alert["id"], "asr", clear=[FLAG_SILENT]) == [FLAG_PARTIAL]
    assert fresh_db.set_flags(alert["id"], "asr", clear=[FLAG_SILENT]) == [FLAG_PARTIAL]  # no change, no entry
    assert fresh_db.set_flags(alert["id"], "asr", add=[FLAG_LANGUAGE_INFERRED]) == [FLAG_LANGUAGE_INFERRED, FLAG_PARTIAL]
    history = [(e["actor"], e["before"], e["after"]) for e in fresh_db.audit_entries("alert", alert["id"])
               if e["action"] == "flags"]
    assert history == [
        ("asr", {"flags": [FLAG_PARTIAL]}, {"flags": [FLAG_LANGUAGE_INFERRED, FLAG_PARTIAL]}),
        ("asr", {"flags": [FLAG_PARTIAL, FLAG_SILENT]}, {"flags": [FLAG_PARTIAL]}),
    ]
    assert fresh_db.get_alert(alert["id"])["flags"] == [FLAG_LANGUAGE_INFERRED, FLAG_PARTIAL]
    with pytest.raises(ValueError):
        fresh_db.set_flags(alert["id"], "asr", add=[FLAG_SILENT], clear=[FLAG_SILENT])
    with pytest.raises(KeyError):
        fresh_db.set_flags(9999, "asr", add=[FLAG_SILENT])


def test_a_language_set_by_a_person_is_no_longer_inferred(fresh_db):
    alert = file_one(fresh_db)
    fresh_db.set_language(alert["id"], "sw", inferred=True)
    inferred = fresh_db.get_alert(alert["id"])
    assert inferred["language_inferred"] and inferred["flags"] == [FLAG_LANGUAGE_INFERRED]
    fresh_db.update_alert(alert["id"], "amani", language="ln")
    known = fresh_db.get_alert(alert["id"])
    assert known["language"] == "ln" and not known["language_inferred"] and known["flags"] == []


def test_a_person_who_transcribes_words_lowers_the_silent_flag(fresh_db):
    alert = file_one(fresh_db, flags=[FLAG_SILENT])
    fresh_db.add_transcript(alert["id"], "  ", origin="verifier", author="amani")
    assert fresh_db.get_alert(alert["id"])["flags"] == [FLAG_SILENT]  # nothing written, nothing known
    fresh_db.add_transcript(alert["id"], "watu wenye silaha", origin="verifier", author="amani")
    assert fresh_db.get_alert(alert["id"])["flags"] == []
    latest, change = fresh_db.audit_entries("alert", alert["id"])[:2]
    assert latest["action"] == "transcript"
    assert (change["action"], change["actor"], change["after"]) == ("flags", "amani", {"flags": []})


# -- one representation of time ------------------------------------------------


def test_every_stored_time_is_iso_text_in_utc(fresh_db):
    alert = file_one(fresh_db)
    fresh_db.claim_alert(alert["id"], "amani", minutes=5)
    job = fresh_db.claim_job("transcribe", "w", lease_seconds=30)
    times = {
        "created_at": fresh_db.get_alert(alert["id"])["created_at"],
        "claimed_until": fresh_db.get_alert(alert["id"])["claimed_until"],
        "lease_until": fresh_db.get_job(job.id)["lease_until"],
        "audit at": fresh_db.audit_entries()[0]["at"],
    }
    for name, value in times.items():
        assert isinstance(value, str) and ISO_UTC.fullmatch(value), (name, value)
    declared = {row["name"]: row["type"] for row in fresh_db.conn.execute("PRAGMA table_info(jobs)")}
    assert declared["lease_until"] == "TEXT"


def test_call_outcomes_after_a_call_for_the_load_benchmark(fresh_db, config):
    from tests.fixtures.web import make_alert

    before = fresh_db.last_call_id()
    alert = make_alert(fresh_db, config, write_audio=False)
    missed = fresh_db.create_call("beep")
    rows = fresh_db.call_outcomes_after(before)
    assert [r["call_id"] for r in rows] == [alert["call_id"], missed]
    filed, beep = rows
    assert filed["alert_id"] == alert["id"] and filed["duration"] == 4.0 and filed["transcribed_at"]
    assert beep["alert_id"] is None and beep["transcribed_at"] is None
    assert fresh_db.call_outcomes_after(fresh_db.last_call_id()) == []
