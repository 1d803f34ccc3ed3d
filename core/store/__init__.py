"""The store: every SQL statement Sauti runs lives in this package.

    store = Store.open(config.db_path)   # creates and migrates the file if needed
    call_id = store.create_call(Source.PHONE, channel="PJSIP/phone-1-0001")
    alert = store.file_alert(call_id, recording, language="sw")

One `Store` per thread; SQLite in WAL mode lets the IVR, the ASR worker and the
console write to one file from separate processes.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
from pathlib import Path

import sqlite_utils

from ._time import utcnow
from .alerts import AlertsMixin, RecordingFacts
from .asr import AsrMixin
from .callbacks import CallbacksMixin
from .committees import CommitteesMixin
from .complaints import ComplaintsMixin
from .console import ConsoleMixin
from .directory import DirectoryMixin
from .exports import ExportsMixin
from .gazetteer import GazetteerMixin
from .incidents import IncidentsMixin
from .jobs import Job, JobsMixin
from .live import LiveCallsMixin
from .responders import RespondersMixin
from .responses import ResponsesMixin
from .retention import CLOSED_STATUSES, RetentionMixin
from .schema import MIGRATIONS
from .sessions import SessionsMixin
from .users import UsersMixin

__all__ = ["Store", "Job", "RecordingFacts", "CLOSED_STATUSES", "utcnow"]


class Store(AlertsMixin, AsrMixin, CallbacksMixin, CommitteesMixin, ComplaintsMixin, ConsoleMixin, DirectoryMixin,
            ExportsMixin, GazetteerMixin, IncidentsMixin, JobsMixin, LiveCallsMixin, RespondersMixin, ResponsesMixin, RetentionMixin,
            SessionsMixin, UsersMixin):
    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self.db = sqlite_utils.Database(conn)
        self._depth = 0
        self._lock = threading.RLock()

    @classmethod
    def open(cls, path: Path | str, migrate: bool = True) -> "Store":
        path = str(path)
        conn = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA busy_timeout = 30000")
        if path != ":memory:":
            conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = NORMAL")
        store = cls(conn)
        if migrate:
            store.migrate()
        return store

    def close(self) -> None:
        self.conn.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @contextlib.contextmanager
    def transaction(self):
        """BEGIN IMMEDIATE ... COMMIT; nested calls join the outer transaction."""
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                return
            self.conn.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            else:
                self.conn.execute("COMMIT")
            finally:
                self._depth = 0

    # -- schema -------------------------------------------------------------

    def migrate(self) -> list[str]:
        """Apply pending migrations in order; returns the names applied."""
        self.conn.execute(
            "CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
        )
        applied = {row[0] for row in self.conn.execute("SELECT name FROM _migrations")}
        done = []
        for name, sql in MIGRATIONS:
            if name in applied:
                continue
            with self.transaction():
                # executescript would COMMIT our transaction; run statements one by one.
                for statement in _split_sql(sql):
                    self.conn.execute(statement)
                self.conn.execute(
                    "INSERT INTO _migrations (name, applied_at) VALUES (?, ?)", (name, utcnow())
                )
            done.append(name)
        return done

    def schema_version(self) -> int:
        return self.conn.execute("SELECT count(*) FROM _migrations").fetchone()[0]

    # -- audit --------------------------------------------------------------

    def audit(self, actor: str, action: str, entity: str, entity_id, before=None, after=None) -> None:
        self.conn.execute(
            "INSERT INTO audit_log (actor, action, entity, entity_id, before, after, at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                actor,
                action,
                entity,
                entity_id,
                None if before is None else json.dumps(before, ensure_ascii=False),
                None if after is None else json.dumps(after, ensure_ascii=False),
                utcnow(),
            ),
        )

    def audit_entries(self, entity: str | None = None, entity_id=None, limit: int = 200) -> list[dict]:
        where, params = [], []
        if entity is not None:
            where.append("entity = ?")
            params.append(entity)
        if entity_id is not None:
            where.append("entity_id = ?")
            params.append(entity_id)
        sql = "SELECT * FROM audit_log"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY id DESC LIMIT ?"
        params.append(limit)
        return [_decode_audit(row) for row in self.db.query(sql, params)]


def _decode_audit(row: dict) -> dict:
    for key in ("before", "after"):
        if row[key] is not None:
            row[key] = json.loads(row[key])
    return row


def _split_sql(sql: str) -> list[str]:
    """Split a migration into statements, keeping trigger bodies whole."""
    statements, current = [], []
    for line in sql.splitlines():
        current.append(line)
        joined = "\n".join(current).strip()
        if joined.endswith(";") and sqlite3.complete_statement(joined):
            statements.append(joined)
            current = []
    rest = "\n".join(current).strip()
    if rest:
        statements.append(rest)
    return statements
