"""An asyncio client for Asterisk's Manager Interface (AMI), built on panoramisk.

Why panoramisk and not asterisk-ami: panoramisk is asyncio, like the IVR, so one
event loop carries events, actions and the dialler's timers, and measured here it
logged in, pinged and originated cleanly; asterisk-ami's reader thread dies after
3 s without traffic and a lost response then hangs its caller forever.

We keep panoramisk's protocol (framing, matching responses to ActionIDs) but not
its `Manager`: that one reconnects at a fixed interval even after `close()` and
resends unanswered actions after a reconnect, which for an `Originate` would ring
a caller twice. Here the connection loop is ours: reconnection with back-off, a
ping that notices a silent peer, a timeout on every action, and actions pending on
a lost connection fail with `AmiDisconnected` instead of being replayed.

Events are handed to callbacks as plain dicts. They carry callers' numbers
(CallerIDNum, ConnectedLineNum): never log an event whole.
"""

from __future__ import annotations

import asyncio
import contextlib
import fnmatch
import logging
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Callable

from panoramisk import actions
from panoramisk.ami_protocol import AMIProtocol

from core import secrets
from core.config import Config
from core.net import connect_host

log = logging.getLogger(__name__)

AMI_USER = "sauti"  # the account pbx/render.py writes into manager.conf
BACKOFF_SECONDS = (0.5, 1, 2, 5, 10)


class AmiError(Exception):
    """Asterisk refused an action, or the client could not talk to it."""


class AmiTimeout(AmiError):
    """No response within the action's timeout."""


class AmiDisconnected(AmiError):
    """The connection was lost (or never made) while the action was pending."""


class OriginateResult(StrEnum):
    ANSWERED = "answered"
    BUSY = "busy"
    NO_ANSWER = "no_answer"
    CONGESTION = "congestion"
    FAILED = "failed"


# OriginateResponse `Reason` codes (Asterisk's enum ast_control_frame_type).
_REASONS = {"4": OriginateResult.ANSWERED, "5": OriginateResult.BUSY, "3": OriginateResult.NO_ANSWER,
            "8": OriginateResult.CONGESTION}
# When the reason is only "hung up" (1), as for a SIP 486 through PJSIP, the dialled channel's
# Hangup event says why (Q.850 causes).
_CAUSES = {"17": OriginateResult.BUSY, "18": OriginateResult.NO_ANSWER, "19": OriginateResult.NO_ANSWER,
           "34": OriginateResult.CONGESTION, "38": OriginateResult.CONGESTION}


@dataclass(frozen=True)
class AmiSettings:
    host: str
    port: int
    username: str
    secret: str = field(repr=False)
    action_timeout: float = 5.0
    ping_interval: float = 10.0
    backoff: tuple[float, ...] = BACKOFF_SECONDS

    @classmethod
    def from_config(cls, config: Config, **overrides) -> "AmiSettings":
        return cls(connect_host(config.asterisk.ami_bind), config.asterisk.ami_port, AMI_USER,
                   secrets.text_secret(config, secrets.AMI_SECRET), **overrides)


class _Protocol(AMIProtocol):
    """panoramisk's framing; the connection's end is ours to report."""

    def __init__(self, client: "AmiClient"):
        self.client = client
        self.lost: asyncio.Future = asyncio.get_running_loop().create_future()

    def connection_made(self, transport):
        super().connection_made(transport)
        self.factory = self.client

    def connection_lost(self, exc):  # also called on Asterisk's Shutdown event
        self.closed = True
        with contextlib.suppress(Exception):
            self.transport.close()
        for action in list(self.responses.values()):
            if not action.future.done():
                action.future.set_exception(AmiDisconnected("AMI connection lost"))
        self.responses.clear()
        if not self.lost.done():
            self.lost.set_result(exc)

    def close(self):
        self.connection_lost(None)


class AmiClient:
    """One AMI connection kept alive: `await start()`, `await action(...)`, `await close()`."""

    save_stream = None  # read by panoramisk's protocol

    def __init__(self, settings: AmiSettings):
        self.settings = settings
        self.connected = asyncio.Event()
        self.logins = 0
        self._callbacks: list[tuple[str, Callable[[dict], object]]] = []
        self._protocol: _Protocol | None = None
        self._task: asyncio.Task | None = None
        self._closing = asyncio.Event()

    # -- events -------------------------------------------------------------

    def on_event(self, pattern: str, callback: Callable[[dict], object]) -> None:
        """Call `callback(event)` for every event whose name matches `pattern` (fnmatch, `*` for all)."""
        self._callbacks.append((pattern, callback))

    def dispatch(self, message) -> None:
        event = {key: value for key, value in message.items()}
        name = event.get("Event", "")
        for pattern, callback in self._callbacks:
            if fnmatch.fnmatchcase(name, pattern):
                try:
                    result = callback(event)
                    if asyncio.iscoroutine(result):
                        asyncio.get_running_loop().create_task(result)
                except Exception:
                    log.exception("AMI event handler for %s failed", name)

    # -- connection ---------------------------------------------------------

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="ami")

    async def wait_connected(self, timeout: float) -> None:
        try:
            await asyncio.wait_for(self.connected.wait(), timeout)
        except asyncio.TimeoutError:
            raise AmiTimeout(f"not logged in to AMI at {self.settings.host}:{self.settings.port} "
                             f"within {timeout} s") from None

    async def close(self) -> None:
        self._closing.set()
        if self._protocol is not None:
            self._protocol.close()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        failures = 0
        while not self._closing.is_set():
            try:
                await self._session()
                failures = 0 if self.connected.is_set() else failures + 1
            except (OSError, AmiError, asyncio.TimeoutError) as exc:
                failures += 1
                if failures == 1 or failures % 10 == 0:
                    log.warning("AMI %s:%d unavailable (%s); retrying", self.settings.host,
                                self.settings.port, exc or type(exc).__name__)
            finally:
                if self.connected.is_set():
                    log.warning("AMI connection lost; reconnecting")
                self.connected.clear()
                self._protocol = None
            delay = self.settings.backoff[min(max(failures - 1, 0), len(self.settings.backoff) - 1)]
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._closing.wait(), delay)

    async def _session(self) -> None:
        loop = asyncio.get_running_loop()
        _, protocol = await asyncio.wait_for(
            loop.create_connection(lambda: _Protocol(self), self.settings.host, self.settings.port),
            self.settings.action_timeout)
        self._protocol = protocol
        try:
            reply = await self._send(protocol, {"Action": "Login", "Username": self.settings.username,
                                                "Secret": self.settings.secret, "Events": "on"})
            if not reply.success:
                raise AmiError(f"login refused: {reply.get('Message', '')}")
            self.logins += 1
            self.connected.set()
            log.info("AMI logged in at %s:%d", self.settings.host, self.settings.port)
            while not protocol.lost.done():
                done, _ = await asyncio.wait({protocol.lost}, timeout=self.settings.ping_interval)
                if not done:
                    await self._send(protocol, {"Action": "Ping"})  # a silent peer times out here
        finally:
            protocol.close()

    # -- actions ------------------------------------------------------------

    async def _send(self, protocol: _Protocol, fields: dict, timeout: float | None = None):
        action = actions.Action(dict(fields))
        future = protocol.send(action, as_list=None)  # None: let the action decide (Originate -> list)
        try:
            return await asyncio.wait_for(future, timeout or self.settings.action_timeout)
        except asyncio.TimeoutError:
            protocol.responses.pop(action.id, None)
            raise AmiTimeout(f"no answer to AMI {fields.get('Action')} within "
                             f"{timeout or self.settings.action_timeout} s") from None

    async def action(self, name: str, timeout: float | None = None, **fields):
        """Send one action and return its response (a list for actions that answer with events)."""
        protocol = self._protocol
        if protocol is None or not self.connected.is_set():
            raise AmiDisconnected("not connected to AMI")
        reply = await self._send(protocol, {"Action": name, **fields}, timeout)
        first = reply[0] if isinstance(reply, list) else reply
        if not first.success:
            raise AmiError(f"AMI {name} refused: {first.get('Message', '')}")
        return reply

    async def originate(self, channel: str, context: str, exten: str, *, ring_seconds: float,
                        variables: dict | None = None, caller_id: str = "") -> OriginateResult:
        """Place a call and wait until it is answered or has failed; returns how it ended.

        An answered call goes on into `context`/`exten`; everything else is final.
        """
        fields = {"Channel": channel, "Context": context, "Exten": exten, "Priority": "1",
                  "Async": "true", "Timeout": str(int(ring_seconds * 1000))}
        if caller_id:
            fields["CallerID"] = caller_id
        if variables:
            fields["Variable"] = [f"{key}={value}" for key, value in variables.items()]
        causes: list[str] = []

        def note_cause(event: dict) -> None:
            if str(event.get("Channel", "")).startswith(channel + "-"):
                causes.append(str(event.get("Cause", "")))

        watch = ("Hangup", note_cause)
        self._callbacks.append(watch)
        try:
            reply = await self.action("Originate", timeout=ring_seconds + self.settings.action_timeout,
                                      **fields)
        except AmiError as exc:
            if isinstance(exc, (AmiTimeout, AmiDisconnected)):
                raise
            return OriginateResult.FAILED
        finally:
            self._callbacks.remove(watch)
        events = reply if isinstance(reply, list) else [reply]
        final = next((m for m in events if m.get("Event") == "OriginateResponse"), None)
        if final is None:
            return OriginateResult.FAILED
        if final.get("Response") == "Success":
            return OriginateResult.ANSWERED
        result = _REASONS.get(str(final.get("Reason", "")), OriginateResult.FAILED)
        if result is OriginateResult.FAILED and causes:
            return _CAUSES.get(causes[-1], result)
        return result
