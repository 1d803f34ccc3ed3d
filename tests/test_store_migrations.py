"""Migrations: statements split right, a failure leaves the database exactly as it was,
0015 converts existing times, and many processes opening one database migrate it once."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import re
import sqlite3

import pytest

from core.store import Store
from core.store._time import as_text
from core.store.migrations import SchemaError, _split_sql
from core.store.schema import MIGRATIONS
from tests.fixtures.core import make_data_dir

OPENERS = 30
TIME_AS_TEXT = [name for name, _ in MIGRATIONS].index("0015_time_as_text")


def test_split_sql_keeps_triggers_strings_and_comments_whole():
    sql = """
        CREATE TABLE t (a TEXT); CREATE TABLE u (b TEXT);
        -- a comment; with a semicolon
        CREATE TRIGGER t_insert AFTER INSERT ON t BEGIN
            INSERT INTO u (b) VALUES (new.a || ';');
            INSERT INTO u (b) VALUES ('two;
        lines');
        END;
        INSERT INTO t (a) VALUES ('x; /* not a comment */ y');
        /* a block; comment */ UPDATE t SET a = 'z'
    """
    statements = _split_sql(sql)
    assert statements == [
        "CREATE TABLE t (a TEXT);",
        "CREATE TABLE u (b TEXT);",
        statements[2],
        "INSERT INTO t (a) VALUES ('x; /* not a comment */ y');",
        "/* a block; comment */ UPDATE t SET a = 'z'",
    ]
    assert statements[2].startswith("-- a comment; with a semicolon\n") and statements[2].endswith("END;")
    conn = sqlite3.connect(":memory:")
    for statement in statements:
        conn.execute(statement)  # each is exactly one statement
    assert [r[0] for r in conn.execute("SELECT b FROM u ORDER BY rowid")] == ["x; /* not a comment */ y;", "two;\n        lines"]
    assert _split_sql("  \n-- nothing but a comment\n") == ["-- nothing but a comment"]
    assert _split_sql("") == []


def dump(conn: sqlite3.Connection) -> list[str]:
    return list(conn.iterdump())


BROKEN = (
    "9999_broken",
    """
    CREATE TABLE half_done (x INTEGER);
    INSERT INTO half_done VALUES (1);
    UPDATE alerts SET status = 'verified';
    DELETE FROM jobs;
    ALTER TABLE calls DROP COLUMN station;
    INSERT INTO no_such_table VALUES (1);
    """,
)


def test_a_migration_failing_halfway_leaves_the_database_as_it_was(fresh_db):
    call_id = fresh_db.create_call("phone", station="bunia-fm")
    fresh_db.queue_job("transcribe")
    fresh_db.conn.execute(
        "INSERT INTO alerts (reference, call_id, created_at, updated_at) VALUES ('1234561', ?, 'a', 'a')", (call_id,)
    )
    before = dump(fresh_db.conn)
    with pytest.raises(SchemaError, match=f"failed at migration {BROKEN[0]}: no such table: no_such_table"):
        fresh_db.migrate(MIGRATIONS + [BROKEN])
    assert dump(fresh_db.conn) == before
    assert not fresh_db.conn.in_transaction
    assert fresh_db.schema_version() == len(MIGRATIONS)


def test_a_first_migration_failing_leaves_a_new_file_empty(tmp_path):
    store = Store.open(tmp_path / "new.db", migrate=False)
    with pytest.raises(SchemaError, match="at migration none"):
        store.migrate([("0001_broken", "CREATE TABLE a (x); CREATE TABLE a (x);")])
    assert store.conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0  # no _migrations either
    assert store.migrate() == [name for name, _ in MIGRATIONS]


def sauti(data_dir, *args):
    from click.testing import CliRunner

    from sauti.cli import main

    return CliRunner().invoke(main, ["--data", str(data_dir), *args])


def test_the_line_refuses_to_start_when_a_pending_migration_fails(tmp_path):
    """A database one release behind whose last migration cannot apply (here: the table it
    creates is already there): `sauti up` and each service stop with a clear message, nothing
    is started, and the database stays at the migration before."""
    config = make_data_dir(tmp_path / "data")
    config.db_path.unlink(missing_ok=True)
    last, sql = MIGRATIONS[-1]
    created = re.search(r"CREATE TABLE (\w+)", sql)
    added = re.search(r"ALTER TABLE (\w+) ADD COLUMN (\w+)", sql)
    with Store.open(config.db_path, migrate=False) as store:
        store.migrate(MIGRATIONS[:-1])
        # What the last migration makes is already there: a table it creates, or a column it adds.
        store.conn.execute(f"CREATE TABLE {created.group(1)} (in_the_way INTEGER)" if created
                           else f"ALTER TABLE {added.group(1)} ADD COLUMN {added.group(2)} TEXT")
    for command in (["up", "--no-asterisk"], ["ivr"], ["worker"], ["web"], ["dialler"]):
        refused = sauti(config.data_dir, *command)
        assert refused.exit_code == 1, (command, refused.output)
        assert f"failed at migration {last}" in refused.output and f"at migration {MIGRATIONS[-2][0]}" in refused.output
        assert "does not start on a half-upgraded schema" in refused.output
        assert "Traceback" not in refused.output
    assert "Services:" not in sauti(config.data_dir, "up", "--no-asterisk").output, "nothing started"
    with Store.open(config.db_path, migrate=False) as store:
        assert store.schema_version() == len(MIGRATIONS) - 1


def test_the_line_refuses_a_database_from_a_newer_release(tmp_path):
    config = make_data_dir(tmp_path / "data")
    with Store.open(config.db_path) as store:
        store.conn.execute("INSERT INTO _migrations (name, applied_at) VALUES ('9999_from_the_future', 'x')")
    for command in (["up", "--no-asterisk"], ["ivr"], ["alerts", "list"]):
        refused = sauti(config.data_dir, *command)
        assert refused.exit_code == 1, (command, refused.output)
        assert "upgraded by a newer Sauti" in refused.output and "9999_from_the_future" in refused.output
    with pytest.raises(SchemaError):
        Store.open(config.db_path)


def test_0015_converts_epoch_leases_to_time_text(tmp_path):
    store = Store.open(tmp_path / "old.db", migrate=False)
    store.migrate(MIGRATIONS[:TIME_AS_TEXT])  # the schema as shipped before 0015
    expired, held = 1_700_000_000.25, 4_102_444_800.5  # 2023-11-14, 2100-01-01
    now = as_text(dt.datetime.now(dt.timezone.utc))
    for lease in (expired, held, None):
        store.conn.execute(
            "INSERT INTO jobs (kind, status, attempts, lease_until, worker, created_at, updated_at)"
            " VALUES ('test', ?, 1, ?, 'old-worker', ?, ?)",
            ("queued" if lease is None else "running", lease, now, now),
        )
    assert store.migrate() == [name for name, _ in MIGRATIONS[TIME_AS_TEXT:]]
    leases = [r[0] for r in store.conn.execute("SELECT lease_until FROM jobs ORDER BY id")]
    assert leases == [
        as_text(dt.datetime.fromtimestamp(expired, dt.timezone.utc)),
        as_text(dt.datetime.fromtimestamp(held, dt.timezone.utc)),
        None,
    ]
    assert leases[0] == "2023-11-14T22:13:20.250+00:00"
    # the leases still work: the expired one is claimable, the held one is not
    claimed = [store.claim_job("test", "new-worker", 30).id for _ in range(2)]
    assert claimed == [1, 3] and store.claim_job("test", "new-worker", 30) is None


def _open(path, start, out):
    start.wait(timeout=120)  # every process opens at the same moment
    try:
        with Store.open(path, migrate=False) as store:
            out.put(("ok", store.migrate()))
    except Exception as exc:  # reported to the test, which names it
        out.put(("error", repr(exc)))


def test_many_processes_opening_a_new_database_migrate_it_once(tmp_path):
    """As `sauti up` after an upgrade: every service opens the database at once."""
    path = tmp_path / "shared.db"
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["core.store"])
    start, out = context.Barrier(OPENERS), context.Queue()
    openers = [context.Process(target=_open, args=(path, start, out)) for _ in range(OPENERS)]
    for process in openers:
        process.start()
    results = [out.get(timeout=240) for _ in openers]
    for process in openers:
        process.join(timeout=60)
    assert [r for r in results if r[0] != "ok"] == []
    applied = sorted(name for _, names in results for name in names)
    assert applied == sorted(name for name, _ in MIGRATIONS)  # each migration by exactly one process
    with Store.open(path) as store:
        assert store.schema_version() == len(MIGRATIONS)
        assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
