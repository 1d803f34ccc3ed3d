"""`sauti committees list|add|set-pin|remove`: Local Protection Committees from the command line.

The same rows the console's Committees page keeps. A PIN is typed twice at a hidden
prompt (or read from standard input), stored as an HMAC only, and never printed.
"""

from __future__ import annotations

import datetime as dt
import sqlite3

import click

from core import clock, names
from core.committees import (LOCALITY_MAX, PinHasher, outside_gazetteer, pin_limits, valid_locality, valid_name,
                             valid_pin)

from .context import Context, known, pass_context


@click.group("committees")
def committees_group() -> None:
    """Local Protection Committees: a name, a locality and a PIN their focal point keys on extension 700.

    A new PIN is 6 to 8 digits (4- and 5-digit PINs set before keep working), one per
    committee, kept only as a keyed hash. Every change
    is audited with `cli` as the actor; the audit says a PIN changed, never what it is.
    """


def _pin(ctx: Context) -> str:
    pin = click.prompt("PIN (6 to 8 digits)", hide_input=True, confirmation_prompt=True).strip()
    if not valid_pin(pin):
        raise click.ClickException("a new PIN is 6 to 8 digits")
    return PinHasher.from_config(ctx.config).hash(pin)


def _known_locality(store, locality: str) -> None:
    if outside_gazetteer(store, locality):
        raise click.ClickException(f"{locality} is not in the gazetteer (see `sauti gazetteer list`)")


def _save(ctx: Context, name: str, locality: str, pin_hash: str | None) -> int:
    with ctx.open_store() as store:
        try:
            return store.save_committee(name, locality, pin_hash, actor="cli")
        except sqlite3.IntegrityError:
            raise click.ClickException("another committee has this PIN; choose another") from None


@committees_group.command("list")
@pass_context
def committees_list(ctx: Context) -> None:
    """Print every committee: id, locality, name and how many reports it sent (never the PIN)."""
    with ctx.open_store() as store:
        found = store.committees()
    for c in found:
        click.echo(f"{c['id']:>4}  {c['locality']:<8} {c['name']:<32} {c['reports']} report(s)")
    click.echo(f"{len(found)} committee{'' if len(found) == 1 else 's'}")
    click.echo(_line_state(ctx))


def _line_state(ctx: Context) -> str:
    now, minutes = dt.datetime.now(dt.timezone.utc), pin_limits(ctx.config).line_window_minutes
    with ctx.open_store() as store:
        wrong, lock = store.committee_wrong_pins(now, minutes), store.committee_line_lock(now)
    said = f"{wrong} wrong PIN(s) in the last {minutes} minutes"
    if lock is None:
        return f"{said}; the committee line takes PINs"
    until = clock.display_full(lock["locked_until"], ctx.config.site.timezone)
    return f"{said}; the committee line is LOCKED until {until} (`sauti committees unlock`)"


@committees_group.command("unlock")
@pass_context
def committees_unlock(ctx: Context) -> None:
    """Let extension 700 take PINs again before the lock that too many wrong PINs set expires (audited)."""
    with ctx.open_store() as store:
        unlocked = store.unlock_committee_line("cli", dt.datetime.now(dt.timezone.utc))
    click.echo("the committee line takes PINs again" if unlocked else "the committee line was not locked")


@committees_group.command("add")
@click.argument("name")
@click.argument("locality")
@pass_context
def committees_add(ctx: Context, name: str, locality: str) -> None:
    """Add the committee NAME of LOCALITY (a gazetteer code); asks for its PIN twice, hidden."""
    name, locality = " ".join(name.split()), locality.strip()
    if not valid_name(name) or not valid_locality(locality):
        raise click.ClickException("a name is 2 to 80 letters, digits, spaces or .,'()- and a locality is 1 to "
                                   f"{LOCALITY_MAX} characters, none of them a control character")
    with ctx.open_store() as store:
        same = names.taken((c["name"] for c in store.committees()), name)
        if same:
            raise click.ClickException(f"a committee is already named {same!r}")
        _known_locality(store, locality)   # before the PIN is typed
    committee_id = _save(ctx, name, locality, _pin(ctx))
    click.echo(f"committee {committee_id} added: {name} ({locality})")


def _committee(ctx: Context, committee_id: int) -> dict:
    with ctx.open_store() as store:
        return known(store.committee(committee_id), "committee", committee_id, "sauti committees list")


@committees_group.command("set-pin")
@click.argument("committee_id", type=int)
@pass_context
def committees_set_pin(ctx: Context, committee_id: int) -> None:
    """Give the committee with this id a new PIN (asked twice, hidden); the old one stops working."""
    found = _committee(ctx, committee_id)
    _save(ctx, found["name"], found["locality"], _pin(ctx))
    click.echo(f"committee {committee_id}: PIN changed")


@committees_group.command("move")
@click.argument("committee_id", type=int)
@click.argument("locality")
@pass_context
def committees_move(ctx: Context, committee_id: int, locality: str) -> None:
    """Set the locality of the committee with this id (its earlier reports keep theirs)."""
    found = _committee(ctx, committee_id)
    if not valid_locality(locality.strip()):
        raise click.ClickException(f"a locality is 1 to {LOCALITY_MAX} characters, none of them a control character")
    with ctx.open_store() as store:
        _known_locality(store, locality.strip())
    _save(ctx, found["name"], locality.strip(), None)
    click.echo(f"committee {committee_id}: now {locality.strip()}")


@committees_group.command("remove")
@click.argument("committee_id", type=int)
@pass_context
def committees_remove(ctx: Context, committee_id: int) -> None:
    """Remove the committee with this id; one that sent reports stays, so they keep their source."""
    _committee(ctx, committee_id)
    with ctx.open_store() as store:
        if not store.delete_committee(committee_id, actor="cli"):
            raise click.ClickException(f"committee {committee_id} has reports: it stays, so they keep their source")
    click.echo(f"committee {committee_id} removed")


commands = [committees_group]
