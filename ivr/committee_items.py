"""Committee items the store refused during their call, filed as the committee's once it accepts them.

When the store refuses an item (a full disk, a locked or damaged database) its
recording is already under recordings/. The committee flow tells the focal point
and notes, under the spool, what the alert needs: the call (which carries the
committee), the language, the locality, the flags and the recording's facts. The
IVR files each noted item at start, before the start's orphan import could file
the same recording as an unknown failover alert, and again on each spool round.
If even the note cannot be written, the orphan import still files the recording.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
from pathlib import Path

from core.config import Config
from core.store import RecordingFacts, Store

from .leftovers import Leftovers
from .line import Line

log = logging.getLogger(__name__)

ITEMS_DIR = "committee-items"  # under the spool: one JSON note per refused item


def items_dir(config: Config) -> Path:
    return config.spool_dir / ITEMS_DIR


def keep_item(config: Config, call_id: int, facts: RecordingFacts, language: str, locality: str,
              flags: list[str]) -> None:
    note = {"call_id": call_id, "language": language, "locality": locality, "flags": flags,
            "recording": dataclasses.asdict(facts)}
    try:
        folder = items_dir(config)
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        (folder / f"{Path(facts.path).stem}.json").write_text(json.dumps(note))
    except OSError:
        log.exception("could not note a refused committee item; the IVR's next start files %s as a failover alert",
                      Path(facts.path).name)


def kept_items(line: Line) -> Leftovers:
    return Leftovers(line, "committee item(s)", noted_items, file_noted)


def noted_items(config: Config) -> list[Path]:
    folder = items_dir(config)
    return sorted(folder.glob("*.json")) if folder.is_dir() else []


async def file_noted(line: Line, note: Path) -> dict | None:
    content = json.loads(await asyncio.to_thread(note.read_text))
    row = await line.db(lambda s: _file(s, content))
    note.unlink()
    return row


def _file(store: Store, note: dict) -> dict | None:
    facts = RecordingFacts(**note["recording"])
    if any(known["path"] == facts.path for known in store.recording_paths()):
        return None  # filed already (the orphan import, or a round that failed after filing)
    return store.file_alert(note["call_id"], facts, language=note["language"], locality=note["locality"],
                            flags=note["flags"])
