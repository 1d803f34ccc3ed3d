"""What every store area stands on: the connection, transactions and row queries.

Each area (alerts.py, jobs.py, ...) is a class deriving from `Base` and from the
areas whose methods it calls, so every `self.method` it uses is declared by a base
it names; `tests/test_store_shape.py` checks this. `Store` combines all areas.
List bases most dependent first and `Audit` last (e.g. `Alerts(Flags, Recordings,
Jobs, Audit)`), so Python finds one method order for `Store`.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading

import sqlite_utils


class Base:
    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self.db = sqlite_utils.Database(conn)
        self._depth = 0
        self._lock = threading.RLock()

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

    def _rows(self, sql: str, params=()) -> list[dict]:
        return list(self.db.query(sql, list(params)))

    def _row(self, sql: str, params=()) -> dict | None:
        rows = self._rows(sql, params)
        return rows[0] if rows else None

    def _value(self, sql: str, params=()):
        """The first column of the first row, or None."""
        row = self.conn.execute(sql, tuple(params)).fetchone()
        return row[0] if row else None
