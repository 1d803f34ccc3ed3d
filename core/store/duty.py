"""The verifier on duty: per area a rota of accounts, called in turn when an urgent alert arrives.

An alert waiting for a decision whose priority reaches `[verifiers] duty_priority` (whichever pass
ranks it first: keywords, the example spotter, the full transcript) in an area with a rota
queues one call per account on it that has a duty number: the locality's own rota first, then
its territory's. The dialler calls the first waiting one; a call not answered, or answered
without the account's PIN, moves on to the next; once none is left, supervisors see the alert
on every page. A verifier who keys their PIN is reached: the rest are not called. An alert
decided meanwhile (in the console, say) stops its calls. Every attempt is audited on the alert.
"""

from __future__ import annotations

import uuid

from ..model import Status
from ._time import utc_after, utcnow
from .alerts import Alerts
from .areas import Areas

WAITING, CALLING, ANSWERED = "waiting", "calling", "answered"
REACHED, NOT_REACHED, SKIPPED, NO_VERIFIER = "reached", "not_reached", "skipped", "no_verifier"
OPEN_STATES = (WAITING, CALLING, ANSWERED)
# An answered call whose flow never reported back (IVR restarted) counts as not reached after this.
ANSWERED_LEASE_SECONDS = 600
# The rotas covering an alert's locality: its own code's first, then its territory's.
_ROTA_OF = (
    "SELECT duty_rota.user_id, users.username, users.duty_number_sealed IS NOT NULL AS callable,"
    " CASE duty_rota.kind WHEN 'locality' THEN 0 ELSE 1 END AS rank, duty_rota.position"
    " FROM duty_rota JOIN users ON users.id = duty_rota.user_id AND users.disabled = 0"
    " WHERE (duty_rota.kind = 'locality' AND duty_rota.area = :locality)"
    " OR (duty_rota.kind = 'territory' AND duty_rota.area = (SELECT territory FROM localities"
    "     WHERE code = :locality) COLLATE NOCASE)"
    " ORDER BY rank, duty_rota.position")


class Duty(Alerts, Areas):
    # -- the admin's side ------------------------------------------------------------

    def set_duty_number(self, username: str, number: str | None, seal, tail: str | None, actor: str) -> None:
        """The account's number for duty calls, sealed with `seal(number, seal_id)` (core/directory.py
        NumberSeal.seal); None takes it away. Audited with its last digits only."""
        with self.transaction():
            user = self._row("SELECT id FROM users WHERE username = ?", [username])
            if user is None:
                raise KeyError(username)
            seal_id = uuid.uuid4().hex if number else None
            self.conn.execute(
                "UPDATE users SET duty_number_sealed = ?, duty_seal_id = ?, duty_number_tail = ? WHERE id = ?",
                (seal(number, seal_id) if number else None, seal_id, tail if number else None, user["id"]))
            self.audit(actor, "update", "user", user["id"], None, {"username": username, "number": tail})

    def duty_numbers(self) -> dict[str, str]:
        """username -> the last digits of its duty number, for the accounts page."""
        return {row["username"]: row["duty_number_tail"] for row in self.db.query(
            "SELECT username, duty_number_tail FROM users WHERE duty_number_sealed IS NOT NULL")}

    def set_duty_rota(self, kind: str, area: str, usernames: list[str], actor: str) -> None:
        """Who is on duty for an area, in call order (an empty list ends the rota); audited."""
        with self.transaction():
            ids = []
            for username in usernames:
                user_id = self._value("SELECT id FROM users WHERE username = ?", [username])
                if user_id is None:
                    raise KeyError(username)
                ids.append(user_id)
            before = [row["username"] for row in self._rota(kind, area)]
            self.conn.execute("DELETE FROM duty_rota WHERE kind = ? AND area = ?", (kind, area))
            self.conn.executemany("INSERT INTO duty_rota (kind, area, position, user_id) VALUES (?, ?, ?, ?)",
                                  [(kind, area, position, user_id) for position, user_id in enumerate(ids, 1)])
            self.audit(actor, "rota", "duty_rota", None, {"locality": area, "responders": before},
                       {"locality": area, "responders": list(usernames)})

    def duty_rotas(self) -> list[dict]:
        """Every area with a rota: kind, area, the locality's name, accounts in order with their number's
        tail and whether they have a phone PIN (without one, a duty call cannot reach them)."""
        rotas: dict[tuple, dict] = {}
        for row in self.db.query(
                "SELECT duty_rota.kind, duty_rota.area, localities.name, users.username, users.duty_number_tail,"
                " users.phone_pin_hash IS NOT NULL AS has_phone_pin"
                " FROM duty_rota JOIN users ON users.id = duty_rota.user_id"
                " LEFT JOIN localities ON duty_rota.kind = 'locality' AND localities.code = duty_rota.area"
                " ORDER BY duty_rota.kind, duty_rota.area, duty_rota.position"):
            rota = rotas.setdefault((row["kind"], row["area"]), {"kind": row["kind"], "area": row["area"],
                                                                  "name": row["name"], "accounts": []})
            rota["accounts"].append({"username": row["username"], "tail": row["duty_number_tail"],
                                     "has_phone_pin": bool(row["has_phone_pin"])})
        return list(rotas.values())

    def _rota(self, kind: str, area: str) -> list[dict]:
        return self._rows("SELECT users.username FROM duty_rota JOIN users ON users.id = duty_rota.user_id"
                          " WHERE kind = ? AND area = ? ORDER BY position", [kind, area])

    # -- the dialler's side ----------------------------------------------------------

    def queue_duty_calls(self, priority: float) -> list[int]:
        """Queue the rota of every waiting alert that became urgent in an area with one; returns their ids."""
        with self.transaction():
            since = self._value("SELECT applied_at FROM _migrations WHERE name = '0088_verifier_duty'")
            due = self.conn.execute(
                "SELECT a.id, a.locality FROM alerts a WHERE a.status = ? AND a.priority >= ?"
                " AND a.created_at >= ? AND coalesce(a.locality, '') != ''"
                " AND NOT EXISTS (SELECT 1 FROM duty_calls d WHERE d.alert_id = a.id)"
                " AND EXISTS (SELECT 1 FROM duty_rota r WHERE (r.kind = 'locality' AND r.area = a.locality)"
                "  OR (r.kind = 'territory' AND r.area = (SELECT territory FROM localities"
                "      WHERE code = a.locality) COLLATE NOCASE))",
                (Status.NEW.value, priority, since)).fetchall()
            for row in due:
                self._queue_rota(row["id"], row["locality"])
        return [row["id"] for row in due]

    def _queue_rota(self, alert_id: int, locality: str) -> None:
        seen, accounts = set(), []
        for row in self.conn.execute(_ROTA_OF, {"locality": locality}):
            if row["callable"] and row["user_id"] not in seen:
                seen.add(row["user_id"])
                accounts.append(row)
        now = utcnow()
        for position, row in enumerate(accounts, 1):
            self.conn.execute(
                "INSERT INTO duty_calls (alert_id, user_id, username, position, state, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)", (alert_id, row["user_id"], row["username"], position, WAITING, now, now))
        if not accounts:
            self.conn.execute(
                "INSERT INTO duty_calls (alert_id, user_id, username, position, state, created_at, updated_at)"
                " VALUES (?, NULL, '-', 1, ?, ?, ?)", (alert_id, NO_VERIFIER, now, now))
            self.audit("dialler", "duty_unreached", "alert", alert_id, None, {"reason": NO_VERIFIER})
            return
        self.audit("dialler", "duty_queued", "alert", alert_id, None,
                   {"responders": [row["username"] for row in accounts]})

    def claim_duty_calls(self) -> list[dict]:
        """Mark the next waiting call of each urgent alert as being placed; returns them with the sealed number.
        The calls of an alert decided meanwhile are not needed any more."""
        with self.transaction():
            for row in self.conn.execute("SELECT id FROM duty_calls WHERE state = ? AND updated_at < ?",
                                         (ANSWERED, utc_after(-ANSWERED_LEASE_SECONDS))).fetchall():
                self._end_duty_call(row["id"], NOT_REACHED, "no report from the line")
            self.conn.execute(
                "UPDATE duty_calls SET state = ?, updated_at = ? WHERE state = ?"
                " AND alert_id IN (SELECT id FROM alerts WHERE status != ?)", (SKIPPED, utcnow(), WAITING,
                                                                               Status.NEW.value))
            rows = self.conn.execute(
                "SELECT d.id, d.alert_id, d.user_id, d.username, d.position, u.duty_number_sealed, u.duty_seal_id"
                " FROM duty_calls d LEFT JOIN users u ON u.id = d.user_id"
                " WHERE d.state = ? AND d.position = (SELECT min(position) FROM duty_calls o"
                "   WHERE o.alert_id = d.alert_id AND o.state = ?)"
                " AND NOT EXISTS (SELECT 1 FROM duty_calls b WHERE b.alert_id = d.alert_id AND b.state IN (?, ?))",
                (WAITING, WAITING, CALLING, ANSWERED)).fetchall()
            claimed = []
            for row in rows:
                sealed = (bytes(row["duty_number_sealed"]), row["duty_seal_id"]) if row["duty_number_sealed"] else None
                self.conn.execute("UPDATE duty_calls SET state = ?, updated_at = ? WHERE id = ?",
                                  (CALLING, utcnow(), row["id"]))
                claimed.append({"id": row["id"], "alert_id": row["alert_id"], "name": row["username"],
                                "sealed": sealed})
        return claimed

    def requeue_interrupted_duty_calls(self) -> int:
        """Calls being placed when the dialler stopped are waiting again."""
        with self.transaction():
            return self.conn.execute("UPDATE duty_calls SET state = ?, updated_at = ? WHERE state = ?",
                                     (WAITING, utcnow(), CALLING)).rowcount

    def duty_call_result(self, call_id: int, result: str) -> str:
        """The dialler's outcome: answered (the line asks for the PIN) or not (the next on the rota)."""
        with self.transaction():
            if result == "answered":
                self.conn.execute("UPDATE duty_calls SET state = ?, result = ?, updated_at = ? WHERE id = ?",
                                  (ANSWERED, result, utcnow(), call_id))
                row = self._duty_call(call_id)
                self.audit("dialler", "duty_answered", "alert", row["alert_id"], None, {"responder": row["username"]})
                return ANSWERED
            return self._end_duty_call(call_id, result, result)

    def end_duty_call(self, call_id: int, reached: bool) -> str:
        """The line's report: the verifier keyed their PIN (reached), or the call ended before."""
        with self.transaction():
            row = self._duty_call(call_id)
            if row is None or row["state"] != ANSWERED:
                return row["state"] if row else ""
            return self._end_duty_call(call_id, REACHED if reached else NOT_REACHED,
                                       REACHED if reached else NOT_REACHED)

    def _end_duty_call(self, call_id: int, state: str, result: str) -> str:
        row = self._duty_call(call_id)
        self.conn.execute("UPDATE duty_calls SET state = ?, result = ?, updated_at = ? WHERE id = ?",
                          (state, result, utcnow(), call_id))
        after = {"responder": row["username"], "result": result}
        if state == REACHED:
            self.conn.execute("UPDATE duty_calls SET state = ?, updated_at = ? WHERE alert_id = ? AND state = ?",
                              (SKIPPED, utcnow(), row["alert_id"], WAITING))
            self.audit("dialler", "duty_reached", "alert", row["alert_id"], None, after)
            return state
        self.audit("dialler", "duty_call", "alert", row["alert_id"], None, after)
        left = self.conn.execute("SELECT count(*) FROM duty_calls WHERE alert_id = ? AND state IN (?, ?, ?)",
                                 (row["alert_id"], *OPEN_STATES)).fetchone()[0]
        if not left:
            self.audit("dialler", "duty_unreached", "alert", row["alert_id"], None, {"reason": "no_answer"})
        return state

    def _duty_call(self, call_id: int):
        return self.conn.execute("SELECT * FROM duty_calls WHERE id = ?", (call_id,)).fetchone()

    # -- the line's and the console's side ------------------------------------------

    def duty_brief(self, call_id: int) -> dict | None:
        """The call the line answers: its alert and the account called (id, username, role)."""
        return self._row("SELECT d.id, d.alert_id, d.state, u.id AS user_id, u.username, u.role FROM duty_calls d"
                         " JOIN users u ON u.id = d.user_id WHERE d.id = ?", [call_id])

    def duty_calls_for(self, alert_id: int) -> list[dict]:
        return self._rows("SELECT * FROM duty_calls WHERE alert_id = ? ORDER BY position, id", [alert_id])

    def unreached_duty(self) -> list[dict]:
        """Urgent alerts still waiting whose every duty call is over and none reached a verifier."""
        return self._rows(
            "SELECT a.id, a.reference FROM alerts a WHERE a.status = ?"
            " AND EXISTS (SELECT 1 FROM duty_calls d WHERE d.alert_id = a.id)"
            " AND NOT EXISTS (SELECT 1 FROM duty_calls d WHERE d.alert_id = a.id AND d.state IN (?, ?, ?, ?))"
            " ORDER BY a.id", [Status.NEW.value, *OPEN_STATES, REACHED])
