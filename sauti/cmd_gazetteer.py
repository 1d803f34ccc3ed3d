"""`sauti gazetteer list|import|export`: the localities callers key, from the command line."""

from __future__ import annotations

from pathlib import Path

import click

from core import gazetteer

from .context import Context, emit, out_option, pass_context, read_table_file


@click.group("gazetteer")
def gazetteer_group() -> None:
    """The gazetteer: localities callers key by number (list, import, export as CSV).

    The same table the console's Localities page edits. Columns:
    code,name,territory,province,latitude,longitude.
    """


@gazetteer_group.command("list")
@pass_context
def gazetteer_list(ctx: Context) -> None:
    """Print every locality: code, name, territory, province and position."""
    with ctx.open_store() as store:
        localities = store.localities()
    for loc in localities:
        where = f"{loc.latitude:.4f},{loc.longitude:.4f}" if loc.has_position else "-"
        click.echo(f"{loc.code:>6}  {loc.name:<20} {loc.territory or '-':<18} {loc.province or '-':<12} {where}")
    click.echo(f"{len(localities)} localit{'y' if len(localities) == 1 else 'ies'}")


@gazetteer_group.command("import")
@click.argument("file", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--replace", is_flag=True, help="Remove the localities the file does not name (alerts keep their codes).")
@pass_context
def gazetteer_import(ctx: Context, file: Path | None, replace: bool) -> None:
    """Add or update localities from a CSV FILE (default: the starter set for North Kivu and Ituri).

    Once the gazetteer holds a locality, the IVR accepts only codes it knows.
    The whole file is refused if one row is wrong; the import is audited.
    """
    localities = read_table_file(file or gazetteer.STARTER, gazetteer.read_csv)
    with ctx.open_store() as store:
        summary = store.import_localities(localities, actor="cli", replace=replace)
    click.echo(f"{summary['added']} added, {summary['updated']} updated, {summary['removed']} removed")


@gazetteer_group.command("export")
@out_option("Write the CSV to this file instead of standard output.")
@pass_context
def gazetteer_export(ctx: Context, out: Path | None) -> None:
    """Write the gazetteer as CSV, ready to edit and import again."""
    with ctx.open_store() as store:
        text = gazetteer.write_csv(store.localities())
    emit(text, out)


commands = [gazetteer_group]
