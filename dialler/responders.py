"""Escalations: call the responders of an escalated alert's locality, one after another, until one confirms.

The store queues the calls and decides what an outcome means (core/store/responders.py);
this module dials. With the SMS gateway (`texting`), the store texts the responders who
take SMS first and holds the calls for [sms] responder_confirm_seconds. An answered call
runs the line's `responder` flow, which reports whether the key was pressed. Numbers are
opened just before dialling and never logged.
"""

from __future__ import annotations

import logging

from core import dialplan, sms_texts
from core.config import Config
from core.directory import NumberSeal
from core.store.thread import StoreThread

from .ami import AmiClient, AmiError, OriginateResult
from .callbacks import LINE_CALLER_ID
from .outgoing import DirectoryCalls

log = logging.getLogger(__name__)


class ResponderDialler(DirectoryCalls):
    def __init__(self, config: Config, db: StoreThread, ami: AmiClient, seal: NumberSeal, sms: bool = False):
        super().__init__(config, db, ami, seal)
        self.texting = sms_texts.EscalationTexts(
            sms_texts.load_texts(), config.ivr.default_language, config.site.timezone,
            config.sms.responder_confirm_seconds) if sms and config.sms.responder_confirm_seconds > 0 else None

    async def tick(self) -> None:
        for alert_id in await self.db(lambda s: s.queue_escalations(self.texting)):
            log.info("alert %d escalated: responders queued", alert_id)
        if not self.ami.connected.is_set():
            return
        for due in await self.db(lambda s: s.claim_responder_calls()):
            self.start(due, f"responder-{due['id']}")

    async def place(self, due: dict) -> None:
        channel = self.channel_of(due)
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
