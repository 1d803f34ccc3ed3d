"""Local Protection Committees and the reports their calls leave (alerts whose call names one)."""

from __future__ import annotations

from ._time import utcnow
from .audit import Audit
from .committee_pins import COMMITTEE, entity


class Committees(Audit):
    def committees(self) -> list[dict]:
        return list(self.db.query(
            "SELECT c.id, c.name, c.locality, c.created_at, c.updated_at,"
            " (SELECT count(*) FROM calls JOIN alerts ON alerts.call_id = calls.id"
            "  WHERE calls.committee_id = c.id) AS reports"
            " FROM committees c ORDER BY c.locality, c.name"))

    def committee(self, committee_id: int) -> dict | None:
        return next((c for c in self.committees() if c["id"] == committee_id), None)

    def committee_by_pin(self, pin_hash: str) -> dict | None:
        row = self.conn.execute("SELECT id FROM committees WHERE pin_hash = ?", (pin_hash,)).fetchone()
        return self.committee(row[0]) if row else None

    def save_committee(self, name: str, locality: str, pin_hash: str | None, actor: str) -> int:
        """Add a committee or change the one of that name; the PIN is audited as changed, never shown.
        Raises sqlite3.IntegrityError when another committee has that PIN."""
        with self.transaction():
            now = utcnow()
            row = self.conn.execute("SELECT id, locality FROM committees WHERE name = ?", (name,)).fetchone()
            if row is None:
                if pin_hash is None:
                    raise ValueError("a new committee needs a PIN")
                cursor = self.conn.execute(
                    "INSERT INTO committees (name, locality, pin_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
                    (name, locality, pin_hash, now, now))
                self.audit(actor, "create", "committee", cursor.lastrowid, None, {"name": name, "locality": locality})
                return cursor.lastrowid
            if pin_hash is not None:
                self.conn.execute("UPDATE committees SET pin_hash = ? WHERE id = ?", (pin_hash, row[0]))
            self.conn.execute("UPDATE committees SET locality = ?, updated_at = ? WHERE id = ?", (locality, now, row[0]))
            after = {"locality": locality, **({"pin": "<changed>"} if pin_hash is not None else {})}
            self.audit(actor, "update", "committee", row[0], {"locality": row[1]}, after)
            return row[0]

    def delete_committee(self, committee_id: int, actor: str) -> bool:
        """Only a committee without reports goes; one with reports keeps its name on them."""
        with self.transaction():
            before = self.committee(committee_id)
            if before is None or before["reports"]:
                return False
            self.conn.execute("DELETE FROM committees WHERE id = ?", (committee_id,))
            self.audit(actor, "delete", "committee", committee_id, {"name": before["name"]}, None)
            return True

    def link_committee(self, call_id: int, committee_id: int) -> None:
        self.conn.execute("UPDATE calls SET committee_id = ? WHERE id = ?", (committee_id, call_id))

    def committee_pin_refused(self, tries: int, line: str = COMMITTEE) -> None:
        """A committee (or verifier) call that gave up after wrong PINs: when and how many, nothing about the caller."""
        self.audit("ivr", "pin_refused", entity(line), None, None, {"tries": tries})

    def committee_reports(self, locality: str, limit: int = 20) -> list[dict]:
        """Committee reports for one locality, newest first, for the console beside the alerts.
        In the order of the locality's index (alerts_locality_time), so the query walks back from
        the newest and stops at `limit` instead of sorting every alert the locality ever sent."""
        return list(self.db.query(
            "SELECT alerts.id, alerts.reference, alerts.status, alerts.created_at, committees.name AS committee"
            " FROM alerts JOIN calls ON calls.id = alerts.call_id JOIN committees ON committees.id = calls.committee_id"
            " WHERE alerts.locality = ? ORDER BY alerts.created_at DESC LIMIT ?", [locality, limit]))

    def reports_of_committee(self, committee_id: int) -> list[dict]:
        return list(self.db.query(
            "SELECT alerts.id, alerts.reference, alerts.locality, calls.source FROM alerts"
            " JOIN calls ON calls.id = alerts.call_id WHERE calls.committee_id = ? ORDER BY alerts.id",
            [committee_id]))
