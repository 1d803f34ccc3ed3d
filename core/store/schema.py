"""Numbered forward migrations. Each runs once, in its own transaction.

Append new migrations at the end; never edit one that has shipped.
"""

from __future__ import annotations

from .schema_community import COMMUNITY_MIGRATIONS
from .schema_initial import INITIAL
from .schema_scale import SCALE_MIGRATIONS
from .schema_sms import SMS_MIGRATIONS
from .schema_spotting import SPOTTING_MIGRATIONS
from .schema_verifiers import VERIFIER_MIGRATIONS

MIGRATIONS: list[tuple[str, str]] = [
    (
        "0001_initial",
        INITIAL,
    ),
    (
        "0002_console_indexes",
        """
        CREATE INDEX alerts_order ON alerts(priority DESC, created_at DESC);
        CREATE INDEX alerts_duplicate ON alerts(duplicate_of) WHERE duplicate_of IS NOT NULL;
        CREATE INDEX tags_tag ON tags(tag, alert_id);
        CREATE INDEX audit_actor ON audit_log(actor, id);
        CREATE INDEX calls_source ON calls(source, id);
        -- Search maps transcript ids (FTS rowids) to alerts through this small index,
        -- not through the wide transcript rows.
        CREATE INDEX transcripts_search ON transcripts(id, alert_id);
        """,
    ),
    (
        "0003_retention",
        """
        -- When a closed alert's recordings and transcripts were purged (NULL: still here).
        ALTER TABLE alerts ADD COLUMN purged_at TEXT;
        CREATE INDEX alerts_retention ON alerts(status, updated_at) WHERE purged_at IS NULL;
        """,
    ),
    (
        "0004_callbacks",
        """
        -- A caller's number, sealed with the contacts key (core/contacts.py); one row per
        -- caller, deleted once no call-back needs it or at expires_at.
        CREATE TABLE contacts (
            id INTEGER PRIMARY KEY,
            caller_pseudonym TEXT NOT NULL UNIQUE,
            sealed BLOB NOT NULL,
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL
        );
        CREATE INDEX contacts_expiry ON contacts(expires_at);

        -- Calls the line places: a call-back for a beep, an acknowledgement of an alert.
        CREATE TABLE callbacks (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            caller_pseudonym TEXT NOT NULL,
            contact_id INTEGER REFERENCES contacts(id) ON DELETE SET NULL,
            beep_call_id INTEGER REFERENCES calls(id),
            alert_id INTEGER REFERENCES alerts(id),
            language TEXT,
            state TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            next_at TEXT,
            last_result TEXT,
            uniqueid TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX callbacks_due ON callbacks(state, next_at);
        CREATE INDEX callbacks_caller ON callbacks(caller_pseudonym, created_at);
        CREATE INDEX callbacks_alert ON callbacks(alert_id) WHERE alert_id IS NOT NULL;
        CREATE INDEX callbacks_uniqueid ON callbacks(uniqueid) WHERE uniqueid IS NOT NULL;

        -- Every dial and how it ended (answered, busy, no_answer, congestion, failed).
        CREATE TABLE callback_attempts (
            id INTEGER PRIMARY KEY,
            callback_id INTEGER NOT NULL REFERENCES callbacks(id),
            started_at TEXT NOT NULL,
            result TEXT
        );
        CREATE INDEX callback_attempts_time ON callback_attempts(started_at);
        CREATE INDEX callback_attempts_callback ON callback_attempts(callback_id);
        """,
    ),
    (
        "0005_model_status",
        """
        -- What each worker could load, per language: the console shows models that fail.
        CREATE TABLE model_status (
            language TEXT PRIMARY KEY,
            path TEXT NOT NULL,
            state TEXT NOT NULL,
            error TEXT,
            worker TEXT,
            updated_at TEXT NOT NULL
        );
        """,
    ),
    (
        "0006_console_sessions",
        """
        -- A console login. The cookie holds a random token; this row only its SHA-256.
        CREATE TABLE console_sessions (
            token_hash TEXT PRIMARY KEY,
            username TEXT NOT NULL,
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL
        );
        CREATE INDEX console_sessions_user ON console_sessions(username);

        -- Failed logins per (client address, account name): only that pair is slowed down.
        CREATE TABLE login_failures (
            address TEXT NOT NULL,
            username TEXT NOT NULL,
            failures INTEGER NOT NULL,
            last_at TEXT NOT NULL,
            blocked_until TEXT,
            PRIMARY KEY (address, username)
        );
        """,
    ),
    (
        "0007_live_calls",
        """
        -- Calls in progress, as the dialler sees them in Asterisk's events: no number, no
        -- channel name; rows go when the call hangs up (and all at a dialler restart).
        CREATE TABLE live_calls (
            uniqueid TEXT PRIMARY KEY,
            source TEXT,
            step TEXT,
            started_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        """,
    ),
    (
        "0008_gazetteer",
        """
        -- Where each locality is, for incidents (neighbours by distance) and exports.
        ALTER TABLE localities ADD COLUMN province TEXT;
        ALTER TABLE localities ADD COLUMN latitude REAL;
        ALTER TABLE localities ADD COLUMN longitude REAL;
        """,
    ),
    (
        "0009_incidents",
        """
        -- Alerts a verifier confirmed as describing one event. An alert is in one incident at most.
        CREATE TABLE incidents (
            id INTEGER PRIMARY KEY,
            created_by TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE TABLE incident_alerts (
            alert_id INTEGER PRIMARY KEY REFERENCES alerts(id),
            incident_id INTEGER NOT NULL REFERENCES incidents(id)
        );
        CREATE INDEX incident_alerts_incident ON incident_alerts(incident_id);
        CREATE INDEX alerts_locality_time ON alerts(locality, created_at) WHERE locality IS NOT NULL;
        """,
    ),
    (
        "0010_directory",
        """
        -- Responders and focal points; the number sealed (core/directory.py), only its last two digits clear.
        CREATE TABLE directory_entries (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL CHECK (kind IN ('responder', 'focal_point')),
            name TEXT NOT NULL,
            language TEXT NOT NULL,
            call_order INTEGER NOT NULL,
            seal_id TEXT NOT NULL,
            number_sealed BLOB NOT NULL,
            number_tail TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            UNIQUE (kind, name)
        );
        CREATE TABLE directory_localities (
            entry_id INTEGER NOT NULL REFERENCES directory_entries(id) ON DELETE CASCADE,
            locality TEXT NOT NULL,
            PRIMARY KEY (entry_id, locality)
        );
        CREATE INDEX directory_localities_locality ON directory_localities(locality);
        """,
    ),
    (
        "0011_responses",
        """
        -- What was done about an alert: from the console, or spoken by a responder on the phone.
        CREATE TABLE responses (
            id INTEGER PRIMARY KEY,
            alert_id INTEGER NOT NULL REFERENCES alerts(id),
            action TEXT NOT NULL,
            outcome TEXT NOT NULL,
            note TEXT,
            recorded_by TEXT NOT NULL,
            source TEXT NOT NULL,
            recording_path TEXT,
            acted_at TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE INDEX responses_alert ON responses(alert_id);

        -- An escalation's calls to the responders of the alert's locality, in their order of call.
        CREATE TABLE responder_calls (
            id INTEGER PRIMARY KEY,
            alert_id INTEGER NOT NULL REFERENCES alerts(id),
            entry_id INTEGER REFERENCES directory_entries(id) ON DELETE SET NULL,
            name TEXT NOT NULL,
            position INTEGER NOT NULL,
            state TEXT NOT NULL,
            result TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX responder_calls_alert ON responder_calls(alert_id, position);
        CREATE INDEX responder_calls_state ON responder_calls(state);
        """,
    ),
    (
        "0012_shareable",
        """
        -- An admin's decision that an alert's audio and corrected transcript may enter the
        -- speech corpus (sauti export corpus); audited as "share".
        ALTER TABLE alerts ADD COLUMN shareable INTEGER NOT NULL DEFAULT 0;
        CREATE INDEX alerts_shareable ON alerts(language) WHERE shareable = 1;
        """,
    ),
    (
        "0015_time_as_text",
        # One representation of time: jobs.lease_until held epoch seconds (REAL) while every
        # other time was ISO 8601 text in UTC; convert the leases still held to that text.
        """
        ALTER TABLE jobs ADD COLUMN lease_until_text TEXT;
        UPDATE jobs SET lease_until_text = strftime('%Y-%m-%dT%H:%M:%f', lease_until, 'unixepoch') || '+00:00'
            WHERE lease_until IS NOT NULL;
        ALTER TABLE jobs DROP COLUMN lease_until;
        ALTER TABLE jobs RENAME COLUMN lease_until_text TO lease_until;
        """,
    ),
    (
        "0016_broadcasts",
        """
        -- Voice alerts to communities: one message sent to the focal points of some localities.
        CREATE TABLE broadcasts (
            id INTEGER PRIMARY KEY,
            message_path TEXT NOT NULL,
            localities TEXT NOT NULL,
            created_by TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        -- One row per focal point: its delivery state, attempts, and the alert a reply became.
        CREATE TABLE broadcast_deliveries (
            id INTEGER PRIMARY KEY,
            broadcast_id INTEGER NOT NULL REFERENCES broadcasts(id),
            entry_id INTEGER REFERENCES directory_entries(id) ON DELETE SET NULL,
            name TEXT NOT NULL,
            state TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            results TEXT NOT NULL DEFAULT '[]',
            answer TEXT,
            reply_alert_id INTEGER REFERENCES alerts(id),
            next_attempt_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX broadcast_deliveries_due ON broadcast_deliveries(state, next_attempt_at);
        CREATE INDEX broadcast_deliveries_broadcast ON broadcast_deliveries(broadcast_id);
        """,
    ),
]

# Complaints, committees and surveys live in schema_community.py, indexes for scale in
# schema_scale.py, verification in the field in schema_verifiers.py; all run in number order.
MIGRATIONS = sorted(MIGRATIONS + COMMUNITY_MIGRATIONS + SPOTTING_MIGRATIONS + SMS_MIGRATIONS + SCALE_MIGRATIONS
                    + VERIFIER_MIGRATIONS,
                    key=lambda migration: migration[0])
