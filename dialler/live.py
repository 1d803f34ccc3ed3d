"""Calls in progress, from Asterisk's events into the store, for the console's live page.

Only callers' channels are followed (PJSIP); what is kept is the source (the
dialplan's SAUTI_SOURCE) and the flow step, read from the prompt the IVR is playing.
Events carry numbers (CallerIDNum, ConnectedLineNum): nothing of them is kept or logged.
"""

from __future__ import annotations

import logging
import re
from pathlib import PurePosixPath

from core import dialplan
from core.store.thread import StoreThread

from .ami import AmiClient

log = logging.getLogger(__name__)

# Flow steps as the console names them, by the prompt being played.
STEP_OF_PROMPT = {
    "welcome": "welcome", "callback_hello": "welcome", "survey_call_hello": "welcome",
    "language_menu": "menu", "invalid_choice": "menu",
    "record_after_beep": "recording", "beep": "recording", "nothing_heard": "recording",
    "radio_instructions": "recording",
    "recorded_thanks": "locality", "enter_locality": "locality", "locality_not_found": "locality",
    "locality_is": "locality",
    "reference_is": "reference", "radio_recorded": "reference",
    "callback_consent": "consent",
    "acknowledgement": "acknowledgement",
    "goodbye": "goodbye", "nothing_heard_again": "goodbye",
    "failure_apology": "failure",
}
PROMPT_RECORDING = "prompt_recording"
RECORDING_APPLICATIONS = ("MixMonitor", "WaitForNoise", "WaitForSilence")
AGI_FLOW = re.compile(r"^agi://[^/]+/(\w+)")


def step_of(command: str) -> str | None:
    """The step an AGI command shows, or None when it changes nothing (digits, waits)."""
    words = command.split()
    if len(words) >= 3 and words[0] in ("STREAM", "GET") and words[1] in ("FILE", "DATA"):
        prompt = PurePosixPath(words[2].strip('"')).name
        if prompt.startswith("prompt_"):
            return PROMPT_RECORDING
        return STEP_OF_PROMPT.get(prompt)
    if words[:2] == ["RECORD", "FILE"]:
        # The language menu's listening windows are the menu, not the caller's recording.
        in_menu = len(words) > 2 and PurePosixPath(words[2].strip('"')).parent.name == dialplan.SPOOL_MENU_WINDOWS
        return "menu" if in_menu else "recording"
    if words[:1] == ["EXEC"] and len(words) > 1 and words[1] in RECORDING_APPLICATIONS:
        return "recording"  # the IVR's listening (ivr/flows/listen.py); a radio patch plays no prompt
    return None


class LiveCalls:
    def __init__(self, db: StoreThread, ami: AmiClient):
        self.db = db
        self.followed: set[str] = set()
        ami.on_event("FullyBooted", self.reset)  # sent at every login: start from a clean slate
        ami.on_event("Newchannel", self.new_channel)
        ami.on_event("VarSet", self.variable)
        ami.on_event("Newexten", self.extension)
        ami.on_event("AGIExecStart", self.agi_command)
        ami.on_event("Hangup", self.hangup)

    async def _write(self, work) -> None:
        try:
            await self.db(work)
        except Exception:
            log.exception("could not note a live call")

    async def reset(self, event: dict) -> None:
        self.followed.clear()
        await self._write(lambda s: s.clear_live_calls())

    async def new_channel(self, event: dict) -> None:
        uniqueid = event.get("Uniqueid", "")
        if event.get("Channel", "").startswith("PJSIP/") and uniqueid:
            self.followed.add(uniqueid)
            await self._write(lambda s: s.live_call_started(uniqueid))

    async def variable(self, event: dict) -> None:
        uniqueid = event.get("Uniqueid", "")
        if uniqueid in self.followed and event.get("Variable") == dialplan.VAR_SOURCE:
            source = event.get("Value", "")[:20]
            await self._write(lambda s: s.live_call_update(uniqueid, source=source))

    async def extension(self, event: dict) -> None:
        uniqueid = event.get("Uniqueid", "")
        match = AGI_FLOW.match(event.get("AppData", "")) if event.get("Application") == "AGI" else None
        if uniqueid in self.followed and match:
            step = "beep" if match.group(1) == dialplan.FLOW_BEEP else "start"
            await self._write(lambda s: s.live_call_update(uniqueid, step=step))

    async def agi_command(self, event: dict) -> None:
        uniqueid = event.get("Uniqueid", "")
        step = step_of(event.get("Command", "")) if uniqueid in self.followed else None
        if step:
            await self._write(lambda s: s.live_call_update(uniqueid, step=step))

    async def hangup(self, event: dict) -> None:
        uniqueid = event.get("Uniqueid", "")
        if uniqueid in self.followed:
            self.followed.discard(uniqueid)
            await self._write(lambda s: s.live_call_ended(uniqueid))
