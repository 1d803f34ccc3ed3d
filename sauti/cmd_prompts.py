"""`sauti prompts build|status|import|list`: what the line says, in each language."""

from __future__ import annotations

import time
from pathlib import Path

import click

from core import config as config_module
from core import prompts

from .context import Context, pass_context

KINDS = (prompts.HUMAN, prompts.UNLISTED, prompts.SYNTHESISED, prompts.PLACEHOLDER, prompts.GENERATED,
         prompts.MISSING)


def _prompts_dir(ctx: Context) -> Path:
    """The configured prompts folder; before `sauti init`, the defaults (the shipped prompts/)."""
    if (ctx.data_dir / config_module.CONFIG_NAME).exists():
        return ctx.config.prompts_dir
    try:
        return config_module.load(ctx.data_dir, require_file=False).prompts_dir
    except config_module.ConfigError as exc:
        raise click.ClickException(str(exc)) from None


def _catalogue() -> prompts.Catalogue:
    try:
        return prompts.load_catalogue()
    except prompts.PromptError as exc:
        raise click.ClickException(str(exc)) from None


def _language_option():
    return click.option("--lang", "languages", multiple=True, metavar="LANG",
                        help="Only this language, e.g. ln (repeat for several). Default: all.")


def _languages(catalogue: prompts.Catalogue, languages: tuple[str, ...]) -> list[str] | None:
    for lang in languages:
        if lang not in catalogue.languages:
            raise click.BadParameter(f"{lang!r}; the catalogue has {', '.join(catalogue.languages)}",
                                     param_hint="--lang")
    return list(languages) or None


@click.group("prompts")
def prompts_group() -> None:
    """The line's voice prompts: build, check and replace them.

    Audio is in the prompts folder ([prompts] dir; by default Sauti's prompts/),
    one 8 kHz mono WAV per prompt and language, with a manifest saying whether a
    person recorded it or it was synthesised. Lingala has no synthetic voice: its
    synthesised prompts are placeholders read by the Swahili voice, waiting for a
    native speaker (record them on the phone line's prompt extension, upload them
    in the console, or use `sauti prompts import`).
    """


@prompts_group.command("build")
@_language_option()
@click.option("--force-synth", is_flag=True,
              help="Synthesise again every synthesised or placeholder prompt. Human recordings are never touched.")
@pass_context
def build(ctx: Context, languages: tuple[str, ...], force_synth: bool) -> None:
    """Synthesise every prompt that has no audio yet (espeak-ng), and the beep.

    Also redoes synthesised prompts whose words changed in the catalogue. Needs
    espeak-ng and ffmpeg (installed by scripts/bootstrap). Safe to run again:
    it does only what is missing.
    """
    directory = _prompts_dir(ctx)
    catalogue = _catalogue()
    languages = _languages(catalogue, languages)
    started = time.monotonic()
    click.echo(f"prompts in {directory}")

    def progress(done: int, total: int, what: str) -> None:
        click.echo(f"  [{done:>{len(str(total))}}/{total}] {what}")

    try:
        counts = prompts.build(directory, catalogue, languages=languages,
                               force_synth=force_synth, progress=progress)
    except prompts.PromptError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"built {counts['built']}, already there {counts['kept']}, "
               f"recorded by a person (left alone) {counts['human']}; "
               f"{time.monotonic() - started:.1f} s")
    placeholders = [s for s in prompts.status(directory, catalogue, languages)
                    if s.source == prompts.PLACEHOLDER]
    if placeholders:
        langs = sorted({s.lang for s in placeholders})
        click.echo(f"{len(placeholders)} placeholder prompt(s) in {', '.join(langs)} need a human recording "
                   f"(see `sauti prompts status`)")


@prompts_group.command("status")
@_language_option()
@click.option("--all", "show_all", is_flag=True, help="List every prompt, not only those needing attention.")
@pass_context
def status(ctx: Context, languages: tuple[str, ...], show_all: bool) -> None:
    """Per language: which prompts a person recorded, which are synthesised, placeholders or missing.

    Lists the prompts that need a human recording (placeholders, missing, words
    changed since recording, wrong format) with the number to key on the phone
    recording extension.
    """
    directory = _prompts_dir(ctx)
    catalogue = _catalogue()
    languages = _languages(catalogue, languages)
    entries = prompts.status(directory, catalogue, languages)
    click.echo(f"prompts in {directory}")
    for lang in [*(languages or catalogue.languages), prompts.COMMON]:
        mine = [e for e in entries if e.lang == lang]
        if not mine:
            continue
        name = catalogue.languages[lang].name if lang in catalogue.languages else "every language"
        counts = ", ".join(f"{sum(e.source == k for e in mine)} {k}" for k in KINDS
                           if any(e.source == k for e in mine) or k == prompts.MISSING)
        click.echo(f"{lang:<6} {name:<14} {len(mine)} prompts: {counts}")
        for e in mine:
            if not (show_all or e.needs_human or e.problems or e.stale):
                continue
            click.echo(_line(e, show_all))


def _advice(e: prompts.PromptStatus) -> str:
    if e.protected:
        return "needs recording again" if (e.stale or e.problems) else ""
    if e.source == prompts.MISSING or e.stale or e.problems:
        return "run `sauti prompts build`" + (" or record it" if e.lang != prompts.COMMON else "")
    return "needs a human recording" if e.source == prompts.PLACEHOLDER else ""


def _line(e: prompts.PromptStatus, show_all: bool) -> str:
    notes = [e.source]
    if e.stale:
        notes.append("words changed since it was made")
    notes.extend(e.problems)
    if _advice(e):
        notes.append(_advice(e))
    number = f"{e.number:>3}" if e.number else "  -"
    who = f" by {e.by}" if e.by else ""
    when = f" ({e.updated}{who})" if show_all and e.updated else ""
    return f"   {number} {e.id:<22} {'; '.join(notes)}{when}"


@prompts_group.command("import")
@click.argument("lang")
@click.argument("prompt")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--by", default="", help="Who recorded it, kept in the manifest.")
@pass_context
def import_(ctx: Context, lang: str, prompt: str, file: Path, by: str) -> None:
    """Install a person's recording FILE as PROMPT (id or number) in LANG.

    FILE may be any audio ffmpeg reads (wav, mp3, m4a, ogg, amr...). It is converted
    to 8 kHz mono, trimmed and normalised, and replaces the old audio atomically;
    the old file is kept in <lang>/backup/. `prompts build` never overwrites it.
    Like every prompt change, it is audited: it needs an initialised data directory.
    """
    catalogue = _catalogue()
    with ctx.open_store() as store:   # first: a change that cannot be audited is not made
        try:
            installed = prompts.install_recording(ctx.config.prompts_dir, catalogue, lang, prompt, file, by=by)
        except prompts.PromptError as exc:
            raise click.ClickException(str(exc)) from None
        store.audit("cli", "record", "prompt", installed.number, None, installed.audit_details())
    click.echo(f"installed {installed.path} ({installed.info.seconds:.1f} s, recorded by a person)")
    if installed.backup:
        click.echo(f"previous audio kept at {installed.backup}")


@prompts_group.command("list")
@_language_option()
def list_(languages: tuple[str, ...]) -> None:
    """Print the catalogue: each prompt's number, id and words, e.g. as a sheet to read from when recording."""
    catalogue = _catalogue()
    languages = _languages(catalogue, languages)
    for prompt in sorted(catalogue.prompts.values(), key=lambda p: p.number):
        click.echo(f"{prompt.number:>3} {prompt.id}")
        for lang in languages or catalogue.languages:
            click.echo(f"      {lang}: {prompt.words[lang]}")


commands = [prompts_group]
