"""What the dialler's rounds for the directory's people share: opening a sealed number, running calls as tasks."""

from __future__ import annotations

import asyncio
import logging

from core.config import Config
from core.contacts import ContactError
from core.directory import NumberSeal
from core.store.thread import StoreThread

from .ami import AmiClient
from .callbacks import channel_for, start_call

log = logging.getLogger(__name__)


class DirectoryCalls:
    """A round of calls to responders or focal points; subclasses define `tick` and `place(due)`."""

    def __init__(self, config: Config, db: StoreThread, ami: AmiClient, seal: NumberSeal):
        self.config = config
        self.db = db
        self.ami = ami
        self.seal = seal
        self.calls: set[asyncio.Task] = set()

    def start(self, due: dict, name: str) -> None:
        start_call(self.calls, self.place(due), name)

    def channel_of(self, due: dict) -> str | None:
        """The channel for the entry's number (opened here, never logged); None when there is no route."""
        if not due["sealed"]:
            return None
        try:
            return channel_for(self.seal.open(*due["sealed"]), self.config)
        except ContactError:
            log.warning("%s %d: the number does not open with this installation's key", type(self).__name__,
                        due["id"])
            return None

    async def place(self, due: dict) -> None:
        raise NotImplementedError

    async def stop(self) -> None:
        for task in list(self.calls):
            task.cancel()
        await asyncio.gather(*self.calls, return_exceptions=True)
