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
]
