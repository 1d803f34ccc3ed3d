"""A reference read back is a promise, even through a power cut.

A kill keeps the page cache, so no kill-based test can see whether a recording or a commit
is on stable storage. These tests trace the real IVR's system calls (`strace -f -y`) during
real calls through the real Asterisk and check their order: the recording, its directory
and the store's write-ahead log are fsynced before the line streams "your reference is".
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from core.dialplan import EXTEN_ALERT, EXTEN_COMPLAINTS
from core.store import Store
from tests.fixtures.ivr import IvrProcess
from tests.test_ivr_e2e import alert_script, newest_alerts, last_alert_id, speech

pytestmark = pytest.mark.asterisk

SYNCED = re.compile(r"^(\d+) +(?:f(?:data)?sync\((\d+)<(.+?)>\) += 0|<\.\.\. f(?:data)?sync resumed>.*= 0)")
UNFINISHED_SYNC = re.compile(r"^(\d+) +f(?:data)?sync\(\d+<(.+?)>.*<unfinished \.\.\.>")
SENT = re.compile(r"^\d+ +(?:sendto|write)\(\d+<(?:socket:\[\d+\]|TCP.*?)>, \"(.*?)\\n\"")


def syscalls(trace: Path) -> list[tuple[str, str]]:
    """The trace as ("synced", path) once an fsync/fdatasync of `path` returned 0, and
    ("sent", text) for each AGI command written to Asterisk's socket, in order."""
    events, waiting = [], {}
    for line in trace.read_text(errors="replace").splitlines():
        if match := UNFINISHED_SYNC.match(line):
            waiting[match.group(1)] = match.group(2)
        elif match := SYNCED.match(line):
            path = match.group(3) or waiting.pop(match.group(1), None)
            if path:
                events.append(("synced", path))
        elif match := SENT.match(line):
            events.append(("sent", match.group(1)))
    return events


def synced_before(events: list[tuple[str, str]], prompt: str) -> list[str]:
    """The paths synced before the first AGI command that names `prompt`."""
    for index, (kind, text) in enumerate(events):
        if kind == "sent" and text.startswith("STREAM FILE") and prompt in text:
            return [path for kind, path in events[:index] if kind == "synced"]
    raise AssertionError(f"no AGI command named {prompt}: {[t for k, t in events if k == 'sent'][-20:]}")


@pytest.fixture
def traced_ivr(asterisk, ivr_process, tmp_path):
    """The IVR under strace, in place of the session's (which the next test gets back)."""
    assert shutil.which("strace"), "strace is missing: scripts/bootstrap installs it"
    ivr_process.stop()
    trace = tmp_path / "ivr.strace"
    traced = IvrProcess(asterisk.config, prefix=("strace", "-f", "-y", "-s", "400", "-o", str(trace),
                                                 "-e", "trace=fsync,fdatasync,sendto,write"))
    traced.trace = trace
    traced.start()
    try:
        yield traced
    finally:
        traced.stop()


def after(paths: list[str], wanted: str) -> list[str]:
    """The paths synced after the last sync of `wanted` (the commit that follows the file)."""
    last = max(i for i, path in enumerate(paths) if path == wanted)
    return paths[last + 1:]


def test_an_alerts_recording_and_its_commit_are_on_disk_before_its_reference_is_read(asterisk, traced_ivr,
                                                                                      tmp_path):
    config = asterisk.config
    before = last_alert_id(config)
    offset = traced_ivr.trace.stat().st_size if traced_ivr.trace.exists() else 0
    result = asterisk.call(EXTEN_ALERT, "test-phone-1", alert_script("fr", speech(tmp_path, "fr", 4.0)), timeout=150)
    assert result.ok, (result.events, traced_ivr.log()[-3000:])
    (alert,) = newest_alerts(config, before)
    (recording,) = alert["recordings"]
    wav = str((config.data_dir / recording["path"]).resolve())
    trace = tmp_path / "call.strace"
    trace.write_bytes(traced_ivr.trace.read_bytes()[offset:])
    synced = synced_before(syscalls(trace), "reference_is")
    assert wav in synced, f"the recording fsynced before its reference: {synced}"
    assert str(Path(wav).parent) in synced, "its directory too (the new name)"
    wal = str(config.db_path.resolve()) + "-wal"
    assert wal in after(synced, wav), "the commit that files it (the WAL) synced after the file, before the reference"


def test_a_complaints_sealed_recording_and_its_commit_are_on_disk_before_its_reference_is_read(
        asterisk, traced_ivr, caller_wav, tmp_path):
    config = asterisk.config
    with Store.open(config.db_path) as store:
        complaints_before = len(store.complaints())
    offset = traced_ivr.trace.stat().st_size if traced_ivr.trace.exists() else 0
    script = f"wait 1; dtmf 3; wait silence; dtmf 1; wait beep; play {caller_wav}; dtmf #; listen 40; hangup"
    result = asterisk.call(EXTEN_COMPLAINTS, "test-phone-3", script, timeout=120)
    assert result.ok, (result.events, traced_ivr.log()[-3000:])
    with Store.open(config.db_path) as store:
        rows = store.complaints()
        assert len(rows) == complaints_before + 1
        sealed = str((config.data_dir / store.complaint(rows[0]["id"])["path"]).resolve())
    trace = tmp_path / "call.strace"
    trace.write_bytes(traced_ivr.trace.read_bytes()[offset:])
    synced = synced_before(syscalls(trace), "reference_is")
    assert sealed in synced, f"the sealed complaint fsynced before its reference: {synced}"
    assert str(Path(sealed).parent) in synced
    assert str(config.db_path.resolve()) + "-wal" in after(synced, sealed), "then the commit that files it"
