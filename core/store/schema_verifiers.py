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
]
