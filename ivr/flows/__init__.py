"""The call flows, one module each, registered by the name the dialplan uses.

Every flow is `async def flow(call: Call, line: Line) -> None`: `call` is the
AGI session (the protocol only), `line` what the flow works with (config, store,
catalogue, recording paths). Steps several flows share live in `common.py`;
how the line listens to a caller or a radio patch (every frame kept, the first
word waited for apart from the silence after the last) is `listen.py`.
"""

from __future__ import annotations

from core.dialplan import (
    FLOW_ACKNOWLEDGEMENT, FLOW_ALERT, FLOW_BEEP, FLOW_BROADCAST, FLOW_BROADCAST_RECORD, FLOW_CALLBACK, FLOW_COMMITTEE,
    FLOW_COMPLAINT, FLOW_PROMPT_RECORD, FLOW_RADIO, FLOW_READY, FLOW_RESPONDER, FLOW_RESPONSE, FLOW_SURVEY,
    FLOW_VERIFIER, FLOW_VERIFIER_DUTY,
)

from ..registry import Registry
from .acknowledgement import acknowledgement
from .alert import alert
from .beep import beep
from .broadcast import broadcast
from .broadcast_record import broadcast_record
from .callback import callback
from .committee import committee
from .complaint import complaint
from .prompt_record import prompt_record
from .radio import radio
from .ready import ready
from .responder import responder
from .survey import survey
from .response import response
from .verifier import verifier, verifier_duty

FLOWS = [
    (FLOW_ALERT, alert),
    (FLOW_RADIO, radio),
    (FLOW_BEEP, beep),
    (FLOW_CALLBACK, callback),
    (FLOW_ACKNOWLEDGEMENT, acknowledgement),
    (FLOW_PROMPT_RECORD, prompt_record),
    (FLOW_RESPONDER, responder),
    (FLOW_RESPONSE, response),
    (FLOW_COMPLAINT, complaint),
    (FLOW_COMMITTEE, committee),
    (FLOW_BROADCAST, broadcast),
    (FLOW_SURVEY, survey),
    (FLOW_BROADCAST_RECORD, broadcast_record),
    (FLOW_VERIFIER, verifier),
    (FLOW_VERIFIER_DUTY, verifier_duty),
    (FLOW_READY, ready),
]


def default_registry() -> Registry:
    registry = Registry()
    for name, flow in FLOWS:
        registry.register(name, flow)
    return registry
