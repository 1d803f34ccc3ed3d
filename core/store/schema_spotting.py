"""Migrations of keyword spotting by example (asr/spotting, docs/spotting.md).

Numbered in the same sequence as schema.py, which merges every list in number order.
"""

from __future__ import annotations

SPOTTING_MIGRATIONS: list[tuple[str, str]] = [
    (
        "0070_keyword_examples",
        """
        -- A span of a verified alert's recording that a verifier heard as a lexicon term: a piece
        -- of a caller's voice, purged with its alert (core/store/retention.py).
        CREATE TABLE keyword_examples (
            id INTEGER PRIMARY KEY,
            alert_id INTEGER REFERENCES alerts(id),
            recording_id INTEGER REFERENCES recordings(id) ON DELETE SET NULL,
            language TEXT NOT NULL,
            term TEXT NOT NULL,
            category TEXT NOT NULL,
            path TEXT NOT NULL,          -- the cut clip, relative to the data directory
            start REAL NOT NULL,         -- seconds into the recording it was cut from
            end REAL NOT NULL,
            created_by TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE INDEX keyword_examples_language ON keyword_examples(language, term);
        CREATE INDEX keyword_examples_alert ON keyword_examples(alert_id);
        -- Where a new alert's recording sounded like an example, and the verifier's decision on it.
        -- Times are on the alert's timeline; distance is the DTW's mean per-frame cosine distance.
        CREATE TABLE keyword_hits (
            id INTEGER PRIMARY KEY,
            alert_id INTEGER NOT NULL REFERENCES alerts(id),
            example_id INTEGER REFERENCES keyword_examples(id) ON DELETE SET NULL,
            example_alert_id INTEGER,    -- kept when the example is purged: 'example from alert N'
            language TEXT NOT NULL,
            term TEXT NOT NULL,
            category TEXT NOT NULL,
            start REAL NOT NULL,
            end REAL NOT NULL,
            distance REAL NOT NULL,
            threshold REAL NOT NULL,
            decision TEXT CHECK (decision IN ('confirmed', 'rejected')),
            decided_by TEXT,
            decided_at TEXT,
            created_at TEXT NOT NULL
        );
        CREATE INDEX keyword_hits_alert ON keyword_hits(alert_id);
        CREATE INDEX keyword_hits_decisions ON keyword_hits(language, term, decided_at) WHERE decision IS NOT NULL;
        """,
    ),
]
