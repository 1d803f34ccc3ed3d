"""What every CLI command shares: the data directory and the configuration read once."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import click

from core import config as config_module
from core.csv_tables import RowError
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
        return Store.open(db_path, reference_digits=self.config.ivr.reference_digits)


pass_context = click.make_pass_decorator(Context)


def out_option(help: str = "Write to this file instead of standard output."):
    """--out FILE for a command whose result goes to standard output by default (see `emit`)."""
    return click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None, help=help)


def emit(data: str | bytes, out: Path | None) -> None:
    """Write a command's result (text or bytes) to --out, or else to standard output as it is."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    if out:
        out.write_bytes(data)
    else:
        click.echo(data.decode("utf-8"), nl=False)


def read_table_file(path: Path, parse):
    """`parse` (a core read_csv) of a CSV file people edited; a refusal names the file and the row."""
    try:
        return parse(path.read_text(encoding="utf-8"))
    except (RowError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"{path}: {exc}") from None


def known(row, what: str, row_id: int, listing: str):
    """`row` as found by its id, or the command stops saying where the ids are listed."""
    if row is None:
        raise click.ClickException(f"no {what} has the id {row_id} (see `{listing}`)")
    return row


def default_data_dir() -> Path:
    return Path(os.environ.get("SAUTI_DATA", "data"))
