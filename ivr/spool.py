"""Import what the dialplan's failure path recorded while the IVR was unreachable.

`agi_fail` writes `<spool>/failed/<UNIQUEID>.wav` and `<UNIQUEID>.meta`; `ended=`
is appended to the meta file when the call is over. Each is imported exactly
once: the recording moves to a path named after the UNIQUEID (so a crash between
steps repeats the same move), the alert and the import mark are written in one
transaction, and only then is the meta file, which holds the caller's number in
clear, deleted.
"""

from __future__ import annotations

import logging
from pathlib import Path

from core.config import Config
from core.dialplan import SPOOL_FAILED
from core.identity import pseudonym
from core.model import FLAG_FAILOVER, FLAG_SILENT, Source
from core.store import Store

from . import audio

log = logging.getLogger(__name__)


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
    if "ended" not in meta:
        return None  # the call is still going on
    name = meta_path.stem
    if store.spool_imported(name):
        meta_path.unlink(missing_ok=True)
        return None
    spooled = meta_path.with_suffix(".wav")
    target = config.recordings_dir / "failover" / f"{_safe(name)}.wav"
    target.parent.mkdir(parents=True, exist_ok=True)
    if spooled.exists():
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
    if alert_row:
        log.info("imported failure-path recording %s as alert %s", name, alert_row["reference"])
    return alert_row


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in ".-_" else "_" for ch in name)
