"""`sauti phone`: the test phone waits for the line to call it (call-backs, acknowledgements)."""

from __future__ import annotations

from pathlib import Path

import click

import phone

from .context import Context, pass_context


@click.command("phone")
@click.option("--as", "endpoint", default="test-phone-1", show_default=True,
              help="The test phone to register as (test-phone-N).")
@click.option("--answer-script", default="listen 60", show_default=True,
              help="Steps once answered, separated by ';': wait S, dtmf DIGITS, play FILE, listen S, hangup.")
@click.option("--record", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Record everything the line says into this WAV (8 kHz, 16-bit).")
@click.option("--ignore-calls", type=click.IntRange(min=0), default=0, show_default=True,
              help="Let this many calls ring unanswered first, as someone away from their phone.")
@click.option("--busy-calls", type=click.IntRange(min=0), default=0, show_default=True,
              help="Reject this many calls busy (SIP 486) first, as a phone already in a call.")
@click.option("--wait", "wait_seconds", type=float, default=300.0, show_default=True,
              help="Seconds to wait for the line's calls.")
@click.option("--log-level", type=click.IntRange(0, 6), default=0, help="pjsua2 log level on the console.")
@pass_context
def phone_command(ctx: Context, endpoint: str, answer_script: str, record: Path | None, ignore_calls: int,
                  busy_calls: int, wait_seconds: float, log_level: int) -> None:
    """Register the test phone and answer the line's call to it: a call-back or an acknowledgement.

    Example, after beeping the line (`sauti call 300 --as test-phone-2`):
    sauti phone --as test-phone-2 --answer-script "wait 9; dtmf 1; listen 30"

    Prints what happened with timestamps; exits 1 if no call was answered or the
    line hung up before the script expected.
    """
    try:
        steps = phone.parse(answer_script)
    except phone.ScriptError as exc:
        raise click.BadParameter(str(exc), param_hint="--answer-script") from None
    target = phone.target(ctx.config, "", endpoint)
    with phone.Phone(log_level=log_level) as sip:
        result = sip.answer(target, steps, record=record, echo=click.echo, wait_timeout=wait_seconds,
                            ignore_calls=ignore_calls, busy_calls=busy_calls)
    if result.ok:
        click.echo(f"ok: answered after {result.calls_rung} unanswered call(s); {result.steps_done} step(s) done")
        return
    reason = result.error or "the line hung up early"
    click.echo(f"failed: {reason} ({result.calls_rung} call(s) rang unanswered)", err=True)
    raise SystemExit(1)


commands = [phone_command]
