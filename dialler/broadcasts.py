"""Voice alerts to communities: call each focal point of a broadcast, within the trunk's concurrency limit.

The store decides what is due and what an outcome means (retry or give up,
core/store/broadcasts.py); an answered call runs the line's `broadcast` flow, which
reports whether the message was heard to its end and what was keyed.
"""

from __future__ import annotations

import logging

from core import dialplan

from .ami import AmiError, OriginateResult
from .callbacks import LINE_CALLER_ID
from .outgoing import DirectoryCalls

log = logging.getLogger(__name__)


class BroadcastDialler(DirectoryCalls):
    async def tick(self) -> None:
        if not self.ami.connected.is_set():
            return
        concurrency = self.config.broadcasts.concurrency
        for due in await self.db(lambda s: s.claim_due_deliveries(concurrency)):
            self.start(due, f"delivery-{due['id']}")

    async def place(self, due: dict) -> None:
        policy = self.config.broadcasts
        channel = self.channel_of(due)
        result, max_attempts = OriginateResult.FAILED, policy.max_attempts
        if channel is None:
            log.warning("delivery %d (%s): no route for the number", due["id"], due["name"])
            max_attempts = 0  # retrying cannot help
        else:
            try:
                result = await self.ami.originate(
                    channel, dialplan.CONTEXT_BROADCAST, dialplan.EXTEN_CALLBACK,
                    ring_seconds=policy.ring_seconds, caller_id=LINE_CALLER_ID,
                    variables={dialplan.VAR_DELIVERY: due["id"]})
            except AmiError as exc:
                log.warning("delivery %d: %s", due["id"], exc)
        state = await self.db(lambda s: s.delivery_result(due["id"], str(result), max_attempts,
                                                          policy.retry_seconds))
        log.info("broadcast %d to %s, attempt %d: %s, now %s", due["broadcast_id"], due["name"], due["attempts"],
                 result, state)
