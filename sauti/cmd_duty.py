"""`sauti duty list|set|number`: the verifiers on duty, as the console's On duty page."""

from __future__ import annotations

import click

from core.directory import DirectoryError, NumberSeal, normalise_number

from .context import Context, pass_context


@click.group("duty")
def duty_group() -> None:
    """Who the dialler calls for an urgent alert of an area ([verifiers] duty_priority), in turn."""


@duty_group.command("list")
@pass_context
def duty_list(ctx: Context) -> None:
    """Each area's rota in call order, with the last digits of each account's duty number."""
    with ctx.open_store() as store:
        for rota in store.duty_rotas():
            accounts = ", ".join(f"{a['username']} ({'**' + a['tail'] if a['tail'] else 'no number'})"
                                 for a in rota["accounts"])
            click.echo(f"{rota['kind']}\t{rota['area']}\t{accounts}")


@duty_group.command("set")
@click.argument("area")
@click.argument("names", nargs=-1)
@pass_context
def duty_set(ctx: Context, area: str, names: tuple[str, ...]) -> None:
    """The rota of AREA (a gazetteer code or a territory): account NAMES in call order; none ends it."""
    with ctx.open_store() as store:
        found = store.find_area(area)
        if found is None:
            raise click.ClickException(f"{area!r} is neither a locality code nor a territory of the gazetteer")
        unknown = [name for name in names if store.get_user(name) is None]
        if unknown:
            raise click.ClickException(f"no account {', '.join(unknown)}")
        store.set_duty_rota(*found, list(dict.fromkeys(names)), "cli")
    click.echo(f"rota of {found[1]}: {', '.join(names) or 'none'}")


@duty_group.command("number")
@click.argument("name")
@click.option("--clear", is_flag=True, help="Take the number away: the account is no longer called.")
@pass_context
def duty_number(ctx: Context, name: str, clear: bool) -> None:
    """Set the number the dialler calls account NAME on (prompted for; sealed, never printed)."""
    with ctx.open_store() as store:
        if store.get_user(name) is None:
            raise click.ClickException(f"no account {name!r}")
        number = None
        if not clear:
            try:
                number = normalise_number(click.prompt("Number", hide_input=True))
            except DirectoryError as exc:
                raise click.ClickException(str(exc)) from None
        store.set_duty_number(name, number, NumberSeal.from_config(ctx.config).seal, number[-2:] if number else None,
                              "cli")
    click.echo(f"duty number of {name!r} {'removed' if clear else 'set'}")


commands = [duty_group]
