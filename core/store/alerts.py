"""Alerts: filing one (with its recording and transcription job), reading, deciding, describing."""

from __future__ import annotations

import sqlite3

from ..identity import REFERENCE_BODY_DIGITS, reference_candidates
from ..model import FLAG_LANGUAGE_INFERRED, Status
from ._rows import decode, to_json
from ._time import utcnow
from .audit import Audit
from .flags import Flags
from .jobs import RESCORE, SPOT, TRANSCRIBE, Jobs
from .recordings import RecordingFacts, Recordings

__all__ = ["Alerts", "REOPENABLE", "RESCORE", "SPOT", "TRANSCRIBE"]

# Decisions a supervisor can take back. An escalated alert is not among them: it has been
# handed to responders, and taking that back is their conversation, not a button.
REOPENABLE = (Status.VERIFIED, Status.UNVERIFIED, Status.FALSE, Status.DUPLICATE)


class Alerts(Flags, Recordings, Jobs, Audit):
    # Fewest random digits of a new reference ([ivr] reference_digits; Store.open sets it).
    reference_digits: int = REFERENCE_BODY_DIGITS

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
            created = {"reference": reference, "status": Status.NEW.value}
            if flags:
                created["flags"] = sorted(set(flags))
            self.audit(actor, "create", "alert", alert_id, None, created)
        return self.get_alert(alert_id)

    def _insert_alert(self, call_id, language, locality, segment, flags) -> tuple[int, str]:
        """Insert the alert under the first free reference of `reference_candidates`: its
        length grows with the alerts filed, so a free one is always found (core/identity.py)."""
        now = utcnow()
        filed = self._value("SELECT max(id) FROM alerts") or 0  # alerts are never deleted: max(id) bounds the count
        for reference in reference_candidates(filed, self.reference_digits):
            try:
                cursor = self.conn.execute(
                    "INSERT INTO alerts (reference, call_id, segment, language, locality, flags,"
                    " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (reference, call_id, segment, language, locality, to_json(sorted(set(flags))), now, now),
                )
                return cursor.lastrowid, reference
            except sqlite3.IntegrityError as exc:
                if "reference" not in str(exc):
                    raise
        raise AssertionError("reference_candidates never ends")

    # -- reading ---------------------------------------------------------------

    def get_alert(self, alert_id: int) -> dict | None:
        row = self._row(
            "SELECT alerts.*, calls.source, calls.station, calls.caller_pseudonym, calls.channel,"
            " calls.committee_id, (SELECT name FROM committees WHERE id = calls.committee_id) AS committee"
            " FROM alerts LEFT JOIN calls ON calls.id = alerts.call_id WHERE alerts.id = ?",
            [alert_id],
        )
        if row is None:
            return None
        row["language_inferred"] = bool(row["language_inferred"])
        return decode(row, "flags", "keywords")

    def alert_by_reference(self, reference: str) -> dict | None:
        alert_id = self._value("SELECT id FROM alerts WHERE reference = ?", (reference,))
        return self.get_alert(alert_id) if alert_id is not None else None

    def alerts_for_call(self, call_id: int) -> list[dict]:
        ids = [r[0] for r in self.conn.execute("SELECT id FROM alerts WHERE call_id = ? ORDER BY segment", (call_id,))]
        return [self.get_alert(i) for i in ids]

    def count_alerts(self) -> int:
        return self._value("SELECT count(*) FROM alerts")

    def alert_summary(self, alert_id: int) -> dict | None:
        return self._row("SELECT id, reference, status, duplicate_of FROM alerts WHERE id = ?", [alert_id])

    def find_alert_id(self, text: str) -> int | None:
        """An alert named the way a verifier would: its reference number, or #id."""
        text = (text or "").strip()
        if not text.removeprefix("#").isascii():  # isdigit() also takes superscripts, which int() refuses
            return None
        if text.startswith("#") and text[1:].isdigit():
            number = int(text[1:])
            return self._value("SELECT id FROM alerts WHERE id = ?", (number,)) if number < 2**63 else None
        if text.isdigit():
            return self._value("SELECT id FROM alerts WHERE reference = ?", (text,))
        return None

    # -- duplicates ------------------------------------------------------------

    def duplicates_of(self, alert_id: int) -> list[dict]:
        return self._rows("SELECT id, reference, created_at FROM alerts WHERE duplicate_of = ? ORDER BY id", [alert_id])

    def root_alert(self, alert_id: int) -> int:
        """Follow duplicate_of links to the alert a chain of duplicates is about."""
        seen = set()
        while alert_id not in seen:
            seen.add(alert_id)
            row = self.conn.execute("SELECT duplicate_of FROM alerts WHERE id = ?", (alert_id,)).fetchone()
            if row is None or row[0] is None:
                return alert_id
            alert_id = row[0]
        return alert_id

    # -- changes ---------------------------------------------------------------

    def set_status(self, alert_id: int, status: Status | str, actor: str, duplicate_of: int | None = None,
                   channel: str | None = None) -> dict:
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
            self.audit(actor, "status", "alert", alert_id, {"status": before["status"]}, after, channel=channel)
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
        """Change descriptive fields (language, locality), audited. A language set by a
        person is no longer inferred, so that flag is lowered."""
        allowed = {"language", "locality"}
        if not set(fields) <= allowed:
            raise ValueError(f"cannot update {sorted(set(fields) - allowed)}")
        with self.transaction():
            before = self.get_alert(alert_id)
            if before is None:
                raise KeyError(alert_id)
            assignments = ", ".join(f"{name} = ?" for name in fields)  # names checked against `allowed`
            self.conn.execute(
                f"UPDATE alerts SET {assignments}, updated_at = ? WHERE id = ?",
                (*fields.values(), utcnow(), alert_id),
            )
            self.audit(actor, "update", "alert", alert_id, {k: before[k] for k in fields}, fields)
            if "language" in fields:
                self.set_language(alert_id, fields["language"], inferred=False, actor=actor)
        return self.get_alert(alert_id)

    def set_language(self, alert_id: int, language: str, inferred: bool, actor: str = "asr") -> None:
        """The alert's language, and whether it was inferred from the audio (flagged) or known."""
        with self.transaction():
            self.conn.execute(
                "UPDATE alerts SET language = ?, language_inferred = ?, updated_at = ? WHERE id = ?",
                (language, int(inferred), utcnow(), alert_id),
            )
            change = {"add": (FLAG_LANGUAGE_INFERRED,)} if inferred else {"clear": (FLAG_LANGUAGE_INFERRED,)}
            self.set_flags(alert_id, actor, **change)
