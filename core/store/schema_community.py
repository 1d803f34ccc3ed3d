"""Migrations of the community mechanisms beside alerts: complaints, committees, surveys.

Numbered in the same sequence as schema.py, which merges both lists in number order.
"""

from __future__ import annotations

COMMUNITY_MIGRATIONS: list[tuple[str, str]] = [
    (
        "0013_complaints",
        """
        -- Confidential complaints: never alerts; read only by users holding the complaints role.
        ALTER TABLE users ADD COLUMN complaints INTEGER NOT NULL DEFAULT 0;
        CREATE TABLE complaints (
            id INTEGER PRIMARY KEY,
            reference TEXT NOT NULL UNIQUE,
            language TEXT NOT NULL,
            path TEXT,
            duration REAL,
            status TEXT NOT NULL DEFAULT 'new',
            status_message TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            purged_at TEXT
        );
        -- Their audit, apart from audit_log: every access, listening included, shown to the role only.
        CREATE TABLE complaint_audit (
            id INTEGER PRIMARY KEY,
            complaint_id INTEGER REFERENCES complaints(id),
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            detail TEXT,
            at TEXT NOT NULL
        );
        """,
    ),
    (
        "0014_committees",
        """
        -- Local Protection Committees: a PIN (HMAC under secrets/committees.key, never clear) and a locality.
        CREATE TABLE committees (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            locality TEXT NOT NULL,
            pin_hash TEXT NOT NULL UNIQUE,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        -- A committee's call: its reports are alerts whose call names the committee.
        ALTER TABLE calls ADD COLUMN committee_id INTEGER REFERENCES committees(id);
        """,
    ),
    (
        "0017_surveys",
        """
        -- Perception surveys: an admin's questions (words per language, 2-5 key answers each);
        -- responses keep only a locality and a day, never the caller; complete = 0 until the end.
        CREATE TABLE surveys (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            active INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE TABLE survey_questions (
            id INTEGER PRIMARY KEY,
            survey_id INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            answers INTEGER NOT NULL CHECK (answers BETWEEN 2 AND 5),
            words TEXT NOT NULL DEFAULT '{}',
            UNIQUE (survey_id, position)
        );
        CREATE TABLE survey_responses (
            id INTEGER PRIMARY KEY,
            survey_id INTEGER NOT NULL REFERENCES surveys(id),
            locality TEXT,
            day TEXT NOT NULL,
            complete INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE survey_answers (
            response_id INTEGER NOT NULL REFERENCES survey_responses(id),
            question_id INTEGER NOT NULL REFERENCES survey_questions(id),
            answer INTEGER NOT NULL,
            PRIMARY KEY (response_id, question_id)
        );
        """,
    ),
    (
        "0018_survey_runs",
        """
        -- Outbound survey runs: a broadcast that carries a survey (survey_id) instead of a message
        -- (message_path ''), so its calls share the deliveries' retries, outcomes and concurrency limit.
        ALTER TABLE broadcasts ADD COLUMN survey_id INTEGER REFERENCES surveys(id);
        ALTER TABLE broadcasts ADD COLUMN stopped_at TEXT;
        -- The locality a focal point's answers are counted under (one of the run's, from the directory).
        ALTER TABLE broadcast_deliveries ADD COLUMN locality TEXT;
        -- Where a response came from: the survey line (inbound) or a run's call (outbound).
        -- Nothing links a response to the delivery, so answers never name the focal point.
        ALTER TABLE survey_responses ADD COLUMN channel TEXT NOT NULL DEFAULT 'inbound';
        """,
    ),
    (
        "0019_committee_pin_locks",
        """
        -- Wrong PINs keyed on the committee line, kept only as long as the longest window that counts them:
        -- when, and the caller's keyed pseudonym (NULL: a withheld number), never the number.
        CREATE TABLE committee_pin_failures (
            id INTEGER PRIMARY KEY,
            caller_pseudonym TEXT,
            at TEXT NOT NULL
        );
        CREATE INDEX committee_pin_failures_at ON committee_pin_failures (at);
        -- The line locked for every caller after too many wrong PINs, until locked_until or an admin's unlock.
        CREATE TABLE committee_line_locks (
            id INTEGER PRIMARY KEY,
            locked_at TEXT NOT NULL,
            locked_until TEXT NOT NULL,
            wrong_pins INTEGER NOT NULL,
            unlocked_at TEXT,
            unlocked_by TEXT
        );
        """,
    ),
]
