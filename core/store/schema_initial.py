"""The first migration, 0001_initial: the tables as Sauti first shipped them (kept apart
from schema.py, which stays short enough to read). Never edit it."""

INITIAL = """
        CREATE TABLE calls (
            id INTEGER PRIMARY KEY,
            channel TEXT,
            uniqueid TEXT,
            source TEXT NOT NULL,
            station TEXT,
            caller_pseudonym TEXT,
            started_at TEXT NOT NULL,
            ended_at TEXT
        );
        CREATE INDEX calls_pseudonym ON calls(caller_pseudonym);

        CREATE TABLE alerts (
            id INTEGER PRIMARY KEY,
            reference TEXT NOT NULL UNIQUE,
            call_id INTEGER REFERENCES calls(id),
            segment INTEGER NOT NULL DEFAULT 1,
            language TEXT,
            language_inferred INTEGER NOT NULL DEFAULT 0,
            locality TEXT,
            status TEXT NOT NULL DEFAULT 'new',
            priority REAL NOT NULL DEFAULT 0,
            flags TEXT NOT NULL DEFAULT '[]',
            keywords TEXT NOT NULL DEFAULT '[]',
            transcript_state TEXT NOT NULL DEFAULT 'pending',
            transcript_error TEXT,
            duplicate_of INTEGER REFERENCES alerts(id),
            claimed_by TEXT,
            claimed_until TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX alerts_queue ON alerts(status, priority DESC, created_at DESC);
        CREATE INDEX alerts_call ON alerts(call_id);

        CREATE TABLE recordings (
            id INTEGER PRIMARY KEY,
            alert_id INTEGER NOT NULL REFERENCES alerts(id),
            path TEXT NOT NULL UNIQUE,
            format TEXT NOT NULL,
            duration REAL,
            sample_rate INTEGER,
            bytes INTEGER,
            sha256 TEXT,
            offset_seconds REAL NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL
        );
        CREATE INDEX recordings_alert ON recordings(alert_id);

        CREATE TABLE transcripts (
            id INTEGER PRIMARY KEY,
            alert_id INTEGER NOT NULL REFERENCES alerts(id),
            text TEXT NOT NULL,
            words TEXT NOT NULL DEFAULT '[]',
            model TEXT,
            language TEXT,
            confidence REAL,
            speech_seconds REAL,
            origin TEXT NOT NULL DEFAULT 'asr',
            author TEXT,
            created_at TEXT NOT NULL
        );
        CREATE INDEX transcripts_alert ON transcripts(alert_id, id);

        CREATE TABLE tags (
            alert_id INTEGER NOT NULL REFERENCES alerts(id),
            tag TEXT NOT NULL,
            author TEXT,
            created_at TEXT NOT NULL,
            PRIMARY KEY (alert_id, tag)
        );

        CREATE TABLE notes (
            id INTEGER PRIMARY KEY,
            alert_id INTEGER NOT NULL REFERENCES alerts(id),
            author TEXT NOT NULL,
            text TEXT NOT NULL,
            created_at TEXT NOT NULL
        );

        CREATE TABLE jobs (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            alert_id INTEGER REFERENCES alerts(id),
            payload TEXT NOT NULL DEFAULT '{}',
            status TEXT NOT NULL DEFAULT 'queued',
            attempts INTEGER NOT NULL DEFAULT 0,
            lease_until REAL,
            worker TEXT,
            last_error TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX jobs_claim ON jobs(kind, status, id);

        CREATE TABLE audit_log (
            id INTEGER PRIMARY KEY,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            entity TEXT NOT NULL,
            entity_id INTEGER,
            before TEXT,
            after TEXT,
            at TEXT NOT NULL
        );
        CREATE INDEX audit_entity ON audit_log(entity, entity_id);

        CREATE TABLE users (
            id INTEGER PRIMARY KEY,
            username TEXT NOT NULL UNIQUE,
            password_hash TEXT NOT NULL,
            role TEXT NOT NULL,
            disabled INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL
        );

        CREATE TABLE spool_imports (
            name TEXT PRIMARY KEY,
            alert_id INTEGER REFERENCES alerts(id),
            imported_at TEXT NOT NULL
        );

        CREATE TABLE localities (
            code TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            territory TEXT
        );

        CREATE VIRTUAL TABLE transcripts_fts USING fts5(
            text, content='transcripts', content_rowid='id', tokenize='unicode61 remove_diacritics 2'
        );
        CREATE TRIGGER transcripts_fts_insert AFTER INSERT ON transcripts BEGIN
            INSERT INTO transcripts_fts(rowid, text) VALUES (new.id, new.text);
        END;
        CREATE TRIGGER transcripts_fts_delete AFTER DELETE ON transcripts BEGIN
            INSERT INTO transcripts_fts(transcripts_fts, rowid, text) VALUES ('delete', old.id, old.text);
        END;
        """
