"""`sauti purge`, `sauti backup DIR` and `sauti restore DIR`: the data's life after a call."""

from __future__ import annotations

from pathlib import Path

import click

from core import backup as backup_module
from core import retention

from .context import Context, pass_context


@click.command()
@click.option("--days", type=int, default=None,
              help="Purge alerts closed more than this many days ago. Default: [retention] days.")
@click.option("--dry-run", is_flag=True, help="Only count what would be purged.")
@pass_context
def purge(ctx: Context, days: int | None, dry_run: bool) -> None:
    """Delete closed alerts' recordings and transcripts once their retention time is up.

    Closed means verified, false, duplicate or escalated, and unchanged for
    [retention] days (90 by default; 0 keeps everything). The alert itself
    stays, with its reference, status, tags and history; its audio, every
    transcript and the caller's pseudonym go. The audit log records the alert
    ids and counts, never any content. `sauti up` runs this once a day.
    Confidential complaints keep their own period, [complaints] retention_days
    (365 by default), counted from their last change, whatever --days says.
    """
    config = ctx.config
    days = config.retention.days if days is None else days
    with ctx.open_store() as store:
        if dry_run:
            ids = store.purgeable_alerts(retention.cutoff(days), limit=1_000_000) if days > 0 else []
            click.echo(f"would purge {len(ids)} alert(s) closed more than {days} day(s) ago")
            return
        summary = retention.purge(config, store, days=days, actor="cli")
    if days <= 0:
        click.echo("[retention] days is 0: no alert is ever purged")
    click.echo(f"purged {len(summary['alerts'])} alert(s): {summary['recordings']} recording(s),"
               f" {summary['transcripts']} transcript(s); {len(summary['complaints'])} complaint recording(s)"
               " past [complaints] retention_days")


@click.command()
@click.argument("dest", type=click.Path(file_okay=False, path_type=Path))
@pass_context
def backup(ctx: Context, dest: Path) -> None:
    """Copy the database and recordings into DEST (new or empty) while the line runs.

    The database is copied with SQLite's online backup (a consistent snapshot,
    no writer waits), then exactly the recordings it names, each checked
    against its checksum, then config, secrets, prompts and the spool.
    The backup holds the installation's secrets: keep it locked away.
    """
    try:
        summary = backup_module.backup(ctx.data_dir, dest)
    except backup_module.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"backed up {summary.alerts} alert(s), {summary.recordings} recording(s)"
               f" ({summary.bytes / 1e6:.1f} MB) into {dest}")
    if summary.missing:
        click.echo(f"warning: recording(s) {summary.missing} were gone or changed while copying"
                   " (purged during the backup?)", err=True)


@click.command()
@click.argument("source", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite a data directory that already holds data (the line must be stopped).")
@pass_context
def restore(ctx: Context, source: Path, force: bool) -> None:
    """Bring a backup made by `sauti backup` back into the data directory.

    The data directory must be new or empty; --force overwrites an existing
    one, but never while its Asterisk runs. Every recording is checked against
    its checksum after the copy.
    """
    if force and (ctx.data_dir / "config.toml").exists():
        import pbx

        if pbx.status(ctx.config).running:
            raise click.ClickException(f"the line for {ctx.data_dir} is running: stop it before restoring over it")
    try:
        summary = backup_module.restore(source, ctx.data_dir, force=force)
    except backup_module.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"restored {summary.alerts} alert(s), {summary.recordings} recording(s) into {ctx.data_dir}")


commands = [purge, backup, restore]
