"""Wrong PINs on the committee line, and the locks they set: per caller and for the whole line.

Three wrong PINs end a call, but nothing stopped calling again, so a short PIN fell to
redialling. Each wrong PIN is kept (when, and the caller's keyed pseudonym, never the
number) for as long as a window counts it. A caller with `caller_wrong_pins` in their
window is refused without being asked; since caller ids can be spoofed, the whole line
also locks for `lock_minutes` once `line_wrong_pins` come in its window, until it expires
or an admin unlocks it. A lock's wrong PINs do not count towards the next one.

Every method takes the moment (`now`) so the counting can be tested without waiting.

The verifier line's PINs (ivr/flows/verifier.py) are counted and locked the same way, apart:
each method takes the `line` ("committee" or "verifier"); its entity in the audit is
"<line>_line".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ._time import as_text
from .audit import Audit

COMMITTEE = "committee"
VERIFIER = "verifier"
LINES = (COMMITTEE, VERIFIER)


def entity(line: str) -> str:
    if line not in LINES:
        raise ValueError(f"a PIN line is one of {', '.join(LINES)}")
    return f"{line}_line"


@dataclass(frozen=True)
class PinLimits:
    caller_wrong_pins: int
    caller_window_minutes: int
    line_wrong_pins: int
    line_window_minutes: int
    lock_minutes: int


def _ago(now: dt.datetime, minutes: float) -> str:
    return as_text(now - dt.timedelta(minutes=minutes))


class CommitteePins(Audit):
    def committee_pin_lock(self, caller: str | None, now: dt.datetime, limits: PinLimits,
                           line: str = COMMITTEE) -> str | None:
        """'line' when the line is locked, 'caller' when this caller is, else None.

        Each call also forgets the wrong PINs no window counts any more, pseudonyms with them."""
        with self.transaction():
            self._forget_old_pins(now, limits, line)
        if self.committee_line_lock(now, line) is not None:
            return "line"
        return "caller" if self._caller_locked(caller, now, limits, line) else None

    def _caller_locked(self, caller: str | None, now: dt.datetime, limits: PinLimits, line: str) -> bool:
        wrong = self.conn.execute(
            "SELECT count(*) FROM committee_pin_failures WHERE line = ? AND caller_pseudonym IS ? AND at > ?",
            (line, caller, _ago(now, limits.caller_window_minutes))).fetchone()[0]
        return wrong >= limits.caller_wrong_pins

    def committee_wrong_pin(self, caller: str | None, now: dt.datetime, limits: PinLimits,
                            line: str = COMMITTEE) -> str | None:
        """Count one wrong PIN; returns the lock it leaves ('line', 'caller' or None).

        The line's lock and a caller's reaching the limit are audited (never with the pseudonym)."""
        with self.transaction():
            self._forget_old_pins(now, limits, line)
            self.conn.execute("INSERT INTO committee_pin_failures (caller_pseudonym, at, line) VALUES (?, ?, ?)",
                              (caller, as_text(now), line))
            if self.committee_line_lock(now, line) is not None:
                return "line"
            since = max(_ago(now, limits.line_window_minutes), self._last_lock_start(line) or "")
            wrong = self.conn.execute("SELECT count(*) FROM committee_pin_failures WHERE line = ? AND at > ?",
                                      (line, since)).fetchone()[0]
            if wrong >= limits.line_wrong_pins:
                until = as_text(now + dt.timedelta(minutes=limits.lock_minutes))
                cursor = self.conn.execute(
                    "INSERT INTO committee_line_locks (locked_at, locked_until, wrong_pins, line) VALUES (?, ?, ?, ?)",
                    (as_text(now), until, wrong, line))
                self.audit("ivr", "line_locked", entity(line), cursor.lastrowid, None,
                           {"wrong_pins": wrong, "minutes": limits.line_window_minutes, "locked_until": until})
                return "line"
            if not self._caller_locked(caller, now, limits, line):
                return None
            self.audit("ivr", "caller_locked", entity(line), None, None,
                       {"wrong_pins": limits.caller_wrong_pins, "minutes": limits.caller_window_minutes})
            return "caller"

    def committee_line_lock(self, now: dt.datetime, line: str = COMMITTEE) -> dict | None:
        """The line's lock in force at `now`: locked_at, locked_until, wrong_pins; None when open."""
        rows = list(self.db.query(
            "SELECT id, locked_at, locked_until, wrong_pins FROM committee_line_locks"
            " WHERE line = ? AND unlocked_at IS NULL AND locked_until > ? ORDER BY id DESC LIMIT 1",
            [line, as_text(now)]))
        return rows[0] if rows else None

    def committee_wrong_pins(self, now: dt.datetime, minutes: int, line: str = COMMITTEE) -> int:
        """Wrong PINs from all callers in the last `minutes`, for the console."""
        return self.conn.execute("SELECT count(*) FROM committee_pin_failures WHERE line = ? AND at > ?",
                                 (line, _ago(now, minutes))).fetchone()[0]

    def unlock_committee_line(self, actor: str, now: dt.datetime, line: str = COMMITTEE) -> bool:
        """An admin opens the line before its lock expires; False when it was not locked."""
        with self.transaction():
            lock = self.committee_line_lock(now, line)
            if lock is None:
                return False
            self.conn.execute("UPDATE committee_line_locks SET unlocked_at = ?, unlocked_by = ? WHERE id = ?",
                              (as_text(now), actor, lock["id"]))
            self.audit(actor, "unlock", entity(line), lock["id"], {"locked_until": lock["locked_until"]}, None)
            return True

    def committee_locked_out(self, scope: str, line: str = COMMITTEE) -> None:
        """A call refused without being asked for a PIN: which lock ('line' or 'caller'), nothing about the caller."""
        with self.transaction():
            self.audit("ivr", "locked_out", entity(line), None, None, {"whole_line": scope == "line"})

    def _forget_old_pins(self, now: dt.datetime, limits: PinLimits, line: str) -> None:
        keep = max(limits.caller_window_minutes, limits.line_window_minutes)
        self.conn.execute("DELETE FROM committee_pin_failures WHERE line = ? AND at <= ?", (line, _ago(now, keep)))

    def _last_lock_start(self, line: str) -> str | None:
        row = self.conn.execute("SELECT max(locked_at) FROM committee_line_locks WHERE line = ?", (line,)).fetchone()
        return row[0]
