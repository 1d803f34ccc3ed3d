"""Confidential complaints' rows and their own audit (see core/complaints.py).

Kept apart from alerts, calls and audit_log, so no queue, search, export, corpus or
report that reads those tables can reach a complaint. No caller pseudonym is kept.
"""

from __future__ import annotations

import datetime as dt

from ..identity import reference_candidates, reference_digits
from ._time import as_text, utcnow
from .audit import Audit
from .users import Users

COMPLAINT_REFERENCE_DIGITS = 8   # random, not sequential: a caller cannot guess another's reference
COMPLAINT_COLUMNS = "id, reference, language, duration, status, status_message, created_at, updated_at, purged_at"


class Complaints(Users, Audit):
    def file_complaint(self, reference: str, language: str, path: str | None, duration: float | None,
                       began: dt.datetime | None = None) -> dict:
        """`began`: a take sealed after a failure keeps the time it was recorded, and its
        filing says so in the audit."""
        with self.transaction():
            now = utcnow()
            created = as_text(began) if began else now
            cursor = self.conn.execute(
                "INSERT INTO complaints (reference, language, path, duration, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?)", (reference, language, path, duration, created, now))
            self.complaint_access("ivr", "file", cursor.lastrowid, f"recorded {created}" if began else None)
            return self.complaint(cursor.lastrowid)

    def complaint_reference_taken(self, reference: str) -> bool:
        return self.conn.execute("SELECT 1 FROM complaints WHERE reference = ?", (reference,)).fetchone() is not None

    def complaint_reference_digits(self, fewest: int = COMPLAINT_REFERENCE_DIGITS) -> int:
        """How many digits new complaint references have now (what a caller keys)."""
        return reference_digits(self._value("SELECT max(id) FROM complaints") or 0, fewest)

    def free_complaint_reference(self, fewest: int = COMPLAINT_REFERENCE_DIGITS) -> str:
        """A random reference no complaint has: `fewest` digits (no check digit, as they always
        were) until complaints fill a tenth of that space, then longer (core/identity.py)."""
        filed = self._value("SELECT max(id) FROM complaints") or 0  # rows are never deleted, only purged
        for reference in reference_candidates(filed, fewest, check_digit=False):
            if not self.complaint_reference_taken(reference):
                return reference
        raise AssertionError("reference_candidates never ends")

    def complaints(self) -> list[dict]:
        return list(self.db.query(f"SELECT {COMPLAINT_COLUMNS} FROM complaints ORDER BY id DESC"))

    def complaint(self, complaint_id: int) -> dict | None:
        rows = list(self.db.query(f"SELECT {COMPLAINT_COLUMNS}, path FROM complaints WHERE id = ?", [complaint_id]))
        return rows[0] if rows else None

    def complaint_by_reference(self, reference: str) -> dict | None:
        row = self.conn.execute("SELECT id FROM complaints WHERE reference = ?", (reference,)).fetchone()
        return self.complaint(row[0]) if row else None

    def update_complaint(self, complaint_id: int, actor: str, status: str | None = None,
                         status_message: str | None = None) -> None:
        with self.transaction():
            if status is not None:
                self.conn.execute("UPDATE complaints SET status = ?, updated_at = ? WHERE id = ?",
                                  (status, utcnow(), complaint_id))
                self.complaint_access(actor, "status", complaint_id, status)
            if status_message is not None:
                self.conn.execute("UPDATE complaints SET status_message = ?, updated_at = ? WHERE id = ?",
                                  (status_message, utcnow(), complaint_id))
                self.complaint_access(actor, "status_message", complaint_id)

    def complaint_access(self, actor: str, action: str, complaint_id: int | None, detail: str | None = None) -> None:
        self.conn.execute("INSERT INTO complaint_audit (complaint_id, actor, action, detail, at) VALUES (?, ?, ?, ?, ?)",
                          (complaint_id, actor, action, detail, utcnow()))

    def complaint_audit(self, complaint_id: int | None = None, limit: int = 200) -> list[dict]:
        where, params = ("WHERE complaint_id = ?", [complaint_id]) if complaint_id is not None else ("", [])
        return list(self.db.query(f"SELECT * FROM complaint_audit {where} ORDER BY id DESC LIMIT ?", [*params, limit]))

    def purge_complaints(self, before: str, remove_files, actor: str = "retention") -> list[int]:
        """Drop the recordings and status messages of complaints untouched since `before`.

        `remove_files([paths])` runs inside the transaction; if it raises nothing is purged."""
        with self.transaction():
            rows = self.conn.execute(
                "SELECT id, path, status_message FROM complaints WHERE purged_at IS NULL AND updated_at < ?",
                (before,)).fetchall()
            if not rows:
                return []
            remove_files([p for row in rows for p in (row["path"], row["status_message"]) if p])
            ids = [row["id"] for row in rows]
            marks = ", ".join("?" for _ in ids)
            now = utcnow()
            self.conn.execute(f"UPDATE complaints SET path = NULL, status_message = NULL, purged_at = ?, updated_at = ?"
                              f" WHERE id IN ({marks})", (now, now, *ids))
            for complaint_id in ids:
                self.complaint_access(actor, "purge", complaint_id)
            return ids

    def set_complaints_role(self, username: str, holds: bool, actor: str) -> None:
        """Grant or withdraw the complaints role; audited both in audit_log (who manages users
        sees it) and in the complaints audit (the role sees who joined it)."""
        with self.transaction():
            user = self.get_user(username)
            if user is None:
                raise KeyError(username)
            self.conn.execute("UPDATE users SET complaints = ? WHERE username = ?", (int(holds), username))
            self.audit(actor, "update", "user", user["id"], {"complaints": user["complaints"]},
                       {"complaints": int(holds)})
            self.complaint_access(actor, "grant" if holds else "withdraw", None, username)



