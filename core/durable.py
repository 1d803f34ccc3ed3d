"""Files on stable storage before the line promises anything about them.

Power cuts are daily where the line runs. A file is only in the page cache until it is
fsynced, and a new name only in its directory's cache until the directory is: a caller
told their reference must not lose the recording behind it a few seconds later. The
store's transactions are made durable by SQLite itself (`PRAGMA synchronous = FULL`,
core/store/__init__.py); the files the store names are made durable here first.
"""

from __future__ import annotations

import os
from pathlib import Path


def make_durable(path: Path, root: Path) -> None:
    """fsync `path`, then each directory from its own up to `root` (inclusive), so the file,
    its name and any folder made for it (a new month's) survive a power cut."""
    sync(path)
    folder = path.parent
    root = root.resolve()
    while True:
        sync(folder)
        if folder.resolve() == root or folder.parent == folder:
            return
        folder = folder.parent


def sync(path: Path) -> None:
    """fsync a file, or a folder once a file was removed from it or renamed into or out of it."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
