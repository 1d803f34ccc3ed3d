"""The verifier on duty: call the rota of an urgent alert's area, one after another, until one keys their PIN.

The store queues the calls and decides what an outcome means (core/store/duty.py); this module
dials, at any hour: an urgent alert does not wait for the calling hours. An answered call runs
the line's `verifier_duty` flow, which asks the account's PIN and opens on the alert. Numbers
are opened just before dialling and never logged.
"""

from __future__ import annotations

import logging

from core import dialplan

from .ami import AmiError, OriginateResult
from .callbacks import LINE_CALLER_ID
from .outgoing import DirectoryCalls

log = logging.getLogger(__name__)


class DutyDialler(DirectoryCalls):
    async def tick(self) -> None:
        priority = self.config.verifiers.duty_priority
        for alert_id in await self.db(lambda s: s.queue_duty_calls(priority)):
            log.info("alert %d is urgent: the verifiers on duty are queued", alert_id)
        if not self.ami.connected.is_set():
            return
        for due in await self.db(lambda s: s.claim_duty_calls()):
            self.start(due, f"duty-{due['id']}")

    async def place(self, due: dict) -> None:
        channel = self.channel_of(due)
        result = OriginateResult.FAILED
        if channel is None:
            log.warning("duty call %d (alert %d, %s): no route for the number", due["id"], due["alert_id"], due["name"])
        else:
            try:
                result = await self.ami.originate(
                    channel, dialplan.CONTEXT_VERIFIER_DUTY, dialplan.EXTEN_CALLBACK,
                    ring_seconds=self.config.verifiers.duty_ring_seconds, caller_id=LINE_CALLER_ID,
                    variables={dialplan.VAR_DUTY_CALL: due["id"], dialplan.VAR_SOURCE: "verifier"})
            except AmiError as exc:
                log.warning("duty call %d: %s", due["id"], exc)
        state = await self.db(lambda s: s.duty_call_result(due["id"], str(result)))
        log.info("duty call %d (alert %d, %s): %s, now %s", due["id"], due["alert_id"], due["name"], result, state)
