"""`sauti directory list|import|export|remove`: responders and focal points from the command line."""

from __future__ import annotations

from pathlib import Path

import click

from core import directory

from .context import Context, emit, out_option, pass_context, read_table_file


@click.group("directory")
def directory_group() -> None:
    """The directory: responders (called on escalation) and focal points (voice alerts).

    The same table the console's Directory page edits. CSV columns:
    kind,name,localities,language,order,channel,number (kind: responder or
    focal_point; localities: codes separated by spaces; channel: voice, sms or
    both, empty: voice). Numbers are sealed on entry and shown
    as their last two digits only; an export masks them (**42), and importing a
    masked or empty number keeps the entry's sealed one.
    """


@directory_group.command("list")
@click.option("--kind", type=click.Choice(directory.KINDS), default=None, help="Only this kind of entry.")
@pass_context
def directory_list(ctx: Context, kind: str | None) -> None:
    """Print every entry: kind, order, name, language, channel, masked number and localities."""
    with ctx.open_store() as store:
        entries = store.directory(kind)
    for e in entries:
        click.echo(f"{e.id:>4}  {e.kind:<11} {e.order:>2}  {e.name:<24} {e.language}  {e.channel:<5} "
                   f"{e.masked_number:<5} "
                   f"{' '.join(e.localities)}")
    click.echo(f"{len(entries)} entr{'y' if len(entries) == 1 else 'ies'}")


@directory_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_context
def directory_import(ctx: Context, file: Path) -> None:
    """Add or update entries from a CSV FILE; the whole file is refused if one row is wrong (audited)."""
    entries = read_table_file(file, directory.read_csv)
    seal = directory.NumberSeal.from_config(ctx.config)
    with ctx.open_store() as store:
        try:
            summary = store.import_directory(entries, seal.seal, actor="cli")
        except ValueError as exc:
            raise click.ClickException(f"{file}: {exc}") from None
    click.echo(f"{summary['added']} added, {summary['updated']} updated")


@directory_group.command("export")
@out_option("Write the CSV to this file instead of standard output.")
@pass_context
def directory_export(ctx: Context, out: Path | None) -> None:
    """Write the directory as CSV with masked numbers, ready to edit and import again."""
    with ctx.open_store() as store:
        text = directory.write_csv(store.directory())
    emit(text, out)


@directory_group.command("remove")
@click.argument("entry_id", type=int)
@pass_context
def directory_remove(ctx: Context, entry_id: int) -> None:
    """Remove the entry with this id (see `sauti directory list`), audited."""
    with ctx.open_store() as store:
        if not store.delete_directory_entry(entry_id, actor="cli"):
            raise click.ClickException(f"no directory entry has the id {entry_id}")
    click.echo(f"entry {entry_id} removed")


commands = [directory_group]
