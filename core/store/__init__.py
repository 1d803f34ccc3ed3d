"""The store: every SQL statement Sauti runs lives in this package.

    store = Store.open(config.db_path)   # creates and migrates the file if needed
    call_id = store.create_call(Source.PHONE, channel="PJSIP/phone-1-0001")
    alert = store.file_alert(call_id, recording, language="sw")

One module per area, each a class deriving from `Base` (_base.py: connection,
transactions, row queries) and from the areas it calls, so every dependency is named:

    calls.py        calls, and how many alerts a caller's pseudonym filed
    alerts.py       filing an alert (recording + job + audit), reading, status, reopening, details
    flags.py        flags that state what is true now; changes audited
    claims.py       one verifier at a time on an alert; supervisors take over
    recordings.py   audio files of an alert
    transcripts.py  ASR and verifier transcripts, keywords and priority (rescoring)
    tags.py notes.py   verifiers' tags and notes
    jobs.py         the durable job queue with leases
    speech_models.py   the models the ASR worker loaded; alerts waiting for one
    queue.py        the console's queue: order, filters, search
    incidents.py    alerts grouped into incidents
    exports.py      verified and escalated alerts for export; the speech corpus
    callbacks.py    call-backs and sealed contacts
    committees.py   local protection committees and their PINs
    committee_pins.py  wrong PINs on the committee line; the per-caller and line-wide locks
    complaints.py   confidential complaints, sealed, for the complaints role only
    surveys.py      perception surveys and their answers (a locality and a day, no caller)
    survey_runs.py  surveys put to focal points by outbound calls (broadcasts that carry a survey)
    directory.py    responders and focal points, numbers sealed
    broadcasts.py   calls to focal points (voice alerts, survey runs): deliveries, retries, concurrency
    responders.py   calling an escalated alert's responders (after texting those who take SMS)
    responder_sms.py  responders' SMS replies: a confirmation, or a reply kept on the escalation
    responses.py    responses recorded on alerts, and each alert's timeline
    live.py         calls in progress, as Asterisk reports them
    sessions.py     console sessions and login throttling
    users.py        console accounts
    retention.py    purging closed alerts
    spotting.py     keyword examples marked by verifiers, hits in new alerts, decisions, thresholds
    audit.py        the audit log
    bulk.py         many rows at once, for benchmarks and tests that need years of history
    spool.py        failure-path recordings imported once
    sms.py          alerts by SMS (filed as a call's are), messages sent back, delivery reports
    snapshot.py     the database file: one-step live copy, integrity (core/backup.py)
    gazetteer.py    localities
    schema.py       numbered forward migrations (0001 in schema_initial.py, community ones in
                    schema_community.py, spotting in schema_spotting.py); migrations.py applies them
    thread.py       a Store on its own thread, for asyncio services
    _rows.py        JSON column helpers; _time.py the one representation of time

A new area is a new module with its class added to `Store`'s bases. Times are ISO
8601 text in UTC (_time.py). One `Store` per thread; SQLite in WAL mode lets the IVR,
the ASR worker and the console write to one file from separate processes.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from ..identity import REFERENCE_BODY_DIGITS
from . import migrations
from ._base import Base
from .areas import Areas
from ._time import utcnow
from .alerts import Alerts
from .audit import Audit
from .bulk import Bulk
from .callbacks import Callbacks
from .calls import Calls
from .claims import Claims
from .committee_pins import CommitteePins
from .committees import Committees
from .complaints import Complaints
from .directory import Directory
from .duty import Duty
from .exports import Exports
from .flags import Flags
from .gazetteer import Gazetteer
from .incidents import Incidents
from .jobs import Job, Jobs
from .live import LiveCalls
from .notes import Notes
from .queue import Queue
from .recordings import RecordingFacts, Recordings
from .responder_sms import ResponderSms
from .responders import Responders
from .responses import Responses
from .retention import CLOSED_STATUSES, Retention
from .schema import MIGRATIONS
from .sessions import Sessions
from .sms import Sms
from .speech_models import SpeechModels
from .spool import Spool
from .survey_runs import SurveyRuns
from .surveys import Surveys
from .tags import Tags
from .transcripts import Transcripts
from .users import Users
from .verifier_line import VerifierLine

__all__ = ["Store", "Job", "RecordingFacts", "CLOSED_STATUSES", "utcnow"]

SYNCHRONOUS = "FULL"
BUSY_TIMEOUT_MS = 30_000  # how long a writer waits for another process's write lock


# Areas that build on others come before them (Python's method order needs it).
class Store(VerifierLine, Duty, SurveyRuns, ResponderSms, Responders, Responses, Surveys, Sms, Alerts, SpeechModels,
            Transcripts, Flags, Recordings, Jobs, Calls, Callbacks, Claims, Committees, CommitteePins, Complaints, Exports,
            Gazetteer, Incidents, LiveCalls, Notes, Queue, Retention, Spool, Tags, Areas, Users, Directory, Sessions, Bulk,
            Audit, Base):
    @classmethod
    def open(cls, path: Path | str, migrate: bool = True, reference_digits: int = REFERENCE_BODY_DIGITS) -> "Store":
        """`reference_digits`: the fewest random digits of a new alert reference ([ivr] reference_digits)."""
        path = str(path)
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if path != ":memory:":
            _use_wal(conn)
        conn.execute("PRAGMA foreign_keys = ON")
        # FULL, not WAL's usual NORMAL: a commit is on stable storage before it returns, so a
        # reference read back, a decision shown, a call-back queued survives a power cut
        # (NORMAL may roll the last commits back). Its cost is in the README.
        conn.execute(f"PRAGMA synchronous = {SYNCHRONOUS}")
        store = cls(conn)
        store.reference_digits = reference_digits
        if migrate:
            store.migrate()
        return store

    def close(self) -> None:
        self.conn.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def migrate(self, pending: list[tuple[str, str]] = MIGRATIONS) -> list[str]:
        """Apply pending migrations in order (safe with several processes at once)."""
        return migrations.migrate(self, pending)

    def schema_version(self) -> int:
        return len(migrations.applied(self.conn))

    def data_version(self) -> int:
        """Changes whenever another connection commits to the database: a cheap way to poll
        for new work without taking the write lock."""
        return self._value("PRAGMA data_version")


def _use_wal(conn: sqlite3.Connection) -> None:
    """Switch a new file to WAL. Two processes converting the same new file at once can
    each hold a read lock the other's conversion needs; SQLite then refuses one at once
    rather than wait (deadlock), so the refused one tries again until the busy timeout."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)

