"""The readiness probe's flow: `sauti ready` speaks FastAGI to the IVR as Asterisk would.

A probe that gets `SAUTI_RESULT=ok` back has seen the IVR accept a connection, read the
AGI environment, find a flow by name and reach its store: what a caller's flow needs first.
It touches no call, no caller and no row.
"""

from __future__ import annotations

from ..agi import Call
from ..line import Line


async def ready(call: Call, line: Line) -> None:
    await line.db(lambda store: store.data_version())
