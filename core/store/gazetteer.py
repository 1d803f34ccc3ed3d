"""The gazetteer's rows: localities as callers key them, edited by admins, audited."""

from __future__ import annotations

from ..gazetteer import Locality
from .audit import Audit

_COLUMNS = "code, name, territory, province, latitude, longitude"


class Gazetteer(Audit):
    def add_locality(self, code: str, name: str, territory: str | None = None) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO localities (code, name, territory) VALUES (?, ?, ?)", (code, name, territory)
        )

    def has_gazetteer(self) -> bool:
        return self._value("SELECT 1 FROM localities LIMIT 1") is not None

    def locality(self, code: str) -> dict | None:
        return self._row("SELECT * FROM localities WHERE code = ?", [code])

    def list_localities(self, limit: int = 500) -> list[dict]:
        return self._rows("SELECT code, name, territory FROM localities ORDER BY name LIMIT ?", [limit])

    def localities(self) -> list[Locality]:
        return [Locality(**row) for row in self.db.query(f"SELECT {_COLUMNS} FROM localities ORDER BY code")]

    def localities_by_code(self) -> dict[str, Locality]:
        return {locality.code: locality for locality in self.localities()}

    def save_locality(self, locality: Locality, actor: str) -> None:
        """Add a locality or change the one with its code, audited with what it was."""
        with self.transaction():
            before = self.locality(locality.code)
            self._put_locality(locality)
            self.audit(actor, "update" if before else "create", "locality", int(locality.code),
                       before, locality.as_row())

    def delete_locality(self, code: str, actor: str) -> bool:
        with self.transaction():
            before = self.locality(code)
            if before is None:
                return False
            self.conn.execute("DELETE FROM localities WHERE code = ?", (code,))
            self.audit(actor, "delete", "locality", int(code), before, None)
            return True

    def import_localities(self, localities: list[Locality], actor: str, replace: bool = False) -> dict:
        """Add or update every locality given; with replace, drop the ones not given.

        Alerts keep the code they carry, so dropping a locality loses no alert."""
        with self.transaction():
            existing = {row[0] for row in self.conn.execute("SELECT code FROM localities")}
            given = {locality.code for locality in localities}
            removed = sorted(existing - given) if replace else []
            for code in removed:
                self.conn.execute("DELETE FROM localities WHERE code = ?", (code,))
            for locality in localities:
                self._put_locality(locality)
            summary = {"added": len(given - existing), "updated": len(given & existing), "removed": len(removed)}
            self.audit(actor, "import", "gazetteer", None, None, summary)
        return summary

    def _put_locality(self, locality: Locality) -> None:
        self.conn.execute(
            f"INSERT OR REPLACE INTO localities ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)",
            (locality.code, locality.name, locality.territory, locality.province, locality.latitude,
             locality.longitude),
        )
