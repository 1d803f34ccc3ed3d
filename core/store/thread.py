"""A store on a thread of its own, for asyncio services (the IVR, the dialler).

SQLite waits then never block the event loop that serves every call.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from pathlib import Path
from typing import Callable, TypeVar

from . import Store

T = TypeVar("T")


class StoreThread:
    """Runs store calls on one thread that owns the connection."""

    def __init__(self, db_path: Path, name: str = "store", **open_options):
        self._executor = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self._store: Store = self._executor.submit(Store.open, db_path, **open_options).result()

    async def __call__(self, work: Callable[[Store], T]) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, work, self._store)

    def run(self, work: Callable[[Store], T]) -> T:
        """The same from synchronous code (start-up, tests)."""
        return self._executor.submit(work, self._store).result()

    def close(self) -> None:
        self._executor.submit(self._store.close).result()
        self._executor.shutdown()
