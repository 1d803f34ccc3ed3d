"""Each language folder's manifest and the one way a prompt file is replaced.

`<lang>/manifest.json` says per id who made the file: its source (below), a hash of the
words it speaks, when and by whom. A file is replaced by renaming a finished temporary
file over it (a call hears the old prompt or the new one, never half), under the folder's
lock (`<lang>/.lock`): the IVR, the console and the CLI may all write, in other processes.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from ..durable import sync
from .catalogue import PromptError
from .layout import audio_path

HUMAN = "human"
SYNTHESISED = "synthesised"
PLACEHOLDER = "placeholder"
GENERATED = "generated"          # the beep
MISSING = "missing"
UNLISTED = "unlisted"            # a file with no manifest entry: treated like a human recording

MANIFEST = "manifest.json"


@contextlib.contextmanager
def staged(target: Path):
    """A temporary path beside `target` (same filesystem, so the rename is atomic); removed if unused."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=f".tmp{target.suffix}", dir=target.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
    finally:
        tmp.unlink(missing_ok=True)


@contextlib.contextmanager
def locked(lang_dir: Path):
    """One writer at a time per language folder (the IVR, the console and the CLI may all write)."""
    lang_dir.mkdir(parents=True, exist_ok=True)
    with open(lang_dir / ".lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def swap(prompts_dir: Path, lang: str, prompt_id: str, tmp: Path, entry: dict,
         backup: bool, is_locked: bool = False) -> Path | None:
    """Put `tmp` in place of the prompt and record `entry` in the manifest; with `backup`,
    the file it replaces moves to <lang>/backup/ with its manifest entry. Returns the backup."""
    lang_dir = Path(prompts_dir) / lang
    target = audio_path(prompts_dir, lang, prompt_id)
    with contextlib.nullcontext() if is_locked else locked(lang_dir):
        manifest = read_manifest(lang_dir)
        saved = None
        if backup and target.exists():
            stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
            saved = lang_dir / "backup" / f"{prompt_id}.{stamp}.wav"
            saved.parent.mkdir(exist_ok=True)
            try:
                os.link(target, saved)    # the old file stays in place until the rename
            except OSError:
                shutil.copy2(target, saved)
            _write_json(saved.with_suffix(".json"), manifest.get(prompt_id, {"source": UNLISTED}))
        sync(tmp)
        os.chmod(tmp, 0o644)              # Asterisk may run as another user
        os.replace(tmp, target)
        sync(target.parent)
        manifest[prompt_id] = {**entry, "at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
        _write_json(lang_dir / MANIFEST, manifest)
    return saved


def read_manifest(lang_dir: Path) -> dict:
    path = lang_dir / MANIFEST
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise PromptError(f"{path} is damaged ({exc}); fix or delete it") from None
    return data if isinstance(data, dict) else {}


def _write_json(path: Path, data: dict) -> None:
    with staged(path) as tmp:
        tmp.write_text(json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
        sync(tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
        sync(path.parent)
