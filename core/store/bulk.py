"""Rows written many at a time, for benchmarks and tests that need years of history in minutes
(bench/fill.py). Straight into the real tables, so the schema's constraints, triggers (the
transcripts' full-text index) and indexes do what they do live; no audit of its own, since
the caller writes the audit rows an installation would have."""

from __future__ import annotations

from ._base import Base


class Bulk(Base):
    def bulk_insert(self, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
        """INSERT `rows` into `table`; the table and its columns must exist (names are checked
        against the schema, never pasted from elsewhere)."""
        known = {row[1] for row in self.conn.execute("SELECT * FROM pragma_table_info(?)", (table,))}
        if not known or not set(columns) <= known:
            raise ValueError(f"no table {table!r} with columns {', '.join(sorted(set(columns) - known))}")
        if rows:
            self.conn.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})", rows)

    def bulk_last_id(self, table: str) -> int:
        """The table's largest rowid (0 if empty), to number the rows written next."""
        if self._value("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)) is None:
            raise ValueError(f"no table {table!r}")
        return self._value(f"SELECT coalesce(max(rowid), 0) FROM {table}")

    def alert_references(self) -> set[str]:
        return {row[0] for row in self.conn.execute("SELECT reference FROM alerts")}

    def checkpoint(self) -> None:
        """Fold the write-ahead log into the database file (after a bulk fill, before measuring)."""
        self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
