"""Calls to focal points: voice alerts and survey runs, within the trunk's concurrency limit.

The store decides what is due and what an outcome means (retry or give up,
core/store/broadcasts.py); an answered call runs the line's `broadcast` flow, which
reports whether the message was heard to its end and what was keyed, or, for a survey
run, asks the survey's questions. Voice alerts go at any hour; a survey run's calls
wait for [dialler] calling_hours.
"""

from __future__ import annotations

import datetime as dt
import logging

from core import clock, dialplan

from .ami import AmiError, OriginateResult
from .callbacks import LINE_CALLER_ID, CallingHours
from .outgoing import DirectoryCalls

log = logging.getLogger(__name__)


class BroadcastDialler(DirectoryCalls):
    async def tick(self) -> None:
        if not self.ami.connected.is_set():
            return
        concurrency = self.config.broadcasts.concurrency
        now = dt.datetime.now(clock.zone(self.config.site.timezone)).time()
        survey_calls = now in CallingHours.parse(self.config.dialler.calling_hours)
        for due in await self.db(lambda s: s.claim_due_deliveries(concurrency, survey_calls)):
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
        log.info("%s %d to %s, attempt %d: %s, now %s", "survey run" if due["survey_id"] else "broadcast",
                 due["broadcast_id"], due["name"], due["attempts"], result, state)
