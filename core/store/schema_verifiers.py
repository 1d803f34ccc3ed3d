"""Migrations of verification in the field: verifiers' areas and the verifier line.

Numbered in the same sequence as schema.py, which merges every list in number order.
"""

from __future__ import annotations

VERIFIER_MIGRATIONS: list[tuple[str, str]] = [
    (
        "0085_verifier_areas",
        """
        -- The localities a console account covers: a gazetteer code, or a territory (all its
        -- localities). Its queue shows these by default; an alert with no locality is everyone's.
        CREATE TABLE user_areas (
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            kind TEXT NOT NULL CHECK (kind IN ('locality', 'territory')),
            area TEXT NOT NULL,
            PRIMARY KEY (user_id, kind, area)
        );
        """,
    ),
    (
        "0086_audit_channel",
        """
        -- Where a person acted from when it was not the console or the CLI: 'phone' (the verifier line).
        ALTER TABLE audit_log ADD COLUMN channel TEXT;
        """,
    ),
    (
        "0087_verifier_line",
        """
        -- An account's PIN for the verifier line, as an HMAC (core/committees.py PinHasher): unique,
        -- since the PIN alone says who calls.
        ALTER TABLE users ADD COLUMN phone_pin_hash TEXT;
        CREATE UNIQUE INDEX users_phone_pin ON users(phone_pin_hash) WHERE phone_pin_hash IS NOT NULL;
        -- Wrong PINs and locks of the verifier line are counted apart from the committee line's.
        ALTER TABLE committee_pin_failures ADD COLUMN line TEXT NOT NULL DEFAULT 'committee';
        ALTER TABLE committee_line_locks ADD COLUMN line TEXT NOT NULL DEFAULT 'committee';
        -- A spoken note (recorded on the verifier line): its audio, relative to the data directory.
        ALTER TABLE notes ADD COLUMN recording_path TEXT;
        """,
    ),
    (
        "0088_verifier_duty",
        """
        -- An account's phone number for duty calls, sealed as the directory's (core/directory.py):
        -- the dialler alone opens it; the console shows its last digits.
        ALTER TABLE users ADD COLUMN duty_number_sealed BLOB;
        ALTER TABLE users ADD COLUMN duty_seal_id TEXT;
        ALTER TABLE users ADD COLUMN duty_number_tail TEXT;
        -- Who is on duty for an area (a gazetteer code or a territory), in the order they are called.
        CREATE TABLE duty_rota (
            kind TEXT NOT NULL CHECK (kind IN ('locality', 'territory')),
            area TEXT NOT NULL,
            position INTEGER NOT NULL,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            PRIMARY KEY (kind, area, position),
            UNIQUE (kind, area, user_id)
        );
        -- The calls an urgent alert gave the verifiers on duty: queued in rota order, placed one at
        -- a time until one keys their PIN (reached), as responder_calls are for an escalation.
        CREATE TABLE duty_calls (
            id INTEGER PRIMARY KEY,
            alert_id INTEGER NOT NULL REFERENCES alerts(id),
            user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
            username TEXT NOT NULL,
            position INTEGER NOT NULL,
            state TEXT NOT NULL,
            result TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX duty_calls_alert ON duty_calls(alert_id, position);
        CREATE INDEX duty_calls_state ON duty_calls(state);
        """,
    ),
]
