"""Console accounts. Passwords are hashed by the caller (web uses a KDF); the store keeps hashes only."""

from __future__ import annotations

from ..accounts import ROLES
from ._time import utcnow
from .audit import Audit
from .sessions import Sessions


class Users(Sessions, Audit):
    def add_user(self, username: str, password_hash: str, role: str, actor: str = "cli") -> int:
        if role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}")
        with self.transaction():
            cursor = self.conn.execute(
                "INSERT INTO users (username, password_hash, role, created_at) VALUES (?, ?, ?, ?)",
                (username, password_hash, role, utcnow()),
            )
            self.audit(actor, "create", "user", cursor.lastrowid, None, {"username": username, "role": role})
            return cursor.lastrowid

    def get_user(self, username: str) -> dict | None:
        return self._row("SELECT * FROM users WHERE username = ?", [username])

    def list_users(self) -> list[dict]:
        return self._rows("SELECT id, username, role, complaints, disabled, created_at,"
                          " phone_pin_hash IS NOT NULL AS has_phone_pin FROM users ORDER BY username")

    def set_phone_pin(self, username: str, pin_hash: str | None, actor: str) -> None:
        """The account's PIN for the verifier line (an HMAC), or None to take it away; audited as
        changed, never with the value. sqlite3.IntegrityError when another account has this PIN."""
        with self.transaction():
            before = self.get_user(username)
            if before is None:
                raise KeyError(username)
            self.conn.execute("UPDATE users SET phone_pin_hash = ? WHERE id = ?", (pin_hash, before["id"]))
            self.audit(actor, "update", "user", before["id"], None,
                       {"username": username, "pin": "<changed>" if pin_hash else None})

    def user_by_phone_pin(self, pin_hash: str) -> dict | None:
        """The enabled account this verifier-line PIN belongs to: id, username, role."""
        return self._row("SELECT id, username, role FROM users WHERE phone_pin_hash = ? AND disabled = 0", [pin_hash])

    def update_user(self, username: str, actor: str, **fields) -> None:
        allowed = {"password_hash", "role", "disabled"}
        if not set(fields) <= allowed:
            raise ValueError(f"cannot update {sorted(set(fields) - allowed)}")
        if "role" in fields and fields["role"] not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}")
        with self.transaction():
            before = self.get_user(username)
            if before is None:
                raise KeyError(username)
            assignments = ", ".join(f"{name} = ?" for name in fields)
            self.conn.execute(f"UPDATE users SET {assignments} WHERE username = ?", (*fields.values(), username))
            if "password_hash" in fields or fields.get("disabled"):
                # A new password or a disabled account ends every open console session.
                self.end_console_sessions(username)
            shown = {k: ("<changed>" if k == "password_hash" else v) for k, v in fields.items()}
            self.audit(actor, "update", "user", before["id"], {k: before[k] for k in shown if k != "password_hash"}, shown)
