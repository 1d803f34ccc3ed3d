"""The verifier line's queue: the waiting alerts of a verifier's areas that nobody else holds.

The line works as the console does (core/store/claims.py): an alert is offered only once the
caller holds its claim, taken as it is offered, so an alert claimed in the console is never
offered and one heard on the phone is not taken in the console; a decision or moving on ends
the claim, and so does hanging up (the flow releases it at once). Every step is audited with
the account and the channel "phone".
"""

from __future__ import annotations

from ..model import Status
from ._rows import decode
from ._time import utcnow
from .alerts import Alerts
from .areas import Areas, in_areas
from .claims import Claims
from .queue import QUEUE_ORDER

PHONE = "phone"
# Candidates read at a time; more are read when all of these were taken meanwhile.
CANDIDATES = 20


class VerifierLine(Alerts, Claims, Areas):
    def _offerable(self, username: str, passed: list[int]) -> tuple[str, list]:
        term, params = in_areas(username)
        sql = (f" FROM alerts WHERE alerts.status = ? AND {term}"
               " AND (alerts.claimed_by IS NULL OR alerts.claimed_by = ? OR alerts.claimed_until < ?)")
        params = [Status.NEW.value, *params, username, utcnow()]
        if passed:
            sql += f" AND alerts.id NOT IN ({', '.join('?' * len(passed))})"
            params += [int(alert_id) for alert_id in passed]
        return sql, params

    def phone_waiting(self, username: str) -> int:
        """Alerts waiting in the verifier's areas that nobody else holds."""
        sql, params = self._offerable(username, [])
        return self._value("SELECT count(*)" + sql, params)

    def take_phone_alert(self, username: str, passed: list[int], minutes: float,
                         first: int | None = None) -> dict | None:
        """The first alert in queue order the verifier may hear, claimed for them (audited on
        the phone); `passed`: the alerts this call moved on from. None when there is none.
        `first`: the alert a duty call is for, offered before the queue if it still waits and
        nobody else holds it, whatever the verifier's areas."""
        if first is not None and self._value("SELECT 1 FROM alerts WHERE id = ? AND status = ?",
                                             (first, Status.NEW.value)) \
                and self.claim_alert(first, username, minutes, channel=PHONE):
            return self.phone_brief(first)
        while True:
            sql, params = self._offerable(username, passed)
            ids = [row[0] for row in self.conn.execute(
                f"SELECT alerts.id{sql} ORDER BY {QUEUE_ORDER} LIMIT {CANDIDATES}", params)]
            if not ids:
                return None
            for alert_id in ids:
                if self.claim_alert(alert_id, username, minutes, channel=PHONE):
                    return self.phone_brief(alert_id)
            passed = passed + ids   # all taken by others between the read and the claim

    def phone_brief(self, alert_id: int) -> dict:
        """What the line says of an alert: reference, locality (code and name), when it came,
        language, keywords, source, the text of an SMS alert, and the recordings to play."""
        row = decode(self._row(
            "SELECT alerts.id, alerts.reference, alerts.locality, alerts.language, alerts.keywords,"
            " alerts.created_at, calls.source, localities.name AS locality_name,"
            " (SELECT text FROM transcripts WHERE transcripts.alert_id = alerts.id"
            "  ORDER BY transcripts.id DESC LIMIT 1) AS text"
            " FROM alerts LEFT JOIN calls ON calls.id = alerts.call_id"
            " LEFT JOIN localities ON localities.code = alerts.locality WHERE alerts.id = ?", [alert_id]),
            "keywords")
        row["keywords"] = row["keywords"] or []
        row["recordings"] = [r["path"] for r in self._rows(
            "SELECT path FROM recordings WHERE alert_id = ? ORDER BY id", [alert_id])]
        return row

    def decide_on_phone(self, alert_id: int, username: str, status: Status) -> bool:
        """The caller's decision, as the console's (set_status), if they still hold the alert's
        claim and it still waits; False when it changed meanwhile (a supervisor took it over)."""
        with self.transaction():
            if not self.still_holds(alert_id, username):
                return False
            self.set_status(alert_id, status, actor=username, channel=PHONE)
            return True

    def still_holds(self, alert_id: int, username: str) -> bool:
        return self._value("SELECT 1 FROM alerts WHERE id = ? AND status = ? AND claimed_by = ?",
                           (alert_id, Status.NEW.value, username)) is not None
