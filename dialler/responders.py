"""Escalations: call the responders of an escalated alert's locality, one after another, until one confirms.

The store queues the calls and decides what an outcome means (core/store/responders.py);
this module dials. An answered call runs the line's `responder` flow, which reports
whether the key was pressed. Numbers are opened just before dialling and never logged.
"""

from __future__ import annotations

import asyncio
import logging

from core import dialplan
from core.config import Config
from core.contacts import ContactError
from core.directory import NumberSeal
from core.store.thread import StoreThread

from .ami import AmiClient, AmiError, OriginateResult
from .callbacks import LINE_CALLER_ID, channel_for

log = logging.getLogger(__name__)


class ResponderDialler:
    def __init__(self, config: Config, db: StoreThread, ami: AmiClient, seal: NumberSeal):
        self.config = config
        self.db = db
        self.ami = ami
        self.seal = seal
        self.calls: set[asyncio.Task] = set()

    async def tick(self) -> None:
        queued = await self.db(lambda s: s.queue_escalations())
        for alert_id in queued:
            log.info("alert %d escalated: responders queued", alert_id)
        if not self.ami.connected.is_set():
            return
        for due in await self.db(lambda s: s.claim_responder_calls()):
            task = asyncio.get_running_loop().create_task(self.place(due), name=f"responder-{due['id']}")
            self.calls.add(task)
            task.add_done_callback(self.calls.discard)

    async def place(self, due: dict) -> None:
        channel = None
        if due["sealed"]:
            try:
                channel = channel_for(self.seal.open(*due["sealed"]), self.config)
            except ContactError:
                log.warning("responder call %d: the number does not open with this installation's key", due["id"])
        result = OriginateResult.FAILED
        if channel is None:
            log.warning("responder call %d (alert %d, %s): no route for the number", due["id"], due["alert_id"],
                        due["name"])
        else:
            try:
                result = await self.ami.originate(
                    channel, dialplan.CONTEXT_RESPONDER, dialplan.EXTEN_CALLBACK,
                    ring_seconds=self.config.responses.responder_ring_seconds, caller_id=LINE_CALLER_ID,
                    variables={dialplan.VAR_RESPONDER_CALL: due["id"], dialplan.VAR_SOURCE: "responder"})
            except AmiError as exc:
                log.warning("responder call %d: %s", due["id"], exc)
        state = await self.db(lambda s: s.responder_call_result(due["id"], str(result)))
        log.info("responder call %d (alert %d, %s): %s, now %s", due["id"], due["alert_id"], due["name"], result, state)

    async def stop(self) -> None:
        for task in list(self.calls):
            task.cancel()
        await asyncio.gather(*self.calls, return_exceptions=True)
