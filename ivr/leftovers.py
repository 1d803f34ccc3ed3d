"""A round over what calls could not finish (a take not sealed, an item not filed), retried
by the IVR at start and on each spool round until it works.

A fault that lasts (a missing key, a full disk) would fail every round: its error is
logged when it first appears, not every ten seconds.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Awaitable, Callable

from core.config import Config

from .line import Line

log = logging.getLogger(__name__)


class Leftovers:
    """`find(config)` lists what is left (run in a thread); `finish(line, path)` files one,
    returning its row (None: nothing to file) or raising, in which case it stays for later."""

    def __init__(self, line: Line, what: str, find: Callable[[Config], list[Path]],
                 finish: Callable[[Line, Path], Awaitable[dict | None]]):
        self.line, self.what, self.find, self.finish = line, what, find, finish
        self._errors: set[str] = set()

    async def run(self) -> list[dict]:
        filed, errors = [], set()
        for path in await asyncio.to_thread(self.find, self.line.config):
            try:
                row = await self.finish(self.line, path)
            except Exception as exc:
                errors.add(f"{type(exc).__name__}: {exc}")
                continue
            if row is not None:
                filed.append(row)
        for error in sorted(errors - self._errors):
            log.error("%s still cannot be filed (%s); kept and retried on each spool round", self.what, error)
        self._errors = errors
        if filed:
            log.warning("filed %d %s left over by a fault", len(filed), self.what)
        return filed
