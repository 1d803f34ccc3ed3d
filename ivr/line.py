"""What flows need beyond the call itself: configuration, the store and paths.

The store is used from one dedicated thread, so SQLite waits never block the
event loop that serves every concurrent call.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, TypeVar

from core import prompts, secrets
from core.config import Config
from core.identity import pseudonym
from core.store import Store

T = TypeVar("T")


class StoreThread:
    """Runs store calls on one thread that owns the connection."""

    def __init__(self, db_path: Path):
        self._executor = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="ivr-store")
        self._store: Store = self._executor.submit(Store.open, db_path).result()

    async def __call__(self, work: Callable[[Store], T]) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, work, self._store)

    def run(self, work: Callable[[Store], T]) -> T:
        """The same from synchronous code (start-up, tests)."""
        return self._executor.submit(work, self._store).result()

    def close(self) -> None:
        self._executor.submit(self._store.close).result()
        self._executor.shutdown()


@dataclass
class Line:
    config: Config
    db: StoreThread
    pseudonym_key: bytes = field(repr=False)
    catalogue: prompts.Catalogue = field(repr=False)

    @classmethod
    def open(cls, config: Config) -> "Line":
        return cls(config, StoreThread(config.db_path), secrets.pseudonym_key(config), prompts.load_catalogue())

    def close(self) -> None:
        self.db.close()

    def pseudonym(self, number: str) -> str | None:
        return pseudonym(self.pseudonym_key, number)

    def prompt(self, prompt_id: str, language: str) -> str:
        """A prompt's path as Asterisk wants it: absolute, without extension."""
        return prompts.playback_path(self.config.prompts_dir, language, prompt_id)

    def new_recording(self, folder: Path | None = None) -> Path:
        """A fresh path (without extension) no caller can choose or collide with."""
        now = dt.datetime.now(dt.timezone.utc)
        folder = folder or self.config.recordings_dir / f"{now:%Y}" / f"{now:%m}"
        folder.mkdir(parents=True, exist_ok=True)
        return folder / f"{now:%Y%m%dT%H%M%S}-{uuid.uuid4().hex}"
