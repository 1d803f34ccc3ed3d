"""The FastAGI server: accepts Asterisk's connections and runs the named flow.

One failure path: a flow that raises is logged with the call's channel and the
call is left without `SAUTI_RESULT=ok`, so the dialplan sends it to `agi_fail`,
which still records the caller. A call never ends in silence because Python failed.
"""

from __future__ import annotations

import asyncio
import logging

from core.dialplan import FLOW_COMPLAINT, FLOW_READY, RESULT_OK, VAR_RESULT

from .agi import AgiError, Call, HangupError
from .line import Line
from .registry import Registry

log = logging.getLogger(__name__)


class AgiServer:
    def __init__(self, registry: Registry, line: Line):
        self.registry = registry
        self.line = line
        self.active: set[asyncio.Task] = set()
        self._server: asyncio.base_events.Server | None = None

    async def start(self, host: str, port: int) -> None:
        self._server = await asyncio.start_server(self._handle, host, port, reuse_address=True)

    @property
    def port(self) -> int:
        return self._server.sockets[0].getsockname()[1]

    async def serve_forever(self) -> None:
        async with self._server:
            await self._server.serve_forever()

    async def close(self, grace_seconds: float = 30) -> None:
        """Stop accepting calls and let calls in progress finish (their alerts must be filed)."""
        if self._server:
            self._server.close()
            await self._server.wait_closed()
        if self.active:
            await asyncio.wait(self.active, timeout=grace_seconds)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        self.active.add(task)
        try:
            await self._run_call(reader, writer)
        finally:
            self.active.discard(task)

    async def _run_call(self, reader, writer) -> None:
        try:
            call = await Call.accept(reader, writer)
        except AgiError as exc:
            log.warning("dropped AGI connection: %s", exc)
            writer.close()
            return
        flow = self.registry.get(call.flow_name)
        try:
            if flow is None:
                raise LookupError(f"no flow named {call.flow_name!r}")
            # Health checks probe every few seconds: their flow would bury the calls in the log.
            level = logging.DEBUG if call.flow_name == FLOW_READY else logging.INFO
            if call.flow_name == FLOW_COMPLAINT:
                call.conceal()
            log.log(level, "%s: flow %s started", call.channel, call.flow_name)
            await flow(call, self.line)
            if not call.hung_up:
                await call.set_variable(VAR_RESULT, RESULT_OK)
            log.log(level, "%s: flow %s finished", call.channel, call.flow_name)
        except HangupError:
            log.info("%s: caller hung up during %s", call.channel, call.flow_name)
        except Exception:
            log.exception("%s: flow %s failed; the dialplan's failure path takes the call", call.channel, call.flow_name)
        finally:
            await call.close()
