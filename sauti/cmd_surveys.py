"""`sauti surveys ...`: perception surveys from the command line, as on the console's Surveys pages.

Define a survey (`add`, `question`), run it on the survey line (`start`, `stop`), put it
to focal points by phone (`call`, `runs`, `progress`, `cancel`), read its results
(`results`, as the console's page and CSV). Changes are audited with `cli` as the actor.
"""

from __future__ import annotations

from pathlib import Path

import click

from core import names, surveys
from core.prompts import PromptError
from core.store.surveys import AnsweredQuestion

from .context import Context, emit, known, out_option, pass_context


@click.group("surveys")
def surveys_group() -> None:
    """Perception surveys: 3 to 8 questions, each answered with one of 2 to 5 keys.

    Each question has words in sw, ln and fr, synthesised until a person's recording
    is uploaded in the console or recorded by phone (prompt line, 901-908). Answers
    keep a locality and a day, never who answered.
    """


def _survey(store, survey_id: int) -> dict:
    return known(store.survey(survey_id), "survey", survey_id, "sauti surveys list")


@surveys_group.command("list")
@pass_context
def surveys_list(ctx: Context) -> None:
    """Print every survey: id, whether it runs on the survey line, questions, responses, name."""
    with ctx.open_store() as store:
        found = store.surveys()
    for s in found:
        click.echo(f"{s['id']:>4}  {'on the line' if s['active'] else '-':<11}  {s['questions']} questions  "
                   f"{s['responses']:>5} responses  {s['name']}")
    click.echo(f"{len(found)} survey{'' if len(found) == 1 else 's'}")


@surveys_group.command("show")
@click.argument("survey_id", type=int)
@pass_context
def surveys_show(ctx: Context, survey_id: int) -> None:
    """Print a survey's questions (keys, words, which audio exists) and what keeps it from running."""
    with ctx.open_store() as store:
        survey = _survey(store, survey_id)
        questions = store.survey_questions(survey_id)
    click.echo(f"{survey['name']}: {'on the survey line' if survey['active'] else 'not on the line'}, "
               f"{survey['responses']} responses")
    for q in questions:
        audio = " ".join(lang for lang in surveys.LANGUAGES
                         if surveys.prompt_path(ctx.config, survey_id, lang, q["id"]).exists())
        click.echo(f"  {q['position']}. keys 1-{q['answers']}  audio: {audio or 'none'}")
        for lang in surveys.LANGUAGES:
            click.echo(f"     {lang}: {q['words'].get(lang, '')}")
    for problem in surveys.problems(questions, ctx.config, survey_id):
        click.echo(f"  not ready: {problem}")


@surveys_group.command("add")
@click.argument("name")
@pass_context
def surveys_add(ctx: Context, name: str) -> None:
    """Create an empty survey called NAME; add its questions with `sauti surveys question`."""
    name = " ".join(name.split())
    if not surveys.valid_name(name):
        raise click.ClickException(f"a name is 1 to {surveys.NAME_MAX} characters, none of them a control character")
    with ctx.open_store() as store:
        same = names.taken((s["name"] for s in store.surveys()), name)
        if same:
            raise click.ClickException(f"a survey is already named {same!r}")
        survey_id = store.create_survey(name, actor="cli")
    click.echo(f"survey {survey_id} added: {name}")


@surveys_group.command("question")
@click.argument("survey_id", type=int)
@click.argument("position", type=int)
@click.option("--answers", type=int, required=True, help="How many keys answer it (2 to 5: keys 1 to N).")
@click.option("--sw", "words_sw", required=True, help="The question's words in Swahili.")
@click.option("--ln", "words_ln", required=True, help="The question's words in Lingala.")
@click.option("--fr", "words_fr", required=True, help="The question's words in French.")
@pass_context
def surveys_question(ctx: Context, survey_id: int, position: int, answers: int, words_sw: str, words_ln: str,
                     words_fr: str) -> None:
    """Add or change question POSITION (1 to 8); new or changed words are synthesised (espeak-ng)."""
    words = {"sw": words_sw.strip(), "ln": words_ln.strip(), "fr": words_fr.strip()}
    if not surveys.valid_question(position, answers, words):
        raise click.ClickException(f"position 1 to {surveys.MAX_QUESTIONS}, {surveys.MIN_ANSWERS} to "
                                   f"{surveys.MAX_ANSWERS} answers, words in every language")
    with ctx.open_store() as store:
        _survey(store, survey_id)
        try:
            surveys.save_question(store, ctx.config, survey_id, position, answers, words, actor="cli")
        except AnsweredQuestion as exc:
            raise click.ClickException(str(exc)) from None
        except PromptError as exc:
            raise click.ClickException(f"question saved, but its audio could not be made: {exc}") from None
    click.echo(f"survey {survey_id}: question {position} saved")


@surveys_group.command("start")
@click.argument("survey_id", type=int)
@pass_context
def surveys_start(ctx: Context, survey_id: int) -> None:
    """Run this survey on the survey line (extension 800); the one running before stops."""
    with ctx.open_store() as store:
        _survey(store, survey_id)
        found = surveys.problems(store.survey_questions(survey_id), ctx.config, survey_id)
        if found:
            raise click.ClickException("not ready: " + "; ".join(found))
        store.set_survey_active(survey_id, True, actor="cli")
    click.echo(f"survey {survey_id} is on the survey line")


@surveys_group.command("stop")
@click.argument("survey_id", type=int)
@pass_context
def surveys_stop(ctx: Context, survey_id: int) -> None:
    """Take this survey off the survey line (its answers stay)."""
    with ctx.open_store() as store:
        _survey(store, survey_id)
        store.set_survey_active(survey_id, False, actor="cli")
    click.echo(f"survey {survey_id} is off the survey line")


@surveys_group.command("results")
@click.argument("survey_id", type=int)
@click.option("--period", type=click.Choice(surveys.PERIODS), default="week", show_default=True,
              help="Group the answers by ISO week or by month.")
@click.option("--channel", type=click.Choice(surveys.CHANNELS), default=None,
              help="Only the survey line's responses (inbound) or the runs' calls' (outbound). Default: both.")
@click.option("--csv", "as_csv", is_flag=True, help="CSV, as the console's download.")
@out_option()
@pass_context
def surveys_results(ctx: Context, survey_id: int, period: str, channel: str | None, as_csv: bool,
                    out: Path | None) -> None:
    """Counts and shares of each answer per locality and period; incomplete responses counted apart,
    and how many came from the survey line (inbound) and from calls to focal points (outbound)."""
    with ctx.open_store() as store:
        survey = _survey(store, survey_id)
        groups = surveys.aggregate(*store.survey_answers(survey_id), period, channel)
    if as_csv:
        emit(surveys.to_csv(survey["name"], groups), out)
        return
    lines = []
    for g in groups:
        lines.append(f"{g['locality'] or '-'}  {g['period']}  {g['responses']} responses, {g['incomplete']} incomplete"
                     f"  (inbound {g['channels']['inbound']}, outbound {g['channels']['outbound']})")
        for q in g["questions"]:
            shares = "  ".join(f"{key}: {count} ({share:.0%})"
                               for key, (count, share) in enumerate(zip(q["counts"], q["shares"]), start=1))
            lines.append(f"  question {q['position']}  {shares}")
    emit("".join(line + "\n" for line in lines) or "no responses yet\n", out)


@surveys_group.command("call")
@click.argument("survey_id", type=int)
@click.option("--locality", "localities", multiple=True, metavar="CODE",
              help="Call the focal points of this locality (repeat for several).")
@click.option("--all", "everyone", is_flag=True, help="Call every focal point in the directory.")
@pass_context
def surveys_call(ctx: Context, survey_id: int, localities: tuple[str, ...], everyone: bool) -> None:
    """Put the survey to focal points by phone: the dialler calls each (retries, [broadcasts]
    concurrency, [dialler] calling_hours); answers count as outbound, under the focal point's locality."""
    if everyone == bool(localities):
        raise click.ClickException("give --all or one or more --locality CODE")
    codes = [c.strip() for c in localities]
    if not all(c.isascii() and c.isdigit() and len(c) <= 6 for c in codes):
        raise click.ClickException("locality codes are 1 to 6 digits")
    with ctx.open_store() as store:
        _survey(store, survey_id)
        found = surveys.problems(store.survey_questions(survey_id), ctx.config, survey_id)
        if found:
            raise click.ClickException("not ready: " + "; ".join(found))
        if not (store.focal_points_for(codes) if codes else store.directory("focal_point")):
            raise click.ClickException("no focal point to call: add them with `sauti directory import`")
        run_id = store.create_survey_run(survey_id, codes, actor="cli")
        run = store.survey_run(run_id)
    click.echo(f"survey run {run_id}: {len(run['deliveries'])} focal point(s) to call; "
               f"follow it with `sauti surveys progress {run_id}`")


def _figures(run: dict) -> str:
    counts = surveys.progress(run["deliveries"])
    return "  ".join(f"{name} {counts[name]}" for name in surveys.PROGRESS)


@surveys_group.command("runs")
@click.argument("survey_id", type=int, required=False)
@pass_context
def surveys_runs(ctx: Context, survey_id: int | None) -> None:
    """List the runs of calls to focal points (of one survey, or all), newest first, with their progress."""
    with ctx.open_store() as store:
        if survey_id is not None:
            _survey(store, survey_id)
        runs = store.survey_runs(survey_id)
    for run in runs:
        where = " ".join(run["localities"]) or "all"
        stopped = "  stopped" if run["stopped_at"] else ""
        click.echo(f"{run['id']:>4}  {run['survey']}  ({where}){stopped}\n      {_figures(run)}")
    click.echo(f"{len(runs)} run{'' if len(runs) == 1 else 's'}")


def _run(store, run_id: int) -> dict:
    return known(store.survey_run(run_id), "survey run", run_id, "sauti surveys runs")


@surveys_group.command("progress")
@click.argument("run_id", type=int)
@pass_context
def surveys_progress(ctx: Context, run_id: int) -> None:
    """Each call of a run: focal point, locality, state, calls made and their outcomes (never a number)."""
    with ctx.open_store() as store:
        run = _run(store, run_id)
    click.echo(f"{run['survey']}: {_figures(run)}")
    for d in run["deliveries"]:
        click.echo(f"  {d['name']:<24} {d['locality'] or '-':<6} {d['state']:<11} {d['attempts']} call(s)"
                   f" {' '.join(d['results'])}")


@surveys_group.command("cancel")
@click.argument("run_id", type=int)
@pass_context
def surveys_cancel(ctx: Context, run_id: int) -> None:
    """Stop a run: focal points not called yet are not called (calls in progress finish)."""
    with ctx.open_store() as store:
        _run(store, run_id)
        stopped = store.stop_survey_run(run_id, actor="cli")
    click.echo(f"survey run {run_id} stopped: {stopped} call(s) not placed")


commands = [surveys_group]
