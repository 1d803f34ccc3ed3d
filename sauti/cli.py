"""The `sauti` command: wires configuration into each service and starts them."""

from __future__ import annotations

import importlib
from pathlib import Path

import click

from core.store.migrations import SchemaError

from .context import Context, default_data_dir

# Command modules, each exporting `commands`: a list of click commands or groups.
COMMAND_MODULES = [
    "sauti.cmd_setup",      # init, up
    "sauti.cmd_status",     # status
    "sauti.cmd_install",    # install-service, tls-proxy
    "sauti.cmd_trunk",      # trunk operator|gsm|radio|sms-smpp|sms-modem|list|show|remove
    "sauti.cmd_asterisk",   # asterisk install|start|stop|status|cli, call
    "sauti.cmd_sms",        # sms start|stop|status|receive
    "sauti.cmd_prompts",    # prompts build|status|...
    "sauti.cmd_ivr",        # ivr
    "sauti.cmd_asr",        # worker, models, transcribe
    "sauti.cmd_web",        # web, user
    "sauti.cmd_dialler",    # dialler
    "sauti.cmd_phone",      # phone (answers the line's calls)
    "sauti.cmd_data",       # purge, backup, restore
    "sauti.cmd_logs",       # logs
    "sauti.cmd_alerts",     # alerts list
    "sauti.cmd_gazetteer",  # gazetteer list|import|export
    "sauti.cmd_directory",  # directory list|import|export|remove
    "sauti.cmd_responses",  # responses report|stuck
    "sauti.cmd_committees", # committees list|add|set-pin|move|remove
    "sauti.cmd_duty",       # duty list|set|number
    "sauti.cmd_surveys",    # surveys list|show|add|question|start|stop|results|call|runs|cancel
    "sauti.cmd_incidents",  # incidents suggest|list|gaps
    "sauti.cmd_export",     # export cap|hxl|geojson|token|corpus
]


class Sauti(click.Group):
    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except SchemaError as exc:
            # Every command, services first: none runs on a schema it does not know.
            raise click.ClickException(str(exc)) from None


@click.group(cls=Sauti, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--data",
    "data_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Data directory (database, recordings, config, secrets). Default: $SAUTI_DATA or ./data",
)
@click.pass_context
def main(ctx: click.Context, data_dir: Path | None) -> None:
    """Sauti: a voice early-warning line for community alert networks.

    Callers leave spoken alerts by phone or HF radio relay; Asterisk records them,
    Vosk transcribes them, and verifiers triage them in the web console.

    Start with `sauti init`, then `sauti up`.
    """
    ctx.obj = Context((data_dir or default_data_dir()).absolute())


def _register() -> None:
    for name in COMMAND_MODULES:
        module = importlib.import_module(name)
        for command in module.commands:
            main.add_command(command)


_register()
