"""Migrations of alerts by SMS (sms/, smsgw/): the messages in and out, and delivery reports.

Numbered in the same sequence as schema.py, which merges every list in number order.
"""

from __future__ import annotations

SMS_MIGRATIONS: list[tuple[str, str]] = [
    (
        "0050_sms_messages",
        """
        -- One row per SMS in or out. No number: the sender is a pseudonym (the one a call from
        -- that number gets), the number itself only sealed in contacts. An inbound message's
        -- text is its alert's transcript (origin 'sms'); an outbound one keeps what was sent.
        CREATE TABLE sms_messages (
            id INTEGER PRIMARY KEY,
            direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
            alert_id INTEGER REFERENCES alerts(id),
            pseudonym TEXT,
            kind TEXT NOT NULL,          -- in: alert; out: receipt
            language TEXT,
            text TEXT,
            parts INTEGER,
            coding TEXT,                 -- in: text, ucs2 or binary, as Kannel handed it on
            state TEXT NOT NULL,         -- in: received; out: queued, sent, delivered, failed, expired
            detail TEXT,                 -- the last delivery report's text, or why it was not sent
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX sms_messages_alert ON sms_messages(alert_id, id);
        CREATE INDEX sms_messages_pseudonym ON sms_messages(pseudonym, created_at);
        -- Each delivery report Kannel passed on (its status bits: 1 delivered, 2 failed,
        -- 4 queued at the operator, 8 accepted by the operator, 16 rejected by it).
        CREATE TABLE sms_delivery_reports (
            id INTEGER PRIMARY KEY,
            message_id INTEGER NOT NULL REFERENCES sms_messages(id),
            status INTEGER NOT NULL,
            state TEXT NOT NULL,
            detail TEXT,
            received_at TEXT NOT NULL
        );
        CREATE INDEX sms_delivery_reports_message ON sms_delivery_reports(message_id, id);
        """,
    ),
    (
        "0051_sms_stops",
        """
        -- Senders who asked for no more SMS (STOP and its sw/ln/fr forms), by pseudonym.
        CREATE TABLE sms_stops (
            pseudonym TEXT PRIMARY KEY,
            stopped_at TEXT NOT NULL
        );
        """,
    ),
    (
        "0052_sms_outbox",
        """
        -- Outgoing SMS are queued in the store and handed to smsbox by the SMS service (an
        -- outbox), so a message queued by the console, or by a receipt whose sending was cut
        -- short, goes out after a restart. handed_at: when smsbox took it (NULL: waiting).
        -- line and smsc: the number and connection an inbound message came in on, so a
        -- question or an acknowledgement goes back the way the sender wrote (not personal data:
        -- the line's own short code). in_reply_to: for a reply to a question, the question.
        -- follows_alert: an alert filed from a reply that came too late to join its thread.
        ALTER TABLE sms_messages ADD COLUMN handed_at TEXT;
        ALTER TABLE sms_messages ADD COLUMN line TEXT;
        ALTER TABLE sms_messages ADD COLUMN smsc TEXT;
        ALTER TABLE sms_messages ADD COLUMN in_reply_to INTEGER REFERENCES sms_messages(id);
        ALTER TABLE sms_messages ADD COLUMN follows_alert INTEGER REFERENCES alerts(id);
        UPDATE sms_messages SET handed_at = updated_at WHERE direction = 'out';
        CREATE INDEX sms_outbox ON sms_messages(id) WHERE direction = 'out' AND handed_at IS NULL;
        CREATE INDEX sms_alerts_in ON sms_messages(created_at) WHERE direction = 'in' AND kind = 'alert';
        """,
    ),
    (
        "0095_directory_channel",
        """
        -- How each responder and focal point is reached: voice (called), sms (texted) or both.
        ALTER TABLE directory_entries ADD COLUMN channel TEXT NOT NULL DEFAULT 'voice'
            CHECK (channel IN ('voice', 'sms', 'both'));
        """,
    ),
    (
        "0096_escalation_sms",
        """
        -- Escalation by SMS first: an SMS to a directory entry (a responder) names it (its
        -- number sealed in the directory, not in contacts); a responder's call waits until
        -- call_after (NULL: at once) for a reply that confirms. A directory entry's pseudonym
        -- (the one its number gets, core/identity.py) is filled by the SMS service, which holds
        -- the keys, so a reply from that number is known as the responder's; NULL until then
        -- and again whenever the number changes.
        ALTER TABLE sms_messages ADD COLUMN entry_id INTEGER REFERENCES directory_entries(id) ON DELETE SET NULL;
        CREATE INDEX sms_messages_entry ON sms_messages(entry_id, id) WHERE entry_id IS NOT NULL;
        ALTER TABLE responder_calls ADD COLUMN call_after TEXT;
        ALTER TABLE directory_entries ADD COLUMN pseudonym TEXT;
        CREATE INDEX directory_entries_pseudonym ON directory_entries(pseudonym);
        """,
    ),
    (
        "0097_broadcast_sms",
        """
        -- Voice alerts to communities by SMS too: a broadcast's written message in each language
        -- (JSON {language: text}; NULL: none; message_path '' when there is no recording), and
        -- each focal point's SMS, whose delivery state the message row keeps.
        ALTER TABLE broadcasts ADD COLUMN texts TEXT;
        ALTER TABLE broadcast_deliveries ADD COLUMN sms_id INTEGER REFERENCES sms_messages(id);
        CREATE INDEX broadcast_deliveries_entry ON broadcast_deliveries(entry_id, id) WHERE sms_id IS NOT NULL;
        """,
    ),
    (
        "0098_sms_handed_index",
        """
        -- The outgoing limits count what was handed to the gateway in the last hour.
        CREATE INDEX sms_messages_handed ON sms_messages(handed_at) WHERE direction = 'out';
        """,
    ),
    (
        "0099_acknowledgement_by_sms",
        """
        -- A caller who asked for an acknowledgement may take it by SMS (key 3): the SMS service
        -- sends it once the alert is handled, and the dialler does not call.
        ALTER TABLE callbacks ADD COLUMN by_sms INTEGER NOT NULL DEFAULT 0;
        """,
    ),
    (
        "0100_sms_not_before",
        """
        -- An SMS held until a time (a focal point's outside [sms] focal_point_hours): the outbox
        -- hands it on from then, and its delivery time limit counts from then.
        ALTER TABLE sms_messages ADD COLUMN not_before TEXT;
        """,
    ),
]
