"""Beeps on the missed-call line: noted under the caller's pseudonym, a call-back queued.

The beep flow notes a beep while the caller's phone still rings. When the IVR cannot take
it (starting, restarting, down), the dialplan's failure path writes
`<spool>/beeps/<UNIQUEID>.meta` instead (caller, channel, started, then `noted=` once the
note is whole), and the IVR's spool round notes it here the same way: the caller, who has
no credit, is called back whether or not the IVR was up. Each note is imported once: the
call, its call-back and the import mark in one transaction; only then is the file, which
holds the caller's number in clear, deleted.
"""

from __future__ import annotations

import datetime as dt
import logging

from core.dialplan import SPOOL_BEEPS
from core.model import Source
from core.store import Store

from .line import Line
from .spool import abandoned, parse_meta

log = logging.getLogger(__name__)


def note_beep(store: Store, line: Line, number: str, channel: str | None, uniqueid: str | None,
              started_at: str | None = None) -> tuple[int, str]:
    """File the beep's call and queue its call-back (number sealed for the dialler); (call id, outcome)."""
    pseudonym = line.pseudonym(number)
    policy = line.config.dialler
    with store.transaction():
        call_id = store.create_call(Source.BEEP, channel=channel, uniqueid=uniqueid, caller_pseudonym=pseudonym,
                                    started_at=started_at)
        store.end_call(call_id)
        if not pseudonym:
            return call_id, "no number to call back"
        _, outcome = store.request_callback(
            call_id, pseudonym, line.contacts.seal(number, pseudonym),
            delay_seconds=policy.callback_delay_seconds, keep_hours=policy.contact_keep_hours,
            per_caller_limit=policy.per_caller_limit, window_hours=policy.per_caller_window_hours)
    return call_id, str(outcome)


def import_missed_beeps(line: Line, store: Store) -> int:
    """Note every beep the failure path noted and the IVR has not; how many were noted now."""
    folder = line.config.spool_dir / SPOOL_BEEPS
    if not folder.is_dir():
        return 0
    noted = 0
    for path in sorted(folder.glob("*.meta")):
        try:
            noted += _import_one(line, store, path)
        except Exception:
            log.exception("could not note the beep in %s; it stays in the spool", path.name)
    return noted


def _import_one(line: Line, store: Store, path) -> bool:
    meta = parse_meta(path.read_text(errors="replace"))
    if "noted" not in meta and not abandoned(path):
        return False  # Asterisk is still writing it
    mark = f"{SPOOL_BEEPS}/{path.stem}"
    filed = False
    if not store.spool_imported(mark):
        with store.transaction():
            call_id, outcome = note_beep(store, line, meta.get("caller", ""), meta.get("channel") or None,
                                         path.stem, _moment(meta.get("started")))
            store.mark_spool_imported(mark, None)
        log.info("beep call %d (noted while the IVR was down): call-back %s", call_id, outcome)
        filed = True
    path.unlink(missing_ok=True)
    return filed


def _moment(epoch: str | None) -> str | None:
    try:
        return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc).isoformat(timespec="milliseconds")
    except (TypeError, ValueError):
        return None
