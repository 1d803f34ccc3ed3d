"""The verifier line: a verifier with only a phone hears the alerts of their areas and decides.
A verifier on duty called by the dialler for an urgent alert (core/store/duty.py) gets the same
session, opening on that alert.

They key their account's phone PIN (`sauti user phone-pin`, or the accounts page), locked
against guessing as the committee line is (pins.py, counted apart). They hear how many
alerts wait in their areas, then each in queue order: the reference, the locality's name,
how long ago it came in, the keywords found, then the caller's recording (an SMS alert's
text, spoken by the prompt voice). Then a key:

    1 verified   2 false   3 unverifiable   4 replay   5 a spoken note
    6 escalate (supervisors)   9 next   # end

An alert is offered only once its claim is the caller's (core/store/verifier_line.py): one
claimed in the console is not offered; a decision or moving on ends the claim, and a hang-up
releases it at once. Every step is audited with the account and the channel "phone".
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

from core import clock
from core.accounts import DECISIONS_BY_ROLE
from core.committees import VERIFIER_PINS, PinHasher
from core.dialplan import VAR_DUTY_CALL, VAR_LANGUAGE
from core.durable import make_durable
from core.model import Status
from core.store.committee_pins import VERIFIER
from core.store.verifier_line import PHONE

from ..agi import Call, HangupError
from ..line import Line
from .. import spoken
from . import pins
from .common import choose_language, play, play_beep, row_id_variable
from .listen import record_caller

log = logging.getLogger(__name__)

VERIFIER_PIN_LINE = pins.PinLine(VERIFIER, ask="verifier_pin", wrong="committee_pin_wrong",
                                 refused="committee_pin_refused", locked="verifier_locked")
DECISION_KEYS = {"1": Status.VERIFIED, "2": Status.FALSE, "3": Status.UNVERIFIED}
REPLAY, NOTE, ESCALATE, NEXT, END = "4", "5", "6", "9", "#"
KEYS = "123456789#"
KEY_WAIT_MS = 6000
ASKS = 3              # the keys asked for this often with no answer, then the session ends
NOTES_DIR = "notes"   # under the data directory: spoken notes (the verifiers' voices, not callers')


async def verifier(call: Call, line: Line) -> None:
    language = await choose_language(call, line)
    await call.set_variable(VAR_LANGUAGE, language)
    account = await ask_pin(call, line, language)
    if account is not None:
        await session(call, line, account, language)


async def verifier_duty(call: Call, line: Line) -> None:
    """The dialler's call to a verifier on duty for an urgent alert: the account's own PIN (anyone
    else who answers gets no further), then the session opens on that alert."""
    duty_id = await row_id_variable(call, VAR_DUTY_CALL)
    brief = await line.db(lambda s: s.duty_brief(duty_id)) if duty_id else None
    if brief is None:
        raise LookupError(f"no duty call {duty_id}")
    reached = False
    try:
        language = await choose_language(call, line)
        await call.set_variable(VAR_LANGUAGE, language)
        await play(call, line, "verifier_duty", language)
        account = await ask_pin(call, line, language, only=brief["username"])
        if account is None:
            return
        reached = True
        state = await line.db(lambda s: s.end_duty_call(duty_id, True))
        log.info("%s: duty call %d reached %s (%s)", call.channel, duty_id, account["username"], state)
        await session(call, line, account, language, first=brief["alert_id"])
    finally:
        if not reached:
            await line.db(lambda s: s.end_duty_call(duty_id, False))


async def ask_pin(call: Call, line: Line, language: str, only: str | None = None) -> dict | None:
    """The account whose phone PIN is keyed (`only`: it must be this one), or None once refused."""
    hasher = PinHasher.from_config(line.config, VERIFIER_PINS)

    def find(store, digits: str) -> dict | None:
        account = store.user_by_phone_pin(hasher.hash(digits))
        return account if account and (only is None or account["username"] == only) else None

    return await pins.check_pin(call, line, language, VERIFIER_PIN_LINE, find)


async def session(call: Call, line: Line, account: dict, language: str, first: int | None = None) -> None:
    """The alerts one after another until none is left or the verifier ends; `first`: the alert a
    duty call opens on (then no count is said)."""
    username = account["username"]
    if first is None:
        waiting = await line.db(lambda s: s.phone_waiting(username))
        log.info("%s: verifier %s on the line, %d alert(s) waiting", call.channel, username, waiting)
        count = asyncio.create_task(spoken.prepare(line, str(waiting), language))   # made while the prompt plays
        await play(call, line, "verifier_waiting", language)
        path = await count
        await (spoken.play(call, path) if path is not None else digits(call, line, str(waiting), language))
    passed: list[int] = []
    held = None
    minutes = line.config.web.claim_minutes
    try:
        while True:
            alert = await line.db(lambda s: s.take_phone_alert(username, passed, minutes, first=first))
            first = None
            if alert is None:
                await play(call, line, "verifier_none", language)
                break
            held = alert["id"]
            outcome = await present(call, line, alert, account, language)
            if outcome != "decided":
                await line.db(lambda s: s.release_alert(held, username, channel=PHONE))
            passed.append(held)
            held = None
            if outcome == "end":
                break
        await play(call, line, "goodbye", language)
    finally:
        if held is not None:   # hung up mid-alert: the console can take it at once
            await line.db(lambda s: s.release_alert(held, username, channel=PHONE))
            log.info("%s: hung up on alert %d: its claim is released", call.channel, held)


async def present(call: Call, line: Line, alert: dict, account: dict, language: str) -> str:
    """One alert, heard and decided: "decided", "next" or "end"."""
    key = await speak_alert(call, line, alert, language)
    unanswered = 0
    while True:
        if not key:
            key = await play(call, line, "verifier_keys", language, escape_digits=KEYS)
        key = key or await call.wait_for_digit(KEY_WAIT_MS)
        if key in DECISION_KEYS or key == ESCALATE:
            status = Status.ESCALATED if key == ESCALATE else DECISION_KEYS[key]
            if status not in DECISIONS_BY_ROLE.get(account["role"], ()):
                key = await play(call, line, "verifier_cannot_escalate", language, escape_digits=KEYS)
                continue
            return await decide(call, line, alert, account, status, language)
        if key == REPLAY:
            key = await speak_alert(call, line, alert, language)
            continue
        if key == NOTE:
            key = await spoken_note(call, line, alert, account, language)
            continue
        if key == NEXT:
            return "next"
        if key == END:
            return "end"
        unanswered += 1
        if unanswered >= ASKS:
            return "end"
        key = ""


async def decide(call: Call, line: Line, alert: dict, account: dict, status: Status, language: str) -> str:
    done = await line.db(lambda s: s.decide_on_phone(alert["id"], account["username"], status))
    if not done:   # a supervisor took it over in the console, say: theirs now
        log.info("%s: alert %d changed hands before the decision", call.channel, alert["id"])
        await play(call, line, "verifier_changed", language)
        return "next"
    log.info("%s: %s decided alert %d: %s (phone)", call.channel, account["username"], alert["id"], status.value)
    await play(call, line, "verifier_decided", language)
    return "decided"


async def spoken_note(call: Call, line: Line, alert: dict, account: dict, language: str) -> str:
    """Record a note after the beep, kept with the alert (played on its page); the key after it."""
    await play(call, line, "verifier_note", language)
    await play_beep(call, line)
    take = await record_caller(call, line, line.new_recording(line.config.data_dir / NOTES_DIR))
    # On stable storage before the store names it, as every recording the line files.
    await asyncio.to_thread(make_durable, take.path, line.config.data_dir)
    path = str(take.path.relative_to(line.config.data_dir))
    # No text: the console says "spoken note" in its reader's language (web/translations).
    await line.db(lambda s: s.add_note(alert["id"], account["username"], "", recording_path=path, channel=PHONE))
    if take.hung_up:
        raise HangupError(f"{call.channel}: hung up while recording a note")
    return await play(call, line, "verifier_note_saved", language, escape_digits=KEYS)


async def speak_alert(call: Call, line: Line, alert: dict, language: str) -> str:
    """Everything the line says of one alert; any key interrupts it and is returned.

    The words no prompt holds (the locality's name, the age, an SMS's text) are synthesised
    while the reference is said, so the line never falls silent between two parts."""
    count, unit = age(alert["created_at"])
    locality = alert["locality"] or ""
    name = alert["locality_name"] or ("" if locality.isdigit() else locality)   # a locality typed as a name
    sms = not alert["recordings"] and alert["text"]
    voice = alert["language"] if alert["language"] in line.catalogue.languages else language
    made = {"name": spoken.prepare(line, name, language) if name else None,
            "count": spoken.prepare(line, str(count), language),
            "text": spoken.prepare(line, alert["text"], voice, private=True) if sms else None}
    tasks = {part: asyncio.create_task(work) for part, work in made.items() if work is not None}
    try:
        for step in _parts(call, line, alert, language, tasks, unit):
            if key := await step():
                return key
        return ""
    finally:
        # Each synthesis runs to its end in its thread whatever happens to the call, so it is
        # waited for (a second at most): a caller's words are deleted only once they are whole.
        for part, task in tasks.items():
            path = await task
            if part == "text":   # heard, or cut off: gone either way
                await spoken.forget(path)


def _parts(call: Call, line: Line, alert: dict, language: str, tasks: dict, unit: str) -> list:
    """The alert's parts, in order, each a step returning the key that interrupted it."""
    def prompt(prompt_id: str):
        return lambda: play(call, line, prompt_id, language, KEYS)

    async def made(part: str, instead) -> str:
        path = await tasks[part] if part in tasks else None
        return await spoken.play(call, path, KEYS) if path is not None else await instead()

    parts = [prompt("verifier_alert"), prompt("reference_is"), lambda: digits(call, line, alert["reference"], language)]
    if alert["locality"]:
        # No name to speak: a code is read digit by digit.
        code = alert["locality"] if alert["locality"].isdigit() else ""
        parts += [prompt("verifier_locality"), lambda: made("name", lambda: digits(call, line, code, language))]
    parts += [prompt("verifier_received"),
              lambda: made("count", lambda: digits(call, line, str(age(alert["created_at"])[0]), language)),
              prompt(f"verifier_{unit}")]
    categories = list(dict.fromkeys(k.get("category") for k in alert["keywords"] if k.get("category")))
    if categories:
        parts += [prompt("verifier_keywords")] + [prompt(f"category_{c}") for c in categories]
    if alert["recordings"]:
        parts.append(prompt("verifier_recording"))
        parts += [lambda p=p: call.stream_file(str((line.config.data_dir / p).with_suffix("")), KEYS)
                  for p in alert["recordings"]]
    elif alert["text"]:
        parts += [prompt("verifier_text"), lambda: made("text", prompt("verifier_text_unspoken"))]
    return parts


async def digits(call: Call, line: Line, number: str, language: str) -> str:
    for digit in number:
        if key := await play(call, line, f"digit_{digit}", language, KEYS):
            return key
    return ""


def age(created_at: str) -> tuple[int, str]:
    """How long ago the alert came in: minutes below two hours, hours below two days, then days."""
    minutes = max(0, int((dt.datetime.now(dt.timezone.utc) - clock.parse(created_at)).total_seconds() // 60))
    if minutes < 120:
        return minutes, "minutes"
    return (minutes // 60, "hours") if minutes < 2880 else (minutes // 1440, "days")
