"""What every CLI command shares: the data directory and the configuration read once."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import click

from core import config as config_module
from core.store import Store


@dataclass
class Context:
    data_dir: Path
    _config: config_module.Config | None = field(default=None, repr=False)

    @property
    def config(self) -> config_module.Config:
        if self._config is None:
            try:
                self._config = config_module.load(self.data_dir)
            except config_module.ConfigError as exc:
                raise click.ClickException(str(exc)) from None
        return self._config

    def open_store(self) -> Store:
        db_path = self.config.db_path
        if not os.access(db_path.parent, os.W_OK):
            raise click.ClickException(f"data directory {db_path.parent} is not writable")
        return Store.open(db_path)


pass_context = click.make_pass_decorator(Context)


def default_data_dir() -> Path:
    return Path(os.environ.get("SAUTI_DATA", "data"))
