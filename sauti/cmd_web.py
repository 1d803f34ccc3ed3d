"""`sauti web` serves the verification console; `sauti user ...` manages its accounts."""

from __future__ import annotations

import logging
import signal

import click

from core import logs
from core.accounts import MIN_PASSWORD, ROLES, SERVICE_ACTORS, password_long_enough
from core.identity import hash_password

from .context import Context, pass_context

log = logging.getLogger("sauti.web")


@click.command()
@click.option("--bind", default=None, help="Address to listen on. Default: [web] bind in config.toml.")
@click.option("--port", type=int, default=None, help="Port to listen on. Default: [web] port in config.toml.")
@click.option("--threads", type=int, default=8, show_default=True, help="Worker threads serving requests.")
@pass_context
def web(ctx: Context, bind: str | None, port: int | None, threads: int) -> None:
    """Serve the verification console (waitress WSGI server) until SIGTERM or Ctrl+C."""
    from waitress import create_server

    from web import create_app

    config = ctx.config
    logs.setup(config, "web")
    app = create_app(config)
    host, port = bind or config.web.bind, port or config.web.port
    try:
        server = create_server(app, host=host, port=port, threads=threads, ident="sauti")
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror}") from None

    def stop(signum, frame):
        raise SystemExit(0)  # waitress's loop catches it and shuts its workers down

    signal.signal(signal.SIGTERM, stop)
    log.info("console listening on http://%s:%s/", host, port)
    try:
        server.run()
    finally:
        server.close()
    log.info("console stopped")


@click.group()
def user() -> None:
    """Console accounts: add, passwd, list, disable, enable, complaints, areas, phone-pin."""


def _prompt_password() -> str:
    while True:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        if password_long_enough(password):
            return password
        click.echo(f"The password needs at least {MIN_PASSWORD} characters.", err=True)


@user.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), required=True, help="What the account may do: " + ", ".join(ROLES) + ".")
@pass_context
def user_add(ctx: Context, name: str, role: str) -> None:
    """Create account NAME; the password is prompted for twice and stored as a scrypt hash."""
    if name in SERVICE_ACTORS:
        raise click.ClickException(f"{name!r} is how the audit log names a part of the line: choose another name")
    with ctx.open_store() as store:
        if store.get_user(name) is not None:
            raise click.ClickException(f"account {name!r} already exists")
        store.add_user(name, hash_password(_prompt_password()), role, actor="cli")
    click.echo(f"created {role} {name!r}")


@user.command("passwd")
@click.argument("name")
@pass_context
def user_passwd(ctx: Context, name: str) -> None:
    """Set a new password for NAME; its open console sessions end."""
    with ctx.open_store() as store:
        if store.get_user(name) is None:
            raise click.ClickException(f"no account {name!r}")
        store.update_user(name, "cli", password_hash=hash_password(_prompt_password()))
    click.echo(f"password changed for {name!r}")


@user.command("list")
@pass_context
def user_list(ctx: Context) -> None:
    """List accounts with their role and whether they are disabled."""
    with ctx.open_store() as store:
        for row in store.list_users():
            state = "disabled" if row["disabled"] else "active"
            extra = "\tcomplaints" if row["complaints"] else ""
            click.echo(f"{row['username']}\t{row['role']}\t{state}{extra}")


def _set_disabled(ctx: Context, name: str, disabled: bool) -> None:
    with ctx.open_store() as store:
        if store.get_user(name) is None:
            raise click.ClickException(f"no account {name!r}")
        store.update_user(name, "cli", disabled=int(disabled))


@user.command("disable")
@click.argument("name")
@pass_context
def user_disable(ctx: Context, name: str) -> None:
    """Disable account NAME: it can no longer log in, and its open sessions end."""
    _set_disabled(ctx, name, True)
    click.echo(f"disabled {name!r}")


@user.command("enable")
@click.argument("name")
@pass_context
def user_enable(ctx: Context, name: str) -> None:
    """Enable account NAME again."""
    _set_disabled(ctx, name, False)
    click.echo(f"enabled {name!r}")


@user.command("complaints")
@click.argument("name")
@click.option("--withdraw", is_flag=True, help="Take the role away instead of granting it.")
@pass_context
def user_complaints(ctx: Context, name: str, withdraw: bool) -> None:
    """Grant account NAME the complaints role (reads confidential complaints), whatever its rank.

    An admin without this role manages accounts but cannot read complaints.
    """
    with ctx.open_store() as store:
        try:
            store.set_complaints_role(name, not withdraw, "cli")
        except KeyError:
            raise click.ClickException(f"no account {name!r}") from None
    click.echo(f"{'withdrew' if withdraw else 'granted'} the complaints role {'from' if withdraw else 'to'} {name!r}")


@user.command("areas")
@click.argument("name")
@click.argument("areas", nargs=-1)
@click.option("--clear", is_flag=True, help="Remove every area: the account's queue shows all localities.")
@pass_context
def user_areas(ctx: Context, name: str, areas: tuple[str, ...], clear: bool) -> None:
    """Show, or set, the areas account NAME covers: gazetteer codes or territories (AREAS).

    Its queue starts on them ("my areas"), and its verifier line offers only them; an alert
    with no locality is everyone's. Given AREAS replace the account's areas.
    """
    with ctx.open_store() as store:
        if store.get_user(name) is None:
            raise click.ClickException(f"no account {name!r}")
        if areas or clear:
            if areas and clear:
                raise click.ClickException("give AREAS or --clear, not both")
            found, unknown = store.find_areas(list(areas))
            if unknown:
                raise click.ClickException(f"not a locality code nor a territory of the gazetteer: {', '.join(unknown)}")
            store.set_user_areas(name, found, "cli")
        for row in store.user_areas(name):
            click.echo(f"{row['kind']}\t{row['area']}" + (f"\t{row['name']}" if row["name"] else ""))


@user.command("phone-pin")
@click.argument("name")
@click.option("--clear", is_flag=True, help="Take the PIN away: the account can no longer use the verifier line.")
@pass_context
def user_phone_pin(ctx: Context, name: str, clear: bool) -> None:
    """Set the PIN account NAME keys on the verifier line (extension 520), prompted for twice.

    6 to 8 digits, unique, stored as an HMAC like committee PINs.
    """
    import sqlite3

    from core.committees import VERIFIER_PINS, PinHasher, valid_pin

    with ctx.open_store() as store:
        if store.get_user(name) is None:
            raise click.ClickException(f"no account {name!r}")
        if clear:
            store.set_phone_pin(name, None, "cli")
            click.echo(f"removed the phone PIN of {name!r}")
            return
        pin = click.prompt("PIN (6 to 8 digits)", hide_input=True, confirmation_prompt=True).strip()
        if not valid_pin(pin):
            raise click.ClickException("a PIN is 6 to 8 digits")
        try:
            store.set_phone_pin(name, PinHasher.from_config(ctx.config, VERIFIER_PINS).hash(pin), "cli")
        except sqlite3.IntegrityError:
            raise click.ClickException("another account has this PIN; choose another") from None
    click.echo(f"phone PIN set for {name!r}")


commands = [web, user]
