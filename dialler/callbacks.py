"""Call-backs: place the due ones through AMI, inside calling hours, within the hourly limit.

The store decides what is due and what an outcome means (retry later or give up,
core/store/callbacks.py); this module only dials. The number is opened just
before dialling and never logged: logs name the call-back by id and pseudonym.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
from dataclasses import dataclass

from core import clock, dialplan
from core.clock import CallingHours
from core.config import Config
from core.contacts import ContactCipher, ContactError
from core.store.callbacks import CallbackKind
from core.store.thread import StoreThread

from .ami import AmiClient, AmiError, OriginateResult

log = logging.getLogger(__name__)

LOCAL_ENDPOINT = re.compile(rf"^{re.escape(dialplan.TEST_PHONE_PREFIX)}\d+$")
DIALLABLE = re.compile(r"^\+?\d{3,20}$")
LINE_CALLER_ID = f'"Sauti" <{dialplan.EXTEN_ALERT}>'
HOUR = 3600
CONTEXTS = {CallbackKind.CALLBACK: dialplan.CONTEXT_CALLBACK,
            CallbackKind.ACKNOWLEDGEMENT: dialplan.CONTEXT_ACKNOWLEDGEMENT}


def channel_for(number: str, config: Config) -> str | None:
    """The Asterisk channel that reaches `number`: a local test phone, or the trunk."""
    if LOCAL_ENDPOINT.match(number):
        return f"PJSIP/{number}"
    if DIALLABLE.match(number) and (config.asterisk.trunk_ip or dialplan.trunk_names(config.data_dir)):
        return config.dialler.trunk_channel.format(number=number)
    return None


def start_call(calls: set[asyncio.Task], placing, name: str) -> asyncio.Task:
    """Run one call's placing as a task kept in `calls` until it ends; a failure is logged,
    not left for the garbage collector to mention (or not) long after the call was lost."""
    task = asyncio.get_running_loop().create_task(placing, name=name)
    calls.add(task)
    task.add_done_callback(_ended)
    task.add_done_callback(calls.discard)
    return task


def _ended(task: asyncio.Task) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("%s failed", task.get_name(), exc_info=task.exception())


class CallbackDialler:
    def __init__(self, config: Config, db: StoreThread, ami: AmiClient, contacts: ContactCipher):
        self.config = config
        self.db = db
        self.ami = ami
        self.contacts = contacts
        self.hours = CallingHours.parse(config.dialler.calling_hours)
        self.calls: set[asyncio.Task] = set()

    async def tick(self) -> None:
        """Delete expired numbers, then start every due call-back there is room for."""
        await self.db(lambda s: s.purge_contacts())
        await self.db(lambda s: s.release_acknowledgements())
        now = dt.datetime.now(clock.zone(self.config.site.timezone)).time()
        if not self.ami.connected.is_set() or now not in self.hours:
            return
        limit = self.config.dialler.max_per_hour

        def claim(store):
            return store.claim_due_callbacks(limit - store.attempts_since(HOUR))

        for due in await self.db(claim):
            start_call(self.calls, self.place(due), f"callback-{due['id']}")

    async def place(self, due: dict) -> None:
        policy = self.config.dialler
        try:
            channel = channel_for(self.contacts.open(due["sealed"], due["caller_pseudonym"]), self.config)
        except ContactError:
            channel = None
        result = OriginateResult.FAILED
        max_attempts = policy.max_attempts
        if channel is None:
            log.warning("%s %d: no route for the number", due["kind"], due["id"])
            max_attempts = 0  # retrying cannot help: give up now
        else:
            try:
                result = await self.ami.originate(
                    channel, CONTEXTS[due["kind"]], dialplan.EXTEN_CALLBACK,
                    ring_seconds=policy.ring_seconds, caller_id=LINE_CALLER_ID,
                    variables={dialplan.VAR_CALLBACK: due["id"], dialplan.VAR_SOURCE: "callback"})
            except AmiError as exc:
                log.warning("call-back %d: %s", due["id"], exc)
        state = await self.db(lambda s: s.finish_attempt(
            due["id"], due["attempt_id"], result, max_attempts=max_attempts,
            retry_seconds=policy.retry_spacing_seconds))
        log.info("%s %d, attempt %d: %s, now %s", due["kind"], due["id"], due["attempts"], result, state)

    async def stop(self) -> None:
        """Abandon the calls being placed; the next start puts them back in the queue."""
        for task in list(self.calls):
            task.cancel()
        await asyncio.gather(*self.calls, return_exceptions=True)
