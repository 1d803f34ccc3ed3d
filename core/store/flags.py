"""Alert flags (core.model FLAG_*): they state what is true of an alert now.

A service raises a flag when it finds something out and lowers it when it finds the
opposite (the ASR lowers "silent" when it hears speech); every change goes to the
audit log with the flags before and after, so the history stays readable.
"""

from __future__ import annotations

from ._rows import from_json, to_json
from ._time import utcnow
from .audit import Audit


class Flags(Audit):
    def flags_of(self, alert_id: int) -> list[str]:
        flags = from_json(self._value("SELECT flags FROM alerts WHERE id = ?", (alert_id,)))
        if flags is None:
            raise KeyError(alert_id)
        return flags

    def set_flags(self, alert_id: int, actor: str, add=(), clear=()) -> list[str]:
        """Raise the flags in `add`, lower those in `clear`; returns the flags now held."""
        if set(add) & set(clear):
            raise ValueError(f"a flag cannot be both set and cleared: {sorted(set(add) & set(clear))}")
        with self.transaction():
            before = self.flags_of(alert_id)
            after = sorted((set(before) | set(add)) - set(clear))
            if after != before:
                self.conn.execute(
                    "UPDATE alerts SET flags = ?, updated_at = ? WHERE id = ?", (to_json(after), utcnow(), alert_id)
                )
                self.audit(actor, "flags", "alert", alert_id, {"flags": before}, {"flags": after})
        return after
