"""What flows need beyond the call itself: configuration, the store and paths.

The store is used from one dedicated thread, so SQLite waits never block the
event loop that serves every concurrent call.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from core import prompts, secrets
from core.contacts import ContactCipher
from core.config import Config
from core.identity import pseudonym
from core.store.thread import StoreThread
from smsgw import connections


@dataclass
class Line:
    config: Config
    db: StoreThread
    pseudonym_key: bytes = field(repr=False)
    catalogue: prompts.Catalogue = field(repr=False)
    contacts: ContactCipher = field(repr=False)  # seals a beeper's number for the dialler
    sms: bool = False   # the SMS gateway has a connection: callers may take acknowledgements by SMS

    @classmethod
    def open(cls, config: Config) -> "Line":
        return cls(config, StoreThread(config.db_path, "ivr-store", reference_digits=config.ivr.reference_digits),
                   secrets.pseudonym_key(config), prompts.load_catalogue(), ContactCipher.from_config(config),
                   sms=connections.configured(config))

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
