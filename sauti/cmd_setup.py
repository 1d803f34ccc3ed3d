"""`sauti init` and `sauti up`."""

from __future__ import annotations

import os

import click

from core import config as config_module
from core import secrets
from core.identity import hash_password, new_password

from .context import Context, pass_context


@click.command()
@click.option("--force", is_flag=True, help="Rewrite config.toml with defaults. Secrets and data are never replaced.")
@click.option("--admin", "admin_name", default="admin", show_default=True, help="Name of the first admin account.")
@pass_context
def init(ctx: Context, force: bool, admin_name: str) -> None:
    """Create the data directory: config, secrets, database and a first admin account.

    The admin password is printed once; note it down. Running init again on an
    existing data directory changes nothing and exits non-zero, unless --force,
    which rewrites only config.toml.
    """
    data_dir = ctx.data_dir
    config_path = data_dir / config_module.CONFIG_NAME
    existed = config_path.exists()
    if existed and not force:
        raise click.ClickException(
            f"{data_dir} is already initialised; nothing changed (use --force to rewrite config.toml only)"
        )
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        probe = data_dir / ".write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise click.ClickException(f"data directory {data_dir} is not writable: {exc.strerror}") from None
    config_path.write_text(config_module.default_toml())
    click.echo(f"{'rewrote' if existed else 'wrote'} {config_path}")
    config = config_module.load(data_dir)
    for sub in (config.recordings_dir, config.spool_dir):
        sub.mkdir(parents=True, exist_ok=True)
    os.chmod(data_dir, 0o750)
    for name in secrets.ensure_all(config):
        click.echo(f"created secret {config.secrets_dir / name} (mode 0600)")
    with ctx.open_store() as store:
        if store.get_user(admin_name) is None:
            password = new_password()
            store.add_user(admin_name, hash_password(password), "admin", actor="init")
            click.echo(f"created console account {admin_name!r} with password: {password}")
            click.echo("  (shown once; change it in the console or with `sauti user passwd`)")
    click.echo(f"ready: run `sauti --data {data_dir} up` to start the line")


commands = [init]
