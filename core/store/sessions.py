"""Console sessions and failed logins, kept in the database so the server decides.

A session lives here, not only in the browser's cookie: logging out, disabling the
account or changing its password deletes the rows, and a copied cookie then opens
nothing. The cookie carries a random token; a row keeps only the token's SHA-256,
so a copy of the database holds no usable cookie.

Failed logins are counted per (client address, account name) and slow down only
that pair, with a delay that doubles with each failure past the free ones. A
stranger guessing an admin's password delays themselves, not the admin at her own
desk. The counts survive a restart of the console.
"""

from __future__ import annotations

import datetime as dt

from ._time import utc_after, utcnow
from .audit import Audit

LOCKOUT_ACTOR = "console"
# A pair's count is forgotten this long after its last failure.
FORGET_FAILURES_AFTER = 24 * 3600


class Sessions(Audit):
    # -- sessions ---------------------------------------------------------------

    def start_console_session(self, token_hash: str, username: str, seconds: float) -> None:
        with self.transaction():
            self.conn.execute("DELETE FROM console_sessions WHERE expires_at <= ?", (utcnow(),))
            self.conn.execute(
                "INSERT INTO console_sessions (token_hash, username, created_at, expires_at) VALUES (?, ?, ?, ?)",
                (token_hash, username, utcnow(), utc_after(seconds)),
            )

    def console_session(self, token_hash: str) -> dict | None:
        """The session's row with `expired` set, or None when it was ended (or never was)."""
        rows = list(self.db.query("SELECT * FROM console_sessions WHERE token_hash = ?", [token_hash]))
        if not rows:
            return None
        row = rows[0]
        row["expired"] = row["expires_at"] <= utcnow()
        return row

    def end_console_session(self, token_hash: str) -> None:
        self.conn.execute("DELETE FROM console_sessions WHERE token_hash = ?", (token_hash,))

    def end_console_sessions(self, username: str) -> int:
        """End every session of an account (password changed, account disabled)."""
        return self.conn.execute("DELETE FROM console_sessions WHERE username = ?", (username,)).rowcount

    def console_sessions_of(self, username: str) -> int:
        return self.conn.execute(
            "SELECT count(*) FROM console_sessions WHERE username = ? AND expires_at > ?", (username, utcnow())
        ).fetchone()[0]

    # -- failed logins ------------------------------------------------------------

    def login_blocked_for(self, address: str, username: str) -> float:
        """Seconds this address must still wait before trying this account again (0: may try)."""
        row = self.conn.execute(
            "SELECT blocked_until FROM login_failures WHERE address = ? AND username = ?", (address, username)
        ).fetchone()
        if row is None or row[0] is None:
            return 0.0
        left = (dt.datetime.fromisoformat(row[0]) - dt.datetime.now(dt.timezone.utc)).total_seconds()
        return max(0.0, left)

    def login_failed(self, address: str, username: str, free: int, base_seconds: float, cap_seconds: float) -> float:
        """Count a failure; from the `free`-th on, the pair waits base × 2^(n - free) seconds,
        at most `cap_seconds`. Returns the wait (0 while failures are free). Each new
        wait is audited as a lockout."""
        with self.transaction():
            now = utcnow()
            self.conn.execute("DELETE FROM login_failures WHERE last_at < ?", (utc_after(-FORGET_FAILURES_AFTER),))
            self.conn.execute(
                "INSERT INTO login_failures (address, username, failures, last_at) VALUES (?, ?, 1, ?)"
                " ON CONFLICT (address, username) DO UPDATE SET failures = failures + 1, last_at = excluded.last_at",
                (address, username, now),
            )
            failures = self.conn.execute(
                "SELECT failures FROM login_failures WHERE address = ? AND username = ?", (address, username)
            ).fetchone()[0]
            if failures < free:
                return 0.0
            wait = min(cap_seconds, base_seconds * 2 ** (failures - free))
            self.conn.execute(
                "UPDATE login_failures SET blocked_until = ? WHERE address = ? AND username = ?",
                (utc_after(wait), address, username),
            )
            self.audit(LOCKOUT_ACTOR, "lockout", "login", None, None,
                       {"username": username, "address": address, "failures": failures, "seconds": round(wait)})
            return wait

    def login_succeeded(self, address: str, username: str) -> None:
        self.conn.execute("DELETE FROM login_failures WHERE address = ? AND username = ?", (address, username))
