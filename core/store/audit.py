"""The audit log: every state change, who made it, and the values before and after."""

from __future__ import annotations

from ._base import Base
from ._rows import decode, to_json
from ._time import utcnow


# Every action and entity the code writes, so the console can offer and translate each
# (web/translations: action.<name>, entity.<name>). tests/test_web_audit_values.py reads
# every audit call in the code and fails on one missing here, or listed here and never written.
ACTIONS = (
    # people, in the console or on the CLI
    "create", "update", "delete", "import", "export", "status", "reopen", "claim", "release", "takeover",
    "listen", "tags", "note", "transcript", "flags", "share", "response", "split", "record", "lockout",
    "example", "remove_example", "hit", "areas",   # keyword spotting by example (core/store/spotting.py)
    # the line and the dialler
    "pin_refused", "purge", "caller_locked", "line_locked", "locked_out", "unlock",
    "responders_queued", "responders_unreached", "responder_answered", "responder_call", "responder_confirmed",
    "responders_escalated_to_call", "responder_sms_reply",
    "delivery_answered", "delivery_busy", "delivery_no_answer", "delivery_congestion", "delivery_failed",
    "delivery_listened", "delivery_hung_up_early", "delivery_confirmed", "delivery_replied", "broadcast_reply",
    "delivery_complete", "delivery_incomplete", "stop",
    "callback_queued", "callback_answered", "callback_given_up", "callback_expired", "callback_rate_limited",
    "callback_linked", "acknowledgement_waiting", "acknowledgement_delivered",
    "rota", "duty_queued", "duty_answered", "duty_call", "duty_reached", "duty_unreached",   # verifiers on duty
    "sms_receipt", "sms_start", "sms_state", "sms_stop", "sms_question", "sms_acknowledgement", "sms_reply",
    "sms_escalation",
)
CHANNELS = ("phone",)   # the verifier line (ivr/flows/verifier.py)
ENTITIES = ("alert", "user", "login", "prompt", "incident", "locality", "gazetteer", "directory", "committee",
            "committee_line", "verifier_line", "duty_rota", "survey", "survey_run", "broadcast", "broadcast_message",
            "exports", "call", "callback", "retention", "sms", "sender", "example")


class Audit(Base):
    def audit(self, actor: str, action: str, entity: str, entity_id, before=None, after=None,
              channel: str | None = None) -> None:
        """`channel`: where a person acted from, when not the console or the CLI (CHANNELS)."""
        if channel is not None and channel not in CHANNELS:
            raise ValueError(f"a channel is one of {', '.join(CHANNELS)}")
        self.conn.execute(
            "INSERT INTO audit_log (actor, action, entity, entity_id, before, after, at, channel)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                actor,
                action,
                entity,
                entity_id,
                None if before is None else to_json(before),
                None if after is None else to_json(after),
                utcnow(),
                channel,
            ),
        )

    def audit_entries(self, entity: str | None = None, entity_id=None, limit: int = 200) -> list[dict]:
        """One entity's history (or everything), newest first."""
        filters = {"entity": entity, "entity_id": entity_id}
        return self._audit_query({k: v for k, v in filters.items() if v is not None}, None, limit)

    def audit_page(
        self, actor: str = "", entity: str = "", action: str = "", before_id: int | None = None, limit: int = 100
    ) -> list[dict]:
        """Newest first; page with before_id (the smallest id of the previous page)."""
        filters = {"actor": actor, "entity": entity, "action": action}
        return self._audit_query({k: v for k, v in filters.items() if v}, before_id, limit)

    def _audit_query(self, equal: dict, before_id: int | None, limit: int) -> list[dict]:
        where = [f"{column} = ?" for column in equal]  # column names come from the callers above
        params = list(equal.values())
        if before_id:
            where.append("id < ?")
            params.append(int(before_id))
        sql = "SELECT * FROM audit_log"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY id DESC LIMIT ?"
        return [decode(row, "before", "after") for row in self._rows(sql, params + [int(limit)])]

    def record_listen(self, alert_id: int, user: str) -> bool:
        """Audit the first time a user fetches an alert's audio: "listened" for response times."""
        with self.transaction():
            seen = self._value(
                "SELECT 1 FROM audit_log WHERE entity = 'alert' AND entity_id = ? AND action = 'listen' AND actor = ?",
                (alert_id, user),
            )
            if seen:
                return False
            self.audit(user, "listen", "alert", alert_id)
            return True
