"""Applying the numbered migrations (schema.py), safely when several processes open at once.

`sauti up` starts the IVR, the ASR worker and the console together, each opening the
database; after an upgrade all of them find migrations pending. Each migration runs
in its own BEGIN IMMEDIATE transaction (the write lock; others wait up to the busy
timeout), and the list of applied migrations is read again inside that lock, so the
first process applies it and the others find it done. A migration that fails rolls
back whole: the database is left exactly as it was, bookkeeping included.

The line never runs on a schema it does not know: a migration that fails, or a database
holding migrations this code has never heard of (written by a newer release), is a
`SchemaError` whose message says what to do, and every command stops on it (sauti/cli.py).
"""

from __future__ import annotations

import sqlite3

from ._base import Base
from ._time import utcnow

BOOKKEEPING = "CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"


class SchemaError(Exception):
    """The database's schema is not the one this code runs on; the message says why and what to do."""


def applied(conn: sqlite3.Connection) -> set[str]:
    try:
        return {row[0] for row in conn.execute("SELECT name FROM _migrations")}
    except sqlite3.OperationalError as exc:
        if "no such table" not in str(exc):
            raise
        return set()


def migrate(base: Base, migrations: list[tuple[str, str]]) -> list[str]:
    """Apply the pending migrations in order; returns the names this call applied.

    SchemaError when the database holds migrations not in `migrations`, or one fails."""
    known = {name for name, _ in migrations}
    unknown = sorted(applied(base.conn) - known)
    if unknown:
        raise SchemaError(
            f"the database {_where(base)} was upgraded by a newer Sauti: it holds migration(s)"
            f" {', '.join(unknown)}, which this version does not know. Nothing was started, nothing changed:"
            " run the release that made it, or restore a backup made with this one (`sauti restore`).")
    if known <= applied(base.conn):
        return []  # the usual case, decided without taking the write lock
    done = []
    for name, sql in migrations:
        if name in applied(base.conn):  # applied by a process that held the lock before us
            continue
        try:
            with base.transaction():
                base.conn.execute(BOOKKEEPING)
                if name in applied(base.conn):  # another process applied it while we waited
                    continue
                for statement in _split_sql(sql):
                    base.conn.execute(statement)
                base.conn.execute("INSERT INTO _migrations (name, applied_at) VALUES (?, ?)", (name, utcnow()))
        except sqlite3.Error as exc:
            last = max(applied(base.conn), default="none")
            raise SchemaError(
                f"upgrading the database {_where(base)} failed at migration {name}: {exc}. It was rolled back"
                f" whole: the database is as it was, at migration {last}, and the line does not start on a"
                " half-upgraded schema. Free disk space or fix the cause and start again; the data is"
                " untouched.") from exc
        done.append(name)
    return done


def _where(base: Base) -> str:
    row = base.conn.execute("PRAGMA database_list").fetchone()
    return row[2] or "in memory"


def _split_sql(sql: str) -> list[str]:
    """Split a migration into single statements for `execute` (`executescript` would COMMIT
    the migration's transaction). A `;` ends a statement only where SQLite agrees the
    statement is complete, so trigger bodies, string literals and comments stay whole.
    A trailing comment stays a piece of its own (SQLite executes it as nothing)."""
    statements, start = [], 0
    for index, char in enumerate(sql):
        if char == ";" and sqlite3.complete_statement(sql[start : index + 1]):
            statements.append(sql[start : index + 1])
            start = index + 1
    statements.append(sql[start:])
    return [s.strip() for s in statements if s.strip()]
