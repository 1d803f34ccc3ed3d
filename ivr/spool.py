"""Import what the dialplan's failure path recorded while the IVR was unreachable.

`agi_fail` writes `<spool>/failed/<UNIQUEID>.wav` and `<UNIQUEID>.meta`; `ended=`
is appended to the meta file when the call is over. Each is imported exactly
once: the recording moves to a path named after the UNIQUEID (so a crash between
steps repeats the same move), the alert and the import mark are written in one
transaction, and only then is the meta file, which holds the caller's number in
clear, deleted.

After a power cut (or Asterisk killed) the hang-up handler never appends `ended=`,
and a recording a flow had started is never filed. So a meta file whose call has
written nothing for `ABANDONED_SECONDS` counts as ended, and at the IVR's start every
recording under recordings/YYYY/MM/ that the database does not know is filed as a
partial failover alert. Asterisk writes a WAV's sizes only when it closes the file,
so such files get their header repaired first.
"""

from __future__ import annotations

import logging
import struct
import time
from pathlib import Path

from core.config import Config
from core.dialplan import END_DETECTOR_SUFFIX, SPOOL_FAILED
from core.identity import pseudonym
from core.model import FLAG_FAILOVER, FLAG_PARTIAL, FLAG_SILENT, Source
from core.store import Store

from . import audio

log = logging.getLogger(__name__)

# A call in the failure path writes its meta at once and its recording every 20 ms;
# the apology in between lasts seconds. Silence this long means nobody writes any more.
ABANDONED_SECONDS = 120


def parse_meta(text: str) -> dict[str, str]:
    meta = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            meta[key.strip()] = value.strip()
    return meta


def import_failed_calls(config: Config, store: Store, pseudonym_key: bytes) -> list[dict]:
    """Import every finished failure-path recording not imported yet; returns the alerts filed."""
    folder = config.spool_dir / SPOOL_FAILED
    if not folder.is_dir():
        return []
    filed = []
    for meta_path in sorted(folder.glob("*.meta")):
        try:
            alert_row = _import_one(config, store, pseudonym_key, meta_path)
        except Exception:
            log.exception("could not import %s; it stays in the spool", meta_path.name)
            continue
        if alert_row:
            filed.append(alert_row)
    return filed


def _import_one(config: Config, store: Store, key: bytes, meta_path: Path) -> dict | None:
    meta = parse_meta(meta_path.read_text(errors="replace"))
    spooled = meta_path.with_suffix(".wav")
    if "ended" not in meta and not abandoned(meta_path, spooled):
        return None  # the call is still going on
    name = meta_path.stem
    if store.spool_imported(name):
        # Handed over again (a crash before the meta file's deletion): the alert exists.
        meta_path.with_suffix(".wav").unlink(missing_ok=True)
        meta_path.with_name(name + END_DETECTOR_SUFFIX + ".wav").unlink(missing_ok=True)
        meta_path.unlink(missing_ok=True)
        return None
    target = config.recordings_dir / "failover" / f"{_safe(name)}.wav"
    target.parent.mkdir(parents=True, exist_ok=True)
    if spooled.exists():
        repair_wav_header(spooled)
        spooled.replace(target)
    alert_row = None
    with store.transaction():
        if target.exists() and target.stat().st_size > 44:
            samples, rate = audio.read_wav(target)
            flags = [FLAG_FAILOVER] + ([] if audio.has_speech(samples, rate) else [FLAG_SILENT])
            call_id = store.create_call(
                Source.RADIO if meta.get("source") == "radio" else Source.FAILOVER,
                channel=meta.get("channel"),
                uniqueid=name,
                station=meta.get("station") or None,
                caller_pseudonym=pseudonym(key, meta.get("caller", "")),
                started_at=None,
            )
            store.end_call(call_id)
            alert_row = store.file_alert(
                call_id, audio.facts(target, config.data_dir), language=meta.get("language") or None, flags=flags
            )
        store.mark_spool_imported(name, alert_row["id"] if alert_row else None)
    meta_path.unlink(missing_ok=True)
    # What the failure path's Record() wrote only to detect the end of the take (the caller's
    # words once more, in clear): left to the importer, since a dialplan cannot delete a file.
    meta_path.with_name(name + END_DETECTOR_SUFFIX + ".wav").unlink(missing_ok=True)
    if alert_row:
        log.info("imported failure-path recording %s as alert %s", name, alert_row["reference"])
    return alert_row


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in ".-_" else "_" for ch in name)


def abandoned(*paths: Path) -> bool:
    """Nothing among `paths` (missing ones ignored) was written for ABANDONED_SECONDS."""
    times = [p.stat().st_mtime for p in paths if p.exists()]
    return bool(times) and time.time() - max(times) > ABANDONED_SECONDS


def forget_left(folder: Path) -> int:
    """At IVR start: what a crash left in a folder of callers' words meant for one use (listening
    windows, SMS texts to speak), deleted unread; returns how many."""
    left = list(folder.glob("*")) if folder.is_dir() else []
    for path in left:
        path.unlink(missing_ok=True)
    return len(left)


def repair_wav_header(path: Path) -> None:
    """Make the RIFF and data sizes match the file, as Asterisk would have on closing it."""
    with open(path, "r+b") as wav:
        head = wav.read(12)
        if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            return
        size = path.stat().st_size
        offset = 12
        while offset + 8 <= size:
            wav.seek(offset)
            chunk, length = struct.unpack("<4sI", wav.read(8))
            if chunk == b"data":
                data_size = size - offset - 8
                if length != data_size:
                    wav.seek(offset + 4)
                    wav.write(struct.pack("<I", data_size - data_size % 2))
                    wav.seek(4)
                    wav.write(struct.pack("<I", size - 8))
                return
            offset += 8 + length + length % 2


def import_orphan_recordings(config: Config, store: Store, asterisk_started: float | None = None) -> list[dict]:
    """File every abandoned recording under recordings/YYYY/MM/ the database does not know.

    Abandoned: not written for ABANDONED_SECONDS, or last written before the running Asterisk
    started (`asterisk_started`, a timestamp), since no Asterisk can still be writing it: the
    call a stopped line cut, whose line starts again at once (`docker stop`, `docker start`).
    """
    known = {row["path"] for row in store.recording_paths()}
    filed = []
    for wav in sorted(config.recordings_dir.glob("[0-9][0-9][0-9][0-9]/[0-9][0-9]/*.wav")):
        if str(wav.relative_to(config.data_dir)) in known:
            continue
        if not abandoned(wav) and (asterisk_started is None or wav.stat().st_mtime >= asterisk_started):
            continue
        try:
            repair_wav_header(wav)
            samples, rate = audio.read_wav(wav)
            flags = [FLAG_FAILOVER, FLAG_PARTIAL] + ([] if audio.has_speech(samples, rate) else [FLAG_SILENT])
            with store.transaction():
                call_id = store.create_call(Source.FAILOVER, started_at=None)
                store.end_call(call_id)
                alert_row = store.file_alert(call_id, audio.facts(wav, config.data_dir), flags=flags)
        except Exception:
            log.exception("could not file the orphan recording %s", wav.name)
            continue
        log.info("filed orphan recording %s (its call ended without filing it) as alert %s",
                 wav.name, alert_row["reference"])
        filed.append(alert_row)
    return filed
