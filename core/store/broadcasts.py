"""Calls to focal points: voice alerts to communities, and survey runs, each delivery tracked.

A broadcast carries a recorded message, or a perception survey (survey_id; a "survey
run", survey_runs.py): the same deliveries, retries and concurrency limit serve both.
A delivery waits, is called (the dialler claims it within the concurrency limit), and
ends in one state: listened (to the end) or hung_up_early for a message, complete or
incomplete for a survey, or busy, no_answer or failed. Busy, no answer and failure are
retried up to max_attempts, retry_seconds apart; a stopped survey run's waiting calls
end as stopped. A focal point who listened to a message may key 1 (confirmed) or 2 and
speak (a reply, filed as an alert linked to the broadcast).

A voice alert may carry a written message too, in each language, or instead of the
recording: the focal points who take SMS are texted (the SMS outbox; the delivery keeps
its message, whose state follows the delivery reports), those who take calls are called;
one who takes neither of what the broadcast carries gets what it has. Not called, a
delivery's call state is sms_only. An SMS reply is filed as an alert linked to the
broadcast, as a spoken one is.
"""

from __future__ import annotations

import json

from ._time import utc_after, utcnow
from .audit import Audit
from .directory import Directory
from .sms import Sms

WAITING, CALLING, ANSWERED = "waiting", "calling", "answered"
LISTENED, HUNG_UP_EARLY = "listened", "hung_up_early"
COMPLETE, INCOMPLETE, STOPPED = "complete", "incomplete", "stopped"
SMS_ONLY = "sms_only"     # a delivery by SMS alone: no call
RETRIED = ("busy", "no_answer", "congestion", "failed")
OPEN = (WAITING, CALLING, ANSWERED)
ANSWERS = ("confirmed", "replied")


class Broadcasts(Sms, Directory, Audit):
    def create_broadcast(self, message_path: str, localities: list[str], actor: str,
                         texts: dict[str, str] | None = None, sms_not_before: str | None = None) -> int:
        """A broadcast to every focal point of the localities (one delivery each), audited:
        the recording (message_path, '' for none) and/or a written message `texts`
        ({language: words}; a focal point whose language has none gets the first given),
        its SMS held until `sms_not_before` (outside the focal points' hours)."""
        if not message_path and not texts:
            raise ValueError("a broadcast needs a recording or a written message")
        return self._send(message_path, None, localities, self.focal_points_for(localities), actor, texts or None,
                          sms_not_before)

    def _send(self, message_path: str, survey_id: int | None, localities: list[str], recipients, actor: str,
              texts: dict[str, str] | None = None, sms_not_before: str | None = None) -> int:
        with self.transaction():
            now = utcnow()
            broadcast_id = self.conn.execute(
                "INSERT INTO broadcasts (message_path, survey_id, localities, texts, created_by, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)", (message_path, survey_id, json.dumps(localities),
                                               json.dumps(texts, ensure_ascii=False) if texts else None, actor,
                                               now)).lastrowid
            texted = []
            for entry in recipients:
                counted = next((code for code in entry.localities if code in localities), entry.localities[0])
                called = bool(message_path or survey_id) and (entry.calls or not texts)
                sms_id = None
                if texts and (entry.texts or not called):
                    words = texts.get(entry.language) or next(iter(texts.values()))
                    sms_id = self.queue_directory_sms(entry.id, "broadcast", entry.language, words, actor=actor,
                                                      audited=False, not_before=sms_not_before)
                    texted.append(entry.name)
                self.conn.execute(
                    "INSERT INTO broadcast_deliveries (broadcast_id, entry_id, name, locality, state, sms_id,"
                    " next_attempt_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (broadcast_id, entry.id, entry.name, counted, WAITING if called else SMS_ONLY, sms_id, now, now))
            self.audit(actor, "create", _entity(survey_id), broadcast_id, None,
                       {"localities": localities, "recipients": [e.name for e in recipients]}
                       | ({"survey_id": survey_id} if survey_id else {}) | ({"texted": texted} if texts else {})
                       | ({"call_after": sms_not_before} if sms_not_before else {}))
        return broadcast_id

    def broadcasts(self, limit: int = 50) -> list[dict]:
        rows = list(self.db.query("SELECT * FROM broadcasts WHERE survey_id IS NULL ORDER BY id DESC LIMIT ?",
                                  [limit]))
        for row in rows:
            row["localities"] = json.loads(row["localities"])
        return rows

    def broadcast(self, broadcast_id: int) -> dict | None:
        row = next(iter(self.db.query("SELECT * FROM broadcasts WHERE id = ? AND survey_id IS NULL",
                                      [broadcast_id])), None)
        if row:
            row["localities"] = json.loads(row["localities"])
            row["texts"] = json.loads(row["texts"]) if row["texts"] else {}
            row["deliveries"] = self.deliveries(broadcast_id)
        return row

    def deliveries(self, broadcast_id: int) -> list[dict]:
        """Each focal point's delivery: the call's state, and the SMS's (sms_state, None without one)."""
        rows = list(self.db.query(
            "SELECT d.*, m.state AS sms_state, m.detail AS sms_detail FROM broadcast_deliveries d"
            " LEFT JOIN sms_messages m ON m.id = d.sms_id WHERE d.broadcast_id = ? ORDER BY d.id", [broadcast_id]))
        for row in rows:
            row["results"] = json.loads(row["results"])
        return rows

    def broadcast_sms_progress(self, broadcast_id: int) -> tuple[int, int]:
        """(handed to the gateway, delivered) of a broadcast's SMS."""
        return tuple(self.conn.execute(
            "SELECT count(m.handed_at), count(CASE WHEN m.state = 'delivered' THEN 1 END) FROM broadcast_deliveries d"
            " JOIN sms_messages m ON m.id = d.sms_id WHERE d.broadcast_id = ?", (broadcast_id,)).fetchone())

    def broadcast_sms_held_until(self, broadcast_id: int) -> str | None:
        """When the broadcast's SMS held for the focal points' hours go out; None when none is held."""
        return self._value(
            "SELECT min(m.not_before) FROM broadcast_deliveries d JOIN sms_messages m ON m.id = d.sms_id"
            " WHERE d.broadcast_id = ? AND m.handed_at IS NULL AND m.not_before > ?", [broadcast_id, utcnow()])

    def broadcast_awaiting_sms_reply(self, entry_id: int, within_hours: float) -> dict | None:
        """The focal point's latest voice alert by SMS of the last `within_hours` that no reply has answered."""
        return self._row(
            "SELECT d.* FROM broadcast_deliveries d JOIN sms_messages m ON m.id = d.sms_id"
            " WHERE d.entry_id = ? AND d.reply_alert_id IS NULL AND m.created_at > ? ORDER BY d.id DESC LIMIT 1",
            [entry_id, utc_after(-within_hours * 3600)])

    def link_sms_reply(self, delivery_id: int, alert_id: int) -> None:
        """A focal point's SMS reply, filed as an alert: linked to the broadcast as a spoken reply is,
        and counted under the delivery's locality when its words named none."""
        with self.transaction():
            locality = self._delivery(delivery_id)["locality"]
            self.conn.execute("UPDATE alerts SET locality = coalesce(locality, ?) WHERE id = ?", (locality, alert_id))
            self.delivery_answer(delivery_id, "replied", alert_id, actor="sms")

    def claim_due_deliveries(self, concurrency: int, survey_calls: bool = True) -> list[dict]:
        """Due deliveries, as many as the concurrency limit leaves room for, marked as being called.

        Outside calling hours the dialler passes `survey_calls=False`: voice alerts still go, a
        survey run's calls wait."""
        surveys_too = "" if survey_calls else " AND b.survey_id IS NULL"
        with self.transaction():
            busy = self.conn.execute("SELECT count(*) FROM broadcast_deliveries WHERE state IN (?, ?)",
                                     (CALLING, ANSWERED)).fetchone()[0]
            rows = self.conn.execute(
                "SELECT d.id, d.broadcast_id, d.entry_id, d.name, d.attempts, b.survey_id FROM broadcast_deliveries d"
                f" JOIN broadcasts b ON b.id = d.broadcast_id WHERE d.state = ? AND d.next_attempt_at <= ?{surveys_too}"
                " ORDER BY d.next_attempt_at, d.id LIMIT ?",
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
            self.audit("dialler", f"delivery_{result}", _entity(row["survey_id"]), row["broadcast_id"], None,
                       {"recipient": row["name"], "attempt": row["attempts"], "now": state})
            return state

    def delivery_heard(self, delivery_id: int, to_the_end: bool) -> None:
        """The line's report: the message was heard to its end, or the call ended before."""
        self.delivery_finished(delivery_id, LISTENED if to_the_end else HUNG_UP_EARLY)

    def delivery_finished(self, delivery_id: int, state: str) -> None:
        """How an answered call ended: listened or hung_up_early (a message), complete or incomplete (a survey)."""
        with self.transaction():
            row = self._delivery(delivery_id)
            self.conn.execute("UPDATE broadcast_deliveries SET state = ?, updated_at = ? WHERE id = ?",
                              (state, utcnow(), delivery_id))
            self.audit("ivr", f"delivery_{state}", _entity(row["survey_id"]), row["broadcast_id"], None,
                       {"recipient": row["name"]})

    def delivery_answer(self, delivery_id: int, answer: str, reply_alert_id: int | None = None,
                        actor: str = "ivr") -> None:
        """Key 1 (confirmed) or a spoken reply (key 2), filed as an alert linked to the broadcast."""
        with self.transaction():
            row = self._delivery(delivery_id)
            self.conn.execute("UPDATE broadcast_deliveries SET answer = ?, reply_alert_id = ?, updated_at = ?"
                              " WHERE id = ?", (answer, reply_alert_id, utcnow(), delivery_id))
            after = {"recipient": row["name"], "answer": answer}
            self.audit(actor, f"delivery_{answer}", "broadcast", row["broadcast_id"], None,
                       after | ({"alert_id": reply_alert_id} if reply_alert_id else {}))
            if reply_alert_id:
                self.audit(actor, "broadcast_reply", "alert", reply_alert_id, None,
                           {"broadcast_id": row["broadcast_id"]})

    def delivery_message(self, delivery_id: int) -> dict | None:
        """What the line plays on a call to a focal point: the message or the survey, and their language."""
        row = self._delivery(delivery_id)
        if row is None:
            return None
        broadcast = next(iter(self.db.query("SELECT * FROM broadcasts WHERE id = ?", [row["broadcast_id"]])))
        entry = self.directory_entry(row["entry_id"]) if row["entry_id"] else None
        return {"message_path": broadcast["message_path"], "survey_id": broadcast["survey_id"],
                "language": entry.language if entry else "fr", "locality": row["locality"],
                "broadcast_id": row["broadcast_id"], "localities": json.loads(broadcast["localities"])}

    def broadcast_of_reply(self, alert_id: int) -> int | None:
        row = self.conn.execute("SELECT broadcast_id FROM broadcast_deliveries WHERE reply_alert_id = ?",
                                (alert_id,)).fetchone()
        return row[0] if row else None

    def requeue_interrupted_deliveries(self) -> int:
        with self.transaction():
            return self.conn.execute("UPDATE broadcast_deliveries SET state = ?, updated_at = ? WHERE state = ?",
                                     (WAITING, utcnow(), CALLING)).rowcount

    def _delivery(self, delivery_id: int):
        return self.conn.execute("SELECT d.*, b.survey_id FROM broadcast_deliveries d"
                                 " JOIN broadcasts b ON b.id = d.broadcast_id WHERE d.id = ?", (delivery_id,)).fetchone()


def _entity(survey_id: int | None) -> str:
    """The audit log's name for a broadcast: a voice alert, or a survey run."""
    return "survey_run" if survey_id else "broadcast"
