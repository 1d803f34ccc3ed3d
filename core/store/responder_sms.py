"""Responders who answer an escalation by SMS.

An escalation texts the responders who take SMS (core/store/responders.py queues the
messages); one who replies "1" (with the alert's reference, or alone: their latest
escalation) is reached, as key 1 on the call is, and the calls still waiting are skipped.
Any other SMS from a responder's number is kept on their escalation, never filed as a new
alert. A responder is known by the pseudonym of their number: the SMS service, which
holds the directory's key, fills each entry's (`directory_to_pseudonymise`).
"""

from __future__ import annotations

from ..directory import Entry
from ._time import utcnow
from .audit import Audit
from .directory import Directory
from .responders import SKIPPED, WAITING, Responders
from .sms import Sms

CONFIRMATION, RESPONDER_REPLY = "confirmation", "responder_reply"   # inbound kinds


class ResponderSms(Responders, Sms, Directory, Audit):
    def directory_to_pseudonymise(self) -> list[dict]:
        """Entries whose pseudonym is not known yet: (id, sealed number, seal id)."""
        return [{"id": row[0], "sealed": (bytes(row[1]), row[2])} for row in self.conn.execute(
            "SELECT id, number_sealed, seal_id FROM directory_entries WHERE pseudonym IS NULL")]

    def set_directory_pseudonyms(self, pseudonyms: dict[int, str]) -> None:
        with self.transaction():
            self.conn.executemany("UPDATE directory_entries SET pseudonym = ? WHERE id = ?",
                                  [(pseudonym, entry_id) for entry_id, pseudonym in pseudonyms.items()])
            # A message queued before its entry's pseudonym was known takes it now (STOP applies to it).
            self.conn.execute(
                "UPDATE sms_messages SET pseudonym = (SELECT d.pseudonym FROM directory_entries d"
                " WHERE d.id = sms_messages.entry_id) WHERE entry_id IS NOT NULL AND pseudonym IS NULL")

    def directory_entry_by_pseudonym(self, pseudonym: str, kind: str | None = None) -> Entry | None:
        """The entry whose number this is (a responder first when one number is on two entries)."""
        entry_id = self._value(
            "SELECT id FROM directory_entries WHERE pseudonym = ?" + (" AND kind = ?" if kind else "")
            + " ORDER BY kind DESC, id LIMIT 1", [pseudonym, kind] if kind else [pseudonym])
        return self.directory_entry(entry_id) if entry_id else None

    def take_responder_sms(self, entry: Entry, text: str, reference: str | None, confirms: bool,
                           line: str | None = None, smsc: str | None = None) -> dict:
        """A responder's SMS: a confirmation of the escalation it names (by reference, else
        their latest escalation still escalated), or a reply kept on their latest one.
        Returns {"alert_id", "reference", "confirmed"}; alert_id None when no escalation
        texted them (the message is kept all the same, on no alert)."""
        with self.transaction():
            texted = self._rows(
                "SELECT m.id, m.alert_id, a.reference FROM sms_messages m JOIN alerts a ON a.id = m.alert_id"
                " WHERE m.direction = 'out' AND m.kind = 'escalation' AND m.entry_id = ? AND a.status = 'escalated'"
                " ORDER BY m.id DESC", [entry.id])
            named = [row for row in texted if row["reference"] == reference] if reference else texted[:1]
            confirmed = bool(confirms and named)
            target = named[0] if named else (texted[0] if texted else None)
            now = utcnow()
            cursor = self.conn.execute(
                "INSERT INTO sms_messages (direction, alert_id, pseudonym, kind, language, text, state, entry_id,"
                " in_reply_to, line, smsc, created_at, updated_at)"
                " VALUES ('in', ?, ?, ?, ?, ?, 'received', ?, ?, ?, ?, ?, ?)",
                (target["alert_id"] if target else None, self._value(
                    "SELECT pseudonym FROM directory_entries WHERE id = ?", [entry.id]),
                 CONFIRMATION if confirmed else RESPONDER_REPLY, entry.language, text, entry.id,
                 target["id"] if target else None, line, smsc, now, now))
            if target is None:
                self.audit("sms", "responder_sms_reply", "sms", cursor.lastrowid, None, {"responder": entry.name})
                return {"alert_id": None, "reference": None, "confirmed": False}
            alert_id = target["alert_id"]
            if confirmed:
                self.conn.execute(
                    "UPDATE responder_calls SET state = ?, updated_at = ? WHERE alert_id = ? AND state = ?",
                    (SKIPPED, now, alert_id, WAITING))
                self.audit("sms", "responder_confirmed", "alert", alert_id, None,
                           {"responder": entry.name, "result": "sms", "message": cursor.lastrowid})
            else:
                self.audit("sms", "responder_sms_reply", "alert", alert_id, None,
                           {"responder": entry.name, "message": cursor.lastrowid})
        return {"alert_id": alert_id, "reference": target["reference"], "confirmed": confirmed}

    def responder_sms_for(self, alert_id: int) -> list[dict]:
        """The SMS between the line and the responders about one alert, oldest first, each with the responder's name."""
        return self._rows(
            "SELECT m.*, coalesce(d.name, '-') AS responder FROM sms_messages m"
            " LEFT JOIN directory_entries d ON d.id = m.entry_id"
            " WHERE m.alert_id = ? AND m.entry_id IS NOT NULL ORDER BY m.id", [alert_id])
