"""Voice alerts to communities: a message sent to the focal points of localities, each delivery tracked.

A delivery waits, is called (the dialler claims it within the concurrency limit), and
ends in one state: listened (to the end), hung_up_early, busy, no_answer or failed.
Busy, no answer and failure are retried up to max_attempts, retry_seconds apart. A
focal point who listened may key 1 (confirmed) or 2 and speak (a reply, filed as an
alert linked to the broadcast).
"""

from __future__ import annotations

import json

from ._time import utc_after, utcnow
from .audit import Audit
from .directory import Directory

WAITING, CALLING, ANSWERED = "waiting", "calling", "answered"
LISTENED, HUNG_UP_EARLY = "listened", "hung_up_early"
RETRIED = ("busy", "no_answer", "congestion", "failed")
OPEN = (WAITING, CALLING, ANSWERED)
ANSWERS = ("confirmed", "replied")


class Broadcasts(Directory, Audit):
    def create_broadcast(self, message_path: str, localities: list[str], actor: str) -> int:
        """A broadcast to every focal point of the localities (one delivery each), audited."""
        with self.transaction():
            now = utcnow()
            broadcast_id = self.conn.execute(
                "INSERT INTO broadcasts (message_path, localities, created_by, created_at) VALUES (?, ?, ?, ?)",
                (message_path, json.dumps(localities), actor, now)).lastrowid
            recipients = self.focal_points_for(localities)
            for entry in recipients:
                self.conn.execute(
                    "INSERT INTO broadcast_deliveries (broadcast_id, entry_id, name, state, next_attempt_at,"
                    " updated_at) VALUES (?, ?, ?, ?, ?, ?)", (broadcast_id, entry.id, entry.name, WAITING, now, now))
            self.audit(actor, "create", "broadcast", broadcast_id, None,
                       {"localities": localities, "recipients": [e.name for e in recipients]})
        return broadcast_id

    def broadcasts(self, limit: int = 50) -> list[dict]:
        rows = list(self.db.query("SELECT * FROM broadcasts ORDER BY id DESC LIMIT ?", [limit]))
        for row in rows:
            row["localities"] = json.loads(row["localities"])
        return rows

    def broadcast(self, broadcast_id: int) -> dict | None:
        row = next(iter(self.db.query("SELECT * FROM broadcasts WHERE id = ?", [broadcast_id])), None)
        if row:
            row["localities"] = json.loads(row["localities"])
            row["deliveries"] = self.deliveries(broadcast_id)
        return row

    def deliveries(self, broadcast_id: int) -> list[dict]:
        rows = list(self.db.query("SELECT * FROM broadcast_deliveries WHERE broadcast_id = ? ORDER BY id",
                                  [broadcast_id]))
        for row in rows:
            row["results"] = json.loads(row["results"])
        return rows

    def claim_due_deliveries(self, concurrency: int) -> list[dict]:
        """Due deliveries, as many as the concurrency limit leaves room for, marked as being called."""
        with self.transaction():
            busy = self.conn.execute("SELECT count(*) FROM broadcast_deliveries WHERE state IN (?, ?)",
                                     (CALLING, ANSWERED)).fetchone()[0]
            rows = self.conn.execute(
                "SELECT id, broadcast_id, entry_id, name, attempts FROM broadcast_deliveries"
                " WHERE state = ? AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?",
                (WAITING, utcnow(), max(concurrency - busy, 0))).fetchall()
            claimed = []
            for row in rows:
                self.conn.execute("UPDATE broadcast_deliveries SET state = ?, attempts = attempts + 1, updated_at = ?"
                                  " WHERE id = ?", (CALLING, utcnow(), row["id"]))
                sealed = self.sealed_number(row["entry_id"]) if row["entry_id"] else None
                claimed.append({**dict(row), "attempts": row["attempts"] + 1, "sealed": sealed})
        return claimed

    def delivery_result(self, delivery_id: int, result: str, max_attempts: int, retry_seconds: float) -> str:
        """The dialler's outcome: answered (the line's flow takes over), or retried / given up."""
        with self.transaction():
            row = self._delivery(delivery_id)
            results = json.loads(row["results"]) + [result]
            if result == "answered":
                state, next_at = ANSWERED, row["next_attempt_at"]
            elif result in RETRIED and row["attempts"] < max_attempts:
                state, next_at = WAITING, utc_after(retry_seconds)
            else:
                state, next_at = (result if result in RETRIED else "failed"), row["next_attempt_at"]
            self.conn.execute("UPDATE broadcast_deliveries SET state = ?, results = ?, next_attempt_at = ?,"
                              " updated_at = ? WHERE id = ?", (state, json.dumps(results), next_at, utcnow(),
                                                               delivery_id))
            self.audit("dialler", f"delivery_{result}", "broadcast", row["broadcast_id"], None,
                       {"recipient": row["name"], "attempt": row["attempts"], "now": state})
            return state

    def delivery_heard(self, delivery_id: int, to_the_end: bool) -> None:
        """The line's report: the message was heard to its end, or the call ended before."""
        with self.transaction():
            row = self._delivery(delivery_id)
            state = LISTENED if to_the_end else HUNG_UP_EARLY
            self.conn.execute("UPDATE broadcast_deliveries SET state = ?, updated_at = ? WHERE id = ?",
                              (state, utcnow(), delivery_id))
            self.audit("ivr", f"delivery_{state}", "broadcast", row["broadcast_id"], None, {"recipient": row["name"]})

    def delivery_answer(self, delivery_id: int, answer: str, reply_alert_id: int | None = None) -> None:
        """Key 1 (confirmed) or a spoken reply (key 2), filed as an alert linked to the broadcast."""
        with self.transaction():
            row = self._delivery(delivery_id)
            self.conn.execute("UPDATE broadcast_deliveries SET answer = ?, reply_alert_id = ?, updated_at = ?"
                              " WHERE id = ?", (answer, reply_alert_id, utcnow(), delivery_id))
            after = {"recipient": row["name"], "answer": answer}
            self.audit("ivr", f"delivery_{answer}", "broadcast", row["broadcast_id"], None,
                       after | ({"alert_id": reply_alert_id} if reply_alert_id else {}))
            if reply_alert_id:
                self.audit("ivr", "broadcast_reply", "alert", reply_alert_id, None,
                           {"broadcast_id": row["broadcast_id"]})

    def delivery_message(self, delivery_id: int) -> dict | None:
        """What the line plays on a broadcast call: the message and the recipient's language."""
        row = self._delivery(delivery_id)
        if row is None:
            return None
        broadcast = self.broadcast(row["broadcast_id"])
        entry = self.directory_entry(row["entry_id"]) if row["entry_id"] else None
        return {"message_path": broadcast["message_path"], "language": entry.language if entry else "fr",
                "broadcast_id": row["broadcast_id"], "localities": broadcast["localities"]}

    def broadcast_of_reply(self, alert_id: int) -> int | None:
        row = self.conn.execute("SELECT broadcast_id FROM broadcast_deliveries WHERE reply_alert_id = ?",
                                (alert_id,)).fetchone()
        return row[0] if row else None

    def requeue_interrupted_deliveries(self) -> int:
        with self.transaction():
            return self.conn.execute("UPDATE broadcast_deliveries SET state = ?, updated_at = ? WHERE state = ?",
                                     (WAITING, utcnow(), CALLING)).rowcount

    def _delivery(self, delivery_id: int):
        return self.conn.execute("SELECT * FROM broadcast_deliveries WHERE id = ?", (delivery_id,)).fetchone()
