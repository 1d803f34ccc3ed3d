"""A thin, typed FastAGI session: one method per AGI command, one exception per outcome.

This module speaks the protocol and nothing else; it knows no flows.
Asterisk sends `agi_*` header lines, a blank line, then answers each command
with `200 result=N [(data)] [key=value]`, `510` (invalid command), `511`
(dead channel) or `520` (usage error, possibly multi-line). When the caller
hangs up during a command it may also send a lone `HANGUP` line.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from dataclasses import dataclass, field

log = logging.getLogger(__name__)
# One DEBUG line per command: "<channel> <verb> <round trip ms> <ms the IVR took since the last answer>"
# (EXEC's verb names its application: "EXEC StopMixMonitor")
# (bench/calls.py reads them).
timing = logging.getLogger(__name__ + ".timing")

_RESPONSE = re.compile(r"^(?P<code>\d{3})(?:[ -](?P<rest>.*))?$", re.ASCII)
_RESULT = re.compile(r"result=(?P<result>-?\d+|\S*)(?:\s+\((?P<data>[^)]*)\))?(?P<extra>.*)$", re.ASCII)
DTMF_KEYS = "0123456789*#ABCD"


class AgiError(Exception):
    """Base class: the command did not complete."""


class HangupError(AgiError):
    """The caller hung up (or the channel is gone); nothing more can be said to them."""


class InvalidCommandError(AgiError):
    """510: Asterisk does not know the command."""


class UsageError(AgiError):
    """520: the command's arguments were wrong."""


class ProtocolError(AgiError):
    """Asterisk said something this layer cannot parse, or closed the connection."""


@dataclass(frozen=True)
class Response:
    code: int
    result: str
    data: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def value(self) -> int:
        try:
            return int(self.result)
        except ValueError:
            return 0


@dataclass(frozen=True)
class Recording:
    """Outcome of RECORD FILE: how it ended and how far it got."""

    digit: str          # the key that ended it, or ""
    end_position: int   # samples written
    hung_up: bool
    timed_out: bool


def quote(argument: str) -> str:
    """AGI arguments are space separated; quote and escape so none can inject another."""
    argument = str(argument).replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
    return f'"{argument}"'


def key_of(value: int) -> str:
    """The DTMF key Asterisk reports as its character code; "" for none or anything else."""
    return chr(value) if 0 < value < 128 and chr(value) in DTMF_KEYS else ""


def parse_response(line: str) -> Response:
    match = _RESPONSE.match(line)
    if not match:
        raise ProtocolError(f"unexpected AGI line: {line!r}")
    code = int(match.group("code"))
    rest = match.group("rest") or ""
    if code != 200:
        return Response(code, "", rest)
    result = _RESULT.search(rest)
    if not result:
        raise ProtocolError(f"200 without result: {line!r}")
    extra = dict(pair.split("=", 1) for pair in result.group("extra").split() if "=" in pair)
    return Response(code, result.group("result"), result.group("data") or "", extra)


async def _readline(reader: asyncio.StreamReader) -> bytes:
    """One line, or b"" at the end; a line longer than the stream's limit is a ProtocolError."""
    try:
        return await reader.readline()
    except ValueError as exc:  # asyncio's LimitOverrunError, re-raised as ValueError
        raise ProtocolError(f"AGI line too long: {exc}") from None


CONCEALED_CHANNEL = "confidential"


class Call:
    """One FastAGI session: the channel's variables and the commands to drive it."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, env: dict[str, str]):
        self._reader = reader
        self._writer = writer
        self.env = env
        self.hung_up = False
        self._answered_at = time.monotonic()
        self._closed = False  # Asterisk closed the connection: nothing more can be sent

    # -- session ------------------------------------------------------------

    @classmethod
    async def accept(cls, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> "Call":
        env: dict[str, str] = {}
        while True:
            raw = await _readline(reader)
            if not raw:
                raise ProtocolError("connection closed before the AGI environment ended")
            text = raw.decode("utf-8", "replace").rstrip("\r\n")
            if not text:
                return cls(reader, writer, env)
            key, _, value = text.partition(":")
            env[key.strip()] = value.strip()

    @property
    def channel(self) -> str:
        return self.env.get("agi_channel", "?")

    def conceal(self) -> None:
        """From now on the log names this call "confidential", never its channel (which names a
        phone registered on the line): a complaint's caller is not linked to it by the log."""
        self.env["agi_channel"] = CONCEALED_CHANNEL

    @property
    def uniqueid(self) -> str:
        return self.env.get("agi_uniqueid", "")

    @property
    def caller_number(self) -> str:
        return self.env.get("agi_callerid", "")

    @property
    def flow_name(self) -> str:
        """The path of agi://host:port/NAME, without query string."""
        script = self.env.get("agi_network_script", "")
        return script.split("?", 1)[0].strip("/")

    async def command(self, *words: str, on_dead_channel: bool = False) -> Response:
        """Send one command. After a hang-up only `on_dead_channel` commands are sent: Asterisk
        still runs those Asterisk allows on a dead channel (EXEC, GET VARIABLE) and answers 511
        for the others."""
        if self._closed or (self.hung_up and not on_dead_channel):
            raise HangupError(f"{self.channel}: hung up")
        line = " ".join(words)
        log.debug("%s >> %s", self.channel, line)
        sent_at = time.monotonic()
        self._writer.write(line.encode() + b"\n")
        await self._writer.drain()
        response = await self._read_response()
        self._answered_at, think = time.monotonic(), sent_at - self._answered_at
        verb = f"EXEC {words[1]}" if words[0] == "EXEC" else words[0]  # which application: bench/calls.py's steps
        timing.debug("%s %s %.2f %.2f", self.channel, verb, (self._answered_at - sent_at) * 1000, think * 1000)
        log.debug("%s << %s", self.channel, response)
        if response.code == 200:
            return response
        if response.code == 511:
            self.hung_up = True
            raise HangupError(f"{self.channel}: channel is gone")
        if response.code == 510:
            raise InvalidCommandError(f"{line}: {response.data}")
        if response.code == 520:
            raise UsageError(f"{line}: {response.data}")
        raise ProtocolError(f"{line}: unexpected code {response.code} {response.data}")

    async def _read_response(self) -> Response:
        while True:
            raw = await _readline(self._reader)
            if not raw:
                self.hung_up = self._closed = True
                raise HangupError(f"{self.channel}: connection closed")
            text = raw.decode("utf-8", "replace").rstrip("\r\n")
            if text == "HANGUP":
                # Asterisk's asynchronous notice; the command's own answer follows.
                self.hung_up = True
                continue
            if text.startswith("520-"):
                # Multi-line usage text ends with "520 End of proper usage."
                while not text.startswith("520 "):
                    raw = await _readline(self._reader)
                    if not raw:
                        break
                    text = raw.decode("utf-8", "replace").rstrip("\r\n")
                return Response(520, "", "usage error")
            return parse_response(text)

    def _check_hangup(self, response: Response) -> Response:
        if response.result == "-1":
            self.hung_up = True
            raise HangupError(f"{self.channel}: hung up")
        return response

    # -- commands -----------------------------------------------------------

    async def answer(self) -> None:
        self._check_hangup(await self.command("ANSWER"))

    async def hangup(self) -> None:
        try:
            await self.command("HANGUP")
        except HangupError:
            pass
        self.hung_up = True

    async def stream_file(self, path: str, escape_digits: str = "") -> str:
        """Play a sound file (path without extension). Returns the key that interrupted it, or ""."""
        response = await self.command("STREAM FILE", quote(path), quote(escape_digits))
        if response.result == "-1":
            # -1 means either a hang-up or a file Asterisk could not open; ask which.
            if not await self.is_alive():
                self.hung_up = True
                raise HangupError(f"{self.channel}: hung up")
            log.error("%s: Asterisk could not play %s", self.channel, path)
            return ""
        return key_of(response.value)

    async def is_alive(self) -> bool:
        try:
            response = await self.command("CHANNEL STATUS")
        except HangupError:
            return False
        return response.value >= 0

    async def wait_for_digit(self, timeout_ms: int) -> str:
        response = self._check_hangup(await self.command("WAIT FOR DIGIT", str(int(timeout_ms))))
        return key_of(response.value)

    async def get_data(self, path: str, timeout_ms: int, max_digits: int) -> tuple[str, bool]:
        """Play a prompt and collect digits up to # or `max_digits`. Returns (digits, timed_out)."""
        response = self._check_hangup(
            await self.command("GET DATA", quote(path), str(int(timeout_ms)), str(int(max_digits)))
        )
        digits = response.result if response.result.isascii() and response.result.isdigit() else ""
        return digits, response.data == "timeout"

    async def record_file(
        self,
        path: str,
        fmt: str = "wav",
        escape_digits: str = "#",
        timeout_ms: int = 180_000,
        beep: bool = True,
        silence_seconds: int | None = None,
    ) -> Recording:
        """Record to `path`.`fmt`. A hang-up mid-recording returns `hung_up=True`: the file is kept."""
        words = ["RECORD FILE", quote(path), fmt, quote(escape_digits), str(int(timeout_ms))]
        if beep:
            words.append("BEEP")
        if silence_seconds:
            words.append(f"s={int(silence_seconds)}")
        response = await self.command(*words)
        endpos = response.extra.get("endpos", "")
        end = int(endpos) if endpos.isdigit() else 0
        if response.result == "-1" or response.data == "hangup":
            self.hung_up = True
            return Recording("", end, hung_up=True, timed_out=False)
        digit = key_of(response.value) if response.data == "dtmf" else ""
        return Recording(digit, end, hung_up=False, timed_out=response.data == "timeout")

    async def say_digits(self, digits: str, escape_digits: str = "") -> str:
        response = self._check_hangup(await self.command("SAY DIGITS", digits, quote(escape_digits)))
        return key_of(response.value)

    async def set_variable(self, name: str, value: str) -> None:
        await self.command("SET VARIABLE", quote(name), quote(value))

    async def get_variable(self, name: str) -> str | None:
        response = await self.command("GET VARIABLE", quote(name))
        return response.data if response.value == 1 else None

    async def exec(self, application: str, *arguments: str, on_dead_channel: bool = False) -> int:
        """Run a dialplan application (MixMonitor, WaitForNoise...); its return value, -2 if unknown.

        `on_dead_channel` runs it even after the caller hung up (StopMixMonitor, to close a file)
        and returns -1 instead of raising."""
        response = await self.command("EXEC", application, quote(",".join(arguments)),
                                      on_dead_channel=on_dead_channel)
        if on_dead_channel:
            return response.value
        return self._check_hangup(response).value

    async def close(self) -> None:
        try:
            self._writer.close()
            await self._writer.wait_closed()
        except (ConnectionError, OSError):
            pass
