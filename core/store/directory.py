"""The directory's rows: responders and focal points, numbers sealed, edits audited.

Numbers arrive sealed (core/directory.py); the audit log names the last two digits only.
"""

from __future__ import annotations

import secrets

from ..directory import DirectoryError, Entry
from ._time import utcnow
from .audit import Audit


class Directory(Audit):
    def directory(self, kind: str | None = None) -> list[Entry]:
        where, params = ("WHERE kind = ?", [kind]) if kind else ("", [])
        rows = self.db.query(
            f"SELECT id, kind, name, language, call_order, channel, number_tail FROM directory_entries {where}"
            " ORDER BY kind DESC, call_order, name", params)
        localities = self._directory_localities()
        return [_entry(row, localities.get(row["id"], ())) for row in rows]

    def directory_entry(self, entry_id: int) -> Entry | None:
        return next((e for e in self.directory() if e.id == entry_id), None)

    def responders_for(self, locality: str) -> list[Entry]:
        """The responders covering a locality, in their order of call."""
        return [e for e in self.directory("responder") if locality in e.localities]

    def focal_points_for(self, localities) -> list[Entry]:
        wanted = set(localities)
        return [e for e in self.directory("focal_point") if wanted & set(e.localities)]

    def sealed_number(self, entry_id: int) -> tuple[bytes, str] | None:
        """(sealed number, seal id) for the dialler, which alone opens it."""
        row = self.conn.execute(
            "SELECT number_sealed, seal_id FROM directory_entries WHERE id = ?", (entry_id,)).fetchone()
        return (bytes(row[0]), row[1]) if row else None

    def save_directory_entry(self, entry: Entry, seal, actor: str) -> int:
        """Add an entry or change the one of the same kind and name, audited.

        `seal(number, seal_id)` seals a new number; an entry saved without a number keeps
        its sealed one (a new entry must have one)."""
        with self.transaction():
            return self._put_entry(entry, seal, actor)

    def delete_directory_entry(self, entry_id: int, actor: str) -> bool:
        with self.transaction():
            before = self.directory_entry(entry_id)
            if before is None:
                return False
            self.conn.execute("DELETE FROM directory_entries WHERE id = ?", (entry_id,))
            self.audit(actor, "delete", "directory", entry_id, _audited(before), None)
            return True

    def import_directory(self, entries: list[Entry], seal, actor: str) -> dict:
        """Add or update every entry given; one without a number and no sealed one refuses the whole file."""
        with self.transaction():
            known = {(e.kind, e.name) for e in self.directory()}
            for entry in entries:
                self._put_entry(entry, seal, actor, audit=False)
            given = {(e.kind, e.name) for e in entries}
            summary = {"added": len(given - known), "updated": len(given & known)}
            self.audit(actor, "import", "directory", None, None, summary)
        return summary

    def _put_entry(self, entry: Entry, seal, actor: str, audit: bool = True) -> int:
        row = self.conn.execute("SELECT id, seal_id FROM directory_entries WHERE kind = ? AND name = ?",
                                (entry.kind, entry.name)).fetchone()
        before = self.directory_entry(row["id"]) if row else None
        if row is None and not entry.number:
            raise DirectoryError(f"{entry.name}: a new entry needs a number", "number_needed", name=entry.name)
        now = utcnow()
        if row is None:
            seal_id = secrets.token_hex(16)
            entry_id = self.conn.execute(
                "INSERT INTO directory_entries (kind, name, language, call_order, channel, seal_id, number_sealed,"
                " number_tail, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (entry.kind, entry.name, entry.language, entry.order, entry.channel, seal_id,
                 seal(entry.number, seal_id), entry.number_tail, now, now)).lastrowid
        else:
            entry_id = row["id"]
            self.conn.execute("UPDATE directory_entries SET language = ?, call_order = ?, channel = ?, updated_at = ?"
                              " WHERE id = ?", (entry.language, entry.order, entry.channel, now, entry_id))
            if entry.number:
                self.conn.execute("UPDATE directory_entries SET number_sealed = ?, number_tail = ?, pseudonym = NULL"
                                  " WHERE id = ?",
                                  (seal(entry.number, row["seal_id"]), entry.number_tail, entry_id))
        self.conn.execute("DELETE FROM directory_localities WHERE entry_id = ?", (entry_id,))
        self.conn.executemany("INSERT INTO directory_localities (entry_id, locality) VALUES (?, ?)",
                              [(entry_id, code) for code in entry.localities])
        if audit:
            after = self.directory_entry(entry_id)
            self.audit(actor, "update" if before else "create", "directory", entry_id,
                       _audited(before) if before else None, _audited(after))
        return entry_id

    def _directory_localities(self) -> dict[int, tuple[str, ...]]:
        found: dict[int, list[str]] = {}
        for entry_id, code in self.conn.execute(
                "SELECT entry_id, locality FROM directory_localities ORDER BY entry_id, CAST(locality AS INTEGER)"):
            found.setdefault(entry_id, []).append(code)
        return {k: tuple(v) for k, v in found.items()}


def _entry(row: dict, localities: tuple[str, ...]) -> Entry:
    return Entry(row["kind"], row["name"], localities, row["language"], row["call_order"],
                 number_tail=row["number_tail"], id=row["id"],
                 channel=row["channel"])


def _audited(entry: Entry) -> dict:
    return {"kind": entry.kind, "name": entry.name, "localities": list(entry.localities),
            "language": entry.language, "order": entry.order, "channel": entry.channel,
            "number": entry.masked_number}
