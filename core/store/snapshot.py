"""The database as one file: a one-step copy of a live database, and read-only checks of a copy.

Used by core/backup.py, which copies and restores whole data directories; the SQL
stays here with the rest of the store's.
"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path


def _connect(path: Path, readonly: bool = False) -> sqlite3.Connection:
    uri = f"file:{path}?mode=ro" if readonly else f"file:{path}"
    conn = sqlite3.connect(uri, uri=True, timeout=30, isolation_level=None)
    conn.execute("PRAGMA busy_timeout = 30000")
    return conn


def snapshot(source: Path, target: Path, wal: bool = False) -> None:
    """Copy a live database in one step of the online backup API (pages=-1): one consistent read."""
    src = _connect(source)
    dst = sqlite3.connect(str(target), isolation_level=None)
    try:
        src.backup(dst, pages=-1)
        # A backup is one self-contained file; a data directory runs in WAL mode like the line.
        dst.execute(f"PRAGMA journal_mode = {'WAL' if wal else 'DELETE'}")
    finally:
        dst.close()
        src.close()


def integrity(path: Path) -> str:
    """SQLite's integrity check of the database file: "ok", or what is wrong."""
    with contextlib.closing(_connect(path, readonly=True)) as conn:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]


def recordings_named(path: Path) -> tuple[int, list[tuple[int, str, str | None]]]:
    """The number of alerts, and every recording's (id, path, sha256), read from the file as it is."""
    with contextlib.closing(_connect(path, readonly=True)) as conn:
        alerts = conn.execute("SELECT count(*) FROM alerts").fetchone()[0]
        rows = conn.execute("SELECT id, path, sha256 FROM recordings ORDER BY id").fetchall()
    return alerts, rows
