"""Calls, alerts, recordings, transcripts, tags and notes."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass

from ..identity import new_reference
from ..model import Source, Status, TranscriptState
from ._time import utc_after, utcnow

TRANSCRIBE = "transcribe"
# A fast keyword pass (Vosk grammar mode) claimed before any full decode: it gives the
# alert a provisional priority within seconds of a burst, the transcript refines it.
SPOT = "spot"
# A verifier corrected the transcript: the worker (which holds the lexicons) scores the
# correction again; until Swahili and Lingala models exist, that is those alerts' priority.
RESCORE = "rescore"
# Decisions a supervisor can take back. An escalated alert is not among them: it has been
# handed to responders, and taking that back is their conversation, not a button.
REOPENABLE = (Status.VERIFIED, Status.UNVERIFIED, Status.FALSE, Status.DUPLICATE)


@dataclass(frozen=True)
class RecordingFacts:
    """What the store keeps about an audio file; `path` is relative to the data directory."""

    path: str
    format: str
    duration: float
    sample_rate: int
    bytes: int
    sha256: str
    offset_seconds: float = 0.0


class AlertsMixin:
    # -- calls --------------------------------------------------------------

    def create_call(
        self,
        source: Source | str,
        channel: str | None = None,
        uniqueid: str | None = None,
        station: str | None = None,
        caller_pseudonym: str | None = None,
        started_at: str | None = None,
    ) -> int:
        cursor = self.conn.execute(
            "INSERT INTO calls (channel, uniqueid, source, station, caller_pseudonym, started_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (channel, uniqueid, str(Source(source)), station, caller_pseudonym, started_at or utcnow()),
        )
        return cursor.lastrowid

    def end_call(self, call_id: int) -> None:
        self.conn.execute("UPDATE calls SET ended_at = ? WHERE id = ? AND ended_at IS NULL", (utcnow(), call_id))

    def get_call(self, call_id: int) -> dict | None:
        rows = list(self.db.query("SELECT * FROM calls WHERE id = ?", [call_id]))
        return rows[0] if rows else None

    # -- alerts -------------------------------------------------------------

    def file_alert(
        self,
        call_id: int,
        recording: RecordingFacts,
        language: str | None = None,
        locality: str | None = None,
        segment: int = 1,
        flags: list[str] | tuple = (),
        actor: str = "ivr",
    ) -> dict:
        """Create an alert with its recording and queue its transcription, atomically."""
        with self.transaction():
            alert_id, reference = self._insert_alert(call_id, language, locality, segment, flags)
            self.add_recording(alert_id, recording)
            self.queue_job(TRANSCRIBE, alert_id)
            self.queue_job(SPOT, alert_id)   # claimed first all the same (asr/worker.py)
            self.audit(actor, "create", "alert", alert_id, None, {"reference": reference, "status": Status.NEW.value})
        return self.get_alert(alert_id)

    def _insert_alert(self, call_id, language, locality, segment, flags) -> tuple[int, str]:
        now = utcnow()
        for _ in range(100):
            reference = new_reference()
            try:
                cursor = self.conn.execute(
                    "INSERT INTO alerts (reference, call_id, segment, language, locality, flags,"
                    " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (reference, call_id, segment, language, locality, json.dumps(sorted(set(flags))), now, now),
                )
                return cursor.lastrowid, reference
            except sqlite3.IntegrityError as exc:
                if "reference" not in str(exc):
                    raise
        raise RuntimeError("could not find a free reference number; the reference space is nearly full")

    def issue_reference(self) -> str:
        """A fresh reference not yet used by any alert (for tests and tools)."""
        while True:
            reference = new_reference()
            if not self.alert_by_reference(reference):
                return reference

    def get_alert(self, alert_id: int) -> dict | None:
        rows = list(
            self.db.query(
                "SELECT alerts.*, calls.source, calls.station, calls.caller_pseudonym, calls.channel,"
                " calls.committee_id, (SELECT name FROM committees WHERE id = calls.committee_id) AS committee"
                " FROM alerts LEFT JOIN calls ON calls.id = alerts.call_id WHERE alerts.id = ?",
                [alert_id],
            )
        )
        return _decode_alert(rows[0]) if rows else None

    def alert_by_reference(self, reference: str) -> dict | None:
        row = self.conn.execute("SELECT id FROM alerts WHERE reference = ?", (reference,)).fetchone()
        return self.get_alert(row[0]) if row else None

    def alerts_for_call(self, call_id: int) -> list[dict]:
        ids = [r[0] for r in self.conn.execute("SELECT id FROM alerts WHERE call_id = ? ORDER BY segment", (call_id,))]
        return [self.get_alert(i) for i in ids]

    def count_alerts(self) -> int:
        return self.conn.execute("SELECT count(*) FROM alerts").fetchone()[0]

    def set_status(self, alert_id: int, status: Status | str, actor: str, duplicate_of: int | None = None) -> dict:
        status = Status(status)
        if status is Status.DUPLICATE and duplicate_of is None:
            raise ValueError("a duplicate must name the alert it duplicates")
        if duplicate_of is not None and duplicate_of == alert_id:
            raise ValueError("an alert cannot duplicate itself")
        with self.transaction():
            before = self.get_alert(alert_id)
            if before is None:
                raise KeyError(alert_id)
            self.conn.execute(
                "UPDATE alerts SET status = ?, duplicate_of = ?, claimed_by = NULL, claimed_until = NULL,"
                " updated_at = ? WHERE id = ?",
                (status.value, duplicate_of if status is Status.DUPLICATE else None, utcnow(), alert_id),
            )
            after = {"status": status.value}
            if status is Status.DUPLICATE:
                after["duplicate_of"] = duplicate_of
            self.audit(actor, "status", "alert", alert_id, {"status": before["status"]}, after)
        return self.get_alert(alert_id)

    def reopen(self, alert_id: int, actor: str) -> dict:
        """A decided alert back to the queue as new; a duplicate is un-merged from its original.

        Transcripts, tags, notes and the audit log stay as they are; the reopening is
        audited ("reopen") with the decision and the merge it undid."""
        with self.transaction():
            before = self.get_alert(alert_id)
            if before is None:
                raise KeyError(alert_id)
            if before["status"] not in REOPENABLE:
                raise ValueError(f"a {before['status']} alert cannot be reopened")
            if before.get("purged_at"):
                raise ValueError("its recordings and transcripts have been purged")
            self.conn.execute(
                "UPDATE alerts SET status = ?, duplicate_of = NULL, claimed_by = NULL, claimed_until = NULL,"
                " updated_at = ? WHERE id = ?",
                (Status.NEW.value, utcnow(), alert_id),
            )
            undone = {"status": before["status"]}
            if before["duplicate_of"] is not None:
                undone["duplicate_of"] = before["duplicate_of"]
            self.audit(actor, "reopen", "alert", alert_id, undone, {"status": Status.NEW.value})
        return self.get_alert(alert_id)

    def update_alert(self, alert_id: int, actor: str, **fields) -> dict:
        """Change descriptive fields (language, locality), audited."""
        allowed = {"language", "locality"}
        if not set(fields) <= allowed:
            raise ValueError(f"cannot update {sorted(set(fields) - allowed)}")
        with self.transaction():
            before = self.get_alert(alert_id)
            if before is None:
                raise KeyError(alert_id)
            assignments = ", ".join(f"{name} = ?" for name in fields)
            self.conn.execute(
                f"UPDATE alerts SET {assignments}, updated_at = ? WHERE id = ?",
                (*fields.values(), utcnow(), alert_id),
            )
            self.audit(actor, "update", "alert", alert_id, {k: before[k] for k in fields}, fields)
        return self.get_alert(alert_id)

    def add_flags(self, alert_id: int, *flags: str) -> None:
        with self.transaction():
            current = json.loads(self.conn.execute("SELECT flags FROM alerts WHERE id = ?", (alert_id,)).fetchone()[0])
            merged = sorted(set(current) | set(flags))
            self.conn.execute("UPDATE alerts SET flags = ?, updated_at = ? WHERE id = ?", (json.dumps(merged), utcnow(), alert_id))

    def claim_alert(self, alert_id: int, user: str, minutes: float) -> bool:
        """One verifier at a time: succeeds if unclaimed, expired, or already ours."""
        with self.transaction():
            now = utcnow()
            cursor = self.conn.execute(
                "UPDATE alerts SET claimed_by = ?, claimed_until = ? WHERE id = ?"
                " AND (claimed_by IS NULL OR claimed_by = ? OR claimed_until < ?)",
                (user, utc_after(minutes * 60), alert_id, user, now),
            )
            if cursor.rowcount:
                self.audit(user, "claim", "alert", alert_id, None, {"claimed_by": user})
            return bool(cursor.rowcount)

    def release_alert(self, alert_id: int, user: str) -> bool:
        """Only the holder releases a claim; returns whether there was one to release."""
        with self.transaction():
            cursor = self.conn.execute(
                "UPDATE alerts SET claimed_by = NULL, claimed_until = NULL WHERE id = ? AND claimed_by = ?",
                (alert_id, user),
            )
            if cursor.rowcount:
                self.audit(user, "release", "alert", alert_id, {"claimed_by": user}, None)
            return bool(cursor.rowcount)

    def take_over_claim(self, alert_id: int, user: str, minutes: float) -> str | None:
        """A supervisor takes the claim whoever holds it; returns the holder it was taken
        from (None when it was free or expired), audited as "takeover"."""
        with self.transaction():
            row = self.conn.execute(
                "SELECT claimed_by FROM alerts WHERE id = ? AND claimed_until > ? AND claimed_by != ?",
                (alert_id, utcnow(), user),
            ).fetchone()
            previous = row[0] if row else None
            self.conn.execute(
                "UPDATE alerts SET claimed_by = ?, claimed_until = ? WHERE id = ?",
                (user, utc_after(minutes * 60), alert_id),
            )
            action = "takeover" if previous else "claim"
            self.audit(user, action, "alert", alert_id, {"claimed_by": previous} if previous else None,
                       {"claimed_by": user})
            return previous

    # -- recordings ---------------------------------------------------------

    def add_recording(self, alert_id: int, recording: RecordingFacts) -> int:
        cursor = self.conn.execute(
            "INSERT INTO recordings (alert_id, path, format, duration, sample_rate, bytes, sha256,"
            " offset_seconds, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                alert_id,
                recording.path,
                recording.format,
                recording.duration,
                recording.sample_rate,
                recording.bytes,
                recording.sha256,
                recording.offset_seconds,
                utcnow(),
            ),
        )
        return cursor.lastrowid

    def recordings_for(self, alert_id: int) -> list[dict]:
        return list(self.db.query("SELECT * FROM recordings WHERE alert_id = ? ORDER BY id", [alert_id]))

    # -- transcripts and keywords -----------------------------------------

    def add_transcript(
        self,
        alert_id: int,
        text: str,
        words: list | None = None,
        model: str | None = None,
        language: str | None = None,
        confidence: float | None = None,
        speech_seconds: float | None = None,
        origin: str = "asr",
        author: str | None = None,
    ) -> int:
        with self.transaction():
            previous = self.latest_transcript(alert_id)
            cursor = self.conn.execute(
                "INSERT INTO transcripts (alert_id, text, words, model, language, confidence, speech_seconds,"
                " origin, author, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (alert_id, text, json.dumps(words or [], ensure_ascii=False), model, language, confidence,
                 speech_seconds, origin, author, utcnow()),
            )
            if origin == "asr":
                self.conn.execute(
                    "UPDATE alerts SET transcript_state = ?, transcript_error = NULL, updated_at = ? WHERE id = ?",
                    (TranscriptState.DONE.value, utcnow(), alert_id),
                )
            else:
                self.audit(author or "?", "transcript", "alert", alert_id,
                           {"text": previous["text"] if previous else None}, {"text": text})
                self.queue_job(RESCORE, alert_id)
            return cursor.lastrowid

    def transcripts_for(self, alert_id: int) -> list[dict]:
        rows = list(self.db.query("SELECT * FROM transcripts WHERE alert_id = ? ORDER BY id", [alert_id]))
        for row in rows:
            row["words"] = json.loads(row["words"])
        return rows

    def latest_transcript(self, alert_id: int) -> dict | None:
        rows = self.transcripts_for(alert_id)
        return rows[-1] if rows else None

    def set_transcript_state(self, alert_id: int, state: TranscriptState | str, error: str | None = None) -> None:
        self.conn.execute(
            "UPDATE alerts SET transcript_state = ?, transcript_error = ?, updated_at = ? WHERE id = ?",
            (TranscriptState(state).value, error, utcnow(), alert_id),
        )

    def set_keywords(self, alert_id: int, keywords: list[dict], priority: float) -> None:
        self.conn.execute(
            "UPDATE alerts SET keywords = ?, priority = ?, updated_at = ? WHERE id = ?",
            (json.dumps(keywords, ensure_ascii=False), priority, utcnow(), alert_id),
        )

    def set_language(self, alert_id: int, language: str, inferred: bool) -> None:
        self.conn.execute(
            "UPDATE alerts SET language = ?, language_inferred = ?, updated_at = ? WHERE id = ?",
            (language, int(inferred), utcnow(), alert_id),
        )

    # -- tags and notes -----------------------------------------------------

    def set_tags(self, alert_id: int, tags: set[str], actor: str) -> None:
        with self.transaction():
            before = {r[0] for r in self.conn.execute("SELECT tag FROM tags WHERE alert_id = ?", (alert_id,))}
            if before == set(tags):
                return
            self.conn.execute("DELETE FROM tags WHERE alert_id = ?", (alert_id,))
            now = utcnow()
            for tag in sorted(tags):
                self.conn.execute(
                    "INSERT INTO tags (alert_id, tag, author, created_at) VALUES (?, ?, ?, ?)", (alert_id, tag, actor, now)
                )
            self.audit(actor, "tags", "alert", alert_id, sorted(before), sorted(tags))

    def tags_for(self, alert_id: int) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT tag FROM tags WHERE alert_id = ? ORDER BY tag", (alert_id,))]

    def add_note(self, alert_id: int, author: str, text: str) -> int:
        with self.transaction():
            cursor = self.conn.execute(
                "INSERT INTO notes (alert_id, author, text, created_at) VALUES (?, ?, ?, ?)",
                (alert_id, author, text, utcnow()),
            )
            self.audit(author, "note", "alert", alert_id, None, {"text": text})
            return cursor.lastrowid

    def notes_for(self, alert_id: int) -> list[dict]:
        return list(self.db.query("SELECT * FROM notes WHERE alert_id = ? ORDER BY id", [alert_id]))

    # -- pseudonyms ----------------------------------------------------------

    def alerts_from_pseudonym(self, pseudonym: str, before_alert_id: int | None = None) -> int:
        sql = "SELECT count(*) FROM alerts JOIN calls ON calls.id = alerts.call_id WHERE calls.caller_pseudonym = ?"
        params: list = [pseudonym]
        if before_alert_id is not None:
            sql += " AND alerts.id < ?"
            params.append(before_alert_id)
        return self.conn.execute(sql, params).fetchone()[0]

    # -- spool imports (failure-path recordings) ----------------------------

    def spool_imported(self, name: str) -> bool:
        return self.conn.execute("SELECT 1 FROM spool_imports WHERE name = ?", (name,)).fetchone() is not None

    def mark_spool_imported(self, name: str, alert_id: int | None) -> None:
        self.conn.execute(
            "INSERT INTO spool_imports (name, alert_id, imported_at) VALUES (?, ?, ?)", (name, alert_id, utcnow())
        )

    # -- gazetteer ------------------------------------------------------------

    def add_locality(self, code: str, name: str, territory: str | None = None) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO localities (code, name, territory) VALUES (?, ?, ?)", (code, name, territory)
        )

    def has_gazetteer(self) -> bool:
        return self.conn.execute("SELECT 1 FROM localities LIMIT 1").fetchone() is not None

    def locality(self, code: str) -> dict | None:
        rows = list(self.db.query("SELECT * FROM localities WHERE code = ?", [code]))
        return rows[0] if rows else None


def _decode_alert(row: dict) -> dict:
    row["flags"] = json.loads(row["flags"])
    row["keywords"] = json.loads(row["keywords"])
    row["language_inferred"] = bool(row["language_inferred"])
    return row
