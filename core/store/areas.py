"""Verifiers' areas: the localities each console account covers, set by admins, audited.

An area is a gazetteer code (one locality) or a territory (every locality in it, and an
alert whose locality was given as the territory's name). An alert with no locality is in
everyone's areas: nobody would see it otherwise.
"""

from __future__ import annotations

from .audit import Audit

KINDS = ("locality", "territory")


def in_areas(username: str) -> tuple[str, list]:
    """A WHERE term: the alert is in the areas of `username`, or has no locality."""
    account = "(SELECT id FROM users WHERE username = ?)"
    sql = (
        "(coalesce(alerts.locality, '') = ''"
        f" OR alerts.locality IN (SELECT area FROM user_areas WHERE user_id = {account} AND kind = 'locality')"
        " OR alerts.locality IN (SELECT localities.code FROM localities JOIN user_areas"
        f"  ON user_areas.kind = 'territory' AND localities.territory = user_areas.area COLLATE NOCASE"
        f"  WHERE user_areas.user_id = {account})"
        f" OR EXISTS (SELECT 1 FROM user_areas WHERE user_id = {account} AND kind = 'territory'"
        "  AND area = alerts.locality COLLATE NOCASE))"
    )
    return sql, [username, username, username]


class Areas(Audit):
    def user_areas(self, username: str) -> list[dict]:
        """kind, area and (for a locality) its name, localities first."""
        return self._rows(
            "SELECT user_areas.kind, user_areas.area, localities.name FROM user_areas"
            " JOIN users ON users.id = user_areas.user_id"
            " LEFT JOIN localities ON user_areas.kind = 'locality' AND localities.code = user_areas.area"
            " WHERE users.username = ? ORDER BY user_areas.kind, user_areas.area", [username])

    def areas_by_user(self) -> dict[str, list[str]]:
        """Each account's areas as an admin types them (codes and territories), for the accounts page."""
        found: dict[str, list[str]] = {}
        for row in self.db.query("SELECT users.username, user_areas.area FROM user_areas"
                                 " JOIN users ON users.id = user_areas.user_id ORDER BY user_areas.kind, user_areas.area"):
            found.setdefault(row["username"], []).append(row["area"])
        return found

    def has_areas(self, username: str) -> bool:
        return self._value("SELECT 1 FROM user_areas JOIN users ON users.id = user_areas.user_id"
                           " WHERE users.username = ? LIMIT 1", [username]) is not None

    def set_user_areas(self, username: str, areas: list[tuple[str, str]], actor: str) -> bool:
        """Replace the account's areas with (kind, area) pairs; audited when they change.
        Returns whether they changed; KeyError for an unknown account."""
        with self.transaction():
            user_id = self._value("SELECT id FROM users WHERE username = ?", [username])
            if user_id is None:
                raise KeyError(username)
            before = [(row["kind"], row["area"]) for row in self.user_areas(username)]
            after = sorted(set(areas))
            if any(kind not in KINDS for kind, _ in after):
                raise ValueError(f"an area is one of {', '.join(KINDS)}")
            if before == after:
                return False
            self.conn.execute("DELETE FROM user_areas WHERE user_id = ?", (user_id,))
            self.conn.executemany("INSERT INTO user_areas (user_id, kind, area) VALUES (?, ?, ?)",
                                  [(user_id, kind, area) for kind, area in after])
            self.audit(actor, "areas", "user", user_id, {"localities": [area for _, area in before]},
                       {"localities": [area for _, area in after]})
            return True

    def find_areas(self, typed: list[str]) -> tuple[list[tuple[str, str]], list[str]]:
        """(the areas found, what was typed and is not one), blanks ignored."""
        found, unknown = [], []
        for text in (t.strip() for t in typed):
            if text:
                area = self.find_area(text)
                found.append(area) if area else unknown.append(text)
        return found, unknown

    def find_area(self, typed: str) -> tuple[str, str] | None:
        """What an admin typed as an area: a gazetteer code, else a territory's name (as the
        gazetteer spells it); None when it is neither."""
        typed = typed.strip()
        if self._value("SELECT 1 FROM localities WHERE code = ?", [typed]) is not None:
            return "locality", typed
        territory = self._value("SELECT territory FROM localities WHERE territory = ? COLLATE NOCASE LIMIT 1",
                                [typed])
        return ("territory", territory) if territory else None
