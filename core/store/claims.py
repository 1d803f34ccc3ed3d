"""Claims: one verifier at a time works on an alert, for a limited time."""

from __future__ import annotations

from ._time import utc_after, utcnow
from .audit import Audit


class Claims(Audit):
    def claim_alert(self, alert_id: int, user: str, minutes: float, channel: str | None = None) -> bool:
        """Succeeds if the alert is unclaimed, its claim expired, or it is already ours."""
        with self.transaction():
            cursor = self.conn.execute(
                "UPDATE alerts SET claimed_by = ?, claimed_until = ? WHERE id = ?"
                " AND (claimed_by IS NULL OR claimed_by = ? OR claimed_until < ?)",
                (user, utc_after(minutes * 60), alert_id, user, utcnow()),
            )
            if cursor.rowcount:
                self.audit(user, "claim", "alert", alert_id, None, {"claimed_by": user}, channel=channel)
            return bool(cursor.rowcount)

    def release_alert(self, alert_id: int, user: str, channel: str | None = None) -> bool:
        """Only the holder releases a claim; returns whether there was one to release."""
        with self.transaction():
            cursor = self.conn.execute(
                "UPDATE alerts SET claimed_by = NULL, claimed_until = NULL WHERE id = ? AND claimed_by = ?",
                (alert_id, user),
            )
            if cursor.rowcount:
                self.audit(user, "release", "alert", alert_id, {"claimed_by": user}, None, channel=channel)
            return bool(cursor.rowcount)

    def take_over_claim(self, alert_id: int, user: str, minutes: float) -> str | None:
        """A supervisor takes the claim whoever holds it; returns the holder it was taken
        from (None when it was free or expired), audited as "takeover"."""
        with self.transaction():
            previous = self._value(
                "SELECT claimed_by FROM alerts WHERE id = ? AND claimed_until > ? AND claimed_by != ?",
                (alert_id, utcnow(), user),
            )
            self.conn.execute(
                "UPDATE alerts SET claimed_by = ?, claimed_until = ? WHERE id = ?",
                (user, utc_after(minutes * 60), alert_id),
            )
            action = "takeover" if previous else "claim"
            self.audit(user, action, "alert", alert_id, {"claimed_by": previous} if previous else None,
                       {"claimed_by": user})
            return previous
