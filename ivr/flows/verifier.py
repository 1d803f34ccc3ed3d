"""The verifier line: a verifier with only a phone hears the alerts of their areas and decides.

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

import datetime as dt
import logging

from core import clock
from core.accounts import DECISIONS_BY_ROLE
from core.committees import VERIFIER_PINS, PinHasher
from core.dialplan import VAR_LANGUAGE
from core.model import Status
from core.store.committee_pins import VERIFIER
from core.store.verifier_line import PHONE

from ..agi import Call, HangupError
from ..line import Line
from ..spoken import say
from . import pins
from .common import choose_language, play, play_beep, read_digits
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
    hasher = PinHasher.from_config(line.config, VERIFIER_PINS)
    account = await pins.check_pin(call, line, language, VERIFIER_PIN_LINE,
                                   lambda s, digits: s.user_by_phone_pin(hasher.hash(digits)))
    if account is None:
        return
    username = account["username"]
    waiting = await line.db(lambda s: s.phone_waiting(username))
    log.info("%s: verifier %s on the line, %d alert(s) waiting", call.channel, username, waiting)
    await play(call, line, "verifier_waiting", language)
    await say_number(call, line, waiting, language)
    passed: list[int] = []
    held = None
    minutes = line.config.web.claim_minutes
    try:
        while True:
            alert = await line.db(lambda s: s.take_phone_alert(username, passed, minutes))
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
    path = str(take.path.relative_to(line.config.data_dir))
    text = NOTE_TEXT.get(language, NOTE_TEXT["fr"])
    await line.db(lambda s: s.add_note(alert["id"], account["username"], text, recording_path=path, channel=PHONE))
    if take.hung_up:
        raise HangupError(f"{call.channel}: hung up while recording a note")
    return await play(call, line, "verifier_note_saved", language, escape_digits=KEYS)


# The text a spoken note carries in the notes list, in the language the verifier chose on the line.
NOTE_TEXT = {"fr": "Note vocale (ligne des vérificateurs)", "sw": "Ujumbe wa sauti (simu ya wathibitishaji)",
             "ln": "Sango ya mongongo (telefone ya bato ya kotalela)"}


async def speak_alert(call: Call, line: Line, alert: dict, language: str) -> str:
    """Everything the line says of one alert; any key interrupts it and is returned."""
    steps = [lambda: play(call, line, "verifier_alert", language, KEYS),
             lambda: play(call, line, "reference_is", language, KEYS),
             lambda: digits(call, line, alert["reference"], language)]
    if alert["locality"]:
        steps += [lambda: play(call, line, "verifier_locality", language, KEYS),
                  lambda: say_name(call, line, alert, language)]
    steps += [lambda: say_age(call, line, alert["created_at"], language)]
    categories = list(dict.fromkeys(k.get("category") for k in alert["keywords"] if k.get("category")))
    if categories:
        steps.append(lambda: play(call, line, "verifier_keywords", language, KEYS))
        steps += [lambda c=c: play(call, line, f"category_{c}", language, KEYS) for c in categories]
    if alert["recordings"]:
        steps.append(lambda: play(call, line, "verifier_recording", language, KEYS))
        steps += [lambda p=p: call.stream_file(str((line.config.data_dir / p).with_suffix("")), KEYS)
                  for p in alert["recordings"]]
    elif alert["text"]:
        steps += [lambda: play(call, line, "verifier_text", language, KEYS),
                  lambda: say_text(call, line, alert, language)]
    for step in steps:
        if key := await step():
            return key
    return ""


async def digits(call: Call, line: Line, number: str, language: str) -> str:
    for digit in number:
        if key := await play(call, line, f"digit_{digit}", language, KEYS):
            return key
    return ""


async def say_name(call: Call, line: Line, alert: dict, language: str) -> str:
    """The locality's name from the gazetteer, spoken; its code digit by digit when it cannot be."""
    if alert["locality_name"]:
        key = await say(call, line, alert["locality_name"], language, KEYS)
        if key is not None:
            return key
    return await digits(call, line, alert["locality"], language) if alert["locality"].isdigit() else \
        (await say(call, line, alert["locality"], language, KEYS) or "")


async def say_number(call: Call, line: Line, n: int, language: str) -> str:
    key = await say(call, line, str(n), language, KEYS)
    return await digits(call, line, str(n), language) if key is None else key


async def say_age(call: Call, line: Line, created_at: str, language: str) -> str:
    """How long ago the alert came in: minutes below two hours, hours below two days, then days."""
    minutes = max(0, int((dt.datetime.now(dt.timezone.utc) - clock.parse(created_at)).total_seconds() // 60))
    n, unit = (minutes, "minutes") if minutes < 120 else (minutes // 60, "hours") if minutes < 2880 else \
        (minutes // 1440, "days")
    return (await play(call, line, "verifier_received", language, KEYS)
            or await say_number(call, line, n, language)
            or await play(call, line, f"verifier_{unit}", language, KEYS))


async def say_text(call: Call, line: Line, alert: dict, language: str) -> str:
    """An SMS alert's text in its own language's voice (a caller's words, so made for this playing
    only); when it cannot be spoken, the verifier hears so in theirs."""
    voice = alert["language"] if alert["language"] in line.catalogue.languages else language
    key = await say(call, line, alert["text"], voice, KEYS, private=True)
    if key is None:
        return await play(call, line, "verifier_text_unspoken", language, KEYS)
    return key
