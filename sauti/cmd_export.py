"""`sauti export cap|hxl|geojson|token`: verified and escalated alerts for other systems."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from core import api_tokens, clock, corpus, exports
from core.model import ALERT_LANGUAGES
from core.exports import cap, tables

from .context import Context, emit, out_option, pass_context

SINCE_HELP = "Alerts received on or after this day (YYYY-MM-DD, in [site] timezone). Default: all."
RECORDINGS_HELP = "Name each alert's recordings (path, size) in the export: for admins who decided to share them."


@click.group("export")
def export_group() -> None:
    """Export verified and escalated alerts: CAP 1.2, HXL CSV, GeoJSON (and the speech corpus).

    No export holds a caller's number or pseudonym; recordings only with
    --include-recordings. Phone-number-like digit runs in transcripts are blanked.
    """


def _since(ctx: Context, day: str | None) -> str | None:
    if not day:
        return None
    try:
        dt.date.fromisoformat(day)
        return clock.day_start_utc(day, ctx.config.site.timezone)
    except ValueError:
        raise click.BadParameter(f"{day!r} is not a date (YYYY-MM-DD)", param_hint="--since") from None


def _records(ctx: Context, since: str | None, include_recordings: bool, kind: str) -> list:
    with ctx.open_store() as store:
        records = exports.collect(store, _since(ctx, since), include_recordings)
        if include_recordings:
            with store.transaction():
                store.audit("cli", "export", "exports", None, None,
                            {"format": kind, "alerts": len(records), "recordings": True})
    return records



def _common(command):
    command = click.option("--include-recordings", is_flag=True, help=RECORDINGS_HELP)(command)
    command = out_option()(command)
    return click.option("--since", metavar="YYYY-MM-DD", default=None, help=SINCE_HELP)(command)


@export_group.command("cap")
@_common
@click.option("--each", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Also write one CAP file per alert (<reference>.xml) into this directory.")
@pass_context
def export_cap(ctx: Context, since, out, include_recordings, each) -> None:
    """CAP 1.2 alerts in an Atom feed (the same feed the console serves to API tokens)."""
    records = _records(ctx, since, include_recordings, "cap")
    if each:
        each.mkdir(parents=True, exist_ok=True)
        for record in records:
            (each / f"{record.reference}.xml").write_bytes(cap.alert_xml(record, ctx.config))
    emit(cap.feed(records, ctx.config), out)


@export_group.command("hxl")
@_common
@pass_context
def export_hxl(ctx: Context, since, out, include_recordings) -> None:
    """CSV with HXL hashtags in the second row (#event+id, #loc+name, #geo+lat, ...)."""
    emit(tables.hxl_csv(_records(ctx, since, include_recordings, "hxl"), include_recordings), out)


@export_group.command("geojson")
@_common
@pass_context
def export_geojson(ctx: Context, since, out, include_recordings) -> None:
    """A GeoJSON FeatureCollection: one point per alert where the gazetteer places its locality."""
    emit(tables.geojson(_records(ctx, since, include_recordings, "geojson"), include_recordings), out)


@export_group.command("corpus")
@click.option("--lang", "language", required=True, type=click.Choice(sorted(ALERT_LANGUAGES)),
              help="The language of the alerts to export.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="A new (or empty) directory for the Kaldi data directory.")
@click.option("--include-locality", is_flag=True, help="Add each utterance's locality code to manifest.csv.")
@pass_context
def export_corpus(ctx: Context, language: str, out: Path, include_locality: bool) -> None:
    """The speech corpus: shareable alerts' audio and verifier-corrected transcripts.

    Writes a Kaldi data directory (wav.scp, segments, text, utt2spk, spk2utt,
    wav/), metadata.csv (a Hugging Face audio folder, what a Whisper fine-tune
    reads: docs/whisper.md), manifest.csv and a README with hours, speakers and
    vocabulary. Only
    alerts an admin marked shareable and a verifier corrected; speakers are
    numbered per export, never the caller's pseudonym; no number; no locality
    unless --include-locality. The directory is checked before the command ends.
    """
    with ctx.open_store() as store:
        try:
            summary = corpus.export(store, ctx.config, language, out, include_locality)
        except corpus.CorpusError as exc:
            raise click.ClickException(str(exc)) from None
        with store.transaction():
            store.audit("cli", "export", "exports", None, None,
                        {"format": "corpus", "language": language, "utterances": summary.utterances,
                         "locality": include_locality})
    problems = corpus.check(out)
    if problems:
        raise click.ClickException("the corpus failed its check: " + "; ".join(problems))
    click.echo(f"{summary.utterances} utterance(s), {summary.speakers} speaker(s), {summary.seconds / 3600:.3f} h,"
               f" {summary.vocabulary} distinct words in {out}")


@export_group.command("check-corpus")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@pass_context
def export_check_corpus(ctx: Context, directory: Path) -> None:
    """Check a corpus directory: every utterance has audio, durations match, no forbidden field."""
    problems = corpus.check(directory)
    for problem in problems:
        click.echo(problem)
    if problems:
        raise click.ClickException(f"{len(problems)} problem(s)")
    click.echo("ok")


@export_group.group("token")
def token_group() -> None:
    """API tokens that let other systems pull the CAP feed from the console (GET /feeds/cap.atom)."""


@token_group.command("add")
@click.argument("name")
@pass_context
def token_add(ctx: Context, name: str) -> None:
    """Create a token for the system NAME; it is printed once and stored only as a hash."""
    try:
        token = api_tokens.add(ctx.config, name)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(token)


@token_group.command("list")
@pass_context
def token_list(ctx: Context) -> None:
    """Print the names of the feed's API tokens (never the tokens)."""
    for name in api_tokens.names(ctx.config):
        click.echo(name)


@token_group.command("remove")
@click.argument("name")
@pass_context
def token_remove(ctx: Context, name: str) -> None:
    """Revoke the token of the system NAME: its next request is refused."""
    if not api_tokens.remove(ctx.config, name):
        raise click.ClickException(f"no token named {name}")
    click.echo(f"removed {name}")


commands = [export_group]
