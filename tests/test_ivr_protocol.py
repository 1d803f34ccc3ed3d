"""The FastAGI layer against a fake Asterisk speaking the protocol over a real socket."""

from __future__ import annotations

import asyncio

import pytest

from core.dialplan import RESULT_OK, VAR_RESULT
from ivr.agi import Call, HangupError, ProtocolError, parse_response, quote
from ivr.registry import Registry
from ivr.server import AgiServer


def test_parse_response():
    r = parse_response("200 result=1 (timeout) endpos=8000")
    assert (r.code, r.result, r.data, r.extra) == (200, "1", "timeout", {"endpos": "8000"})
    assert parse_response("200 result=-1").result == "-1"
    assert parse_response("200 result= (timeout)").result == ""
    assert parse_response("510 Invalid or unknown command").code == 510
    with pytest.raises(ProtocolError):
        parse_response("hello")


def test_quote_keeps_one_argument_one_argument():
    assert quote('a "b" c\nd') == '"a \\"b\\" c d"'


class FakeAsterisk:
    """Connects to the server like Asterisk does and answers commands from a script.

    `answers` maps a command prefix to the lines Asterisk would send back.
    """

    def __init__(self, port: int, script: str, answers: dict[str, list[str]], hangup_on: str | None = None):
        self.port = port
        self.script = script
        self.answers = answers
        self.hangup_on = hangup_on
        self.commands: list[str] = []

    async def run(self) -> list[str]:
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        env = {
            "agi_network": "yes",
            "agi_network_script": self.script,
            "agi_channel": "PJSIP/test-phone-1-00000007",
            "agi_uniqueid": "1700000000.7",
            "agi_callerid": "+243990000001",
            "agi_arg_1": "first",
        }
        writer.write("".join(f"{k}: {v}\n" for k, v in env.items()).encode() + b"\n")
        await writer.drain()
        while True:
            line = await asyncio.wait_for(reader.readline(), 5)
            if not line:
                break
            command = line.decode().strip()
            self.commands.append(command)
            if self.hangup_on and command.startswith(self.hangup_on):
                writer.write(b"HANGUP\n200 result=-1\n")
            else:
                for prefix, replies in self.answers.items():
                    if command.startswith(prefix):
                        writer.write("".join(r + "\n" for r in replies).encode())
                        break
                else:
                    writer.write(b"200 result=1\n")
            await writer.drain()
        writer.close()
        return self.commands


def serve_and_call(registry: Registry, fake_kwargs: dict, line="the line") -> list[str]:
    async def scenario():
        server = AgiServer(registry, line)
        await server.start("127.0.0.1", 0)
        fake = FakeAsterisk(server.port, **fake_kwargs)
        commands = await fake.run()
        await server.close(grace_seconds=5)
        return commands

    return asyncio.run(scenario())


def test_a_flow_that_finishes_sets_the_result():
    seen = {}
    registry = Registry()

    async def hello(call: Call, line) -> None:
        seen["line"] = line
        seen["channel"] = call.channel
        seen["key"] = await call.stream_file("/prompts/sw/welcome", "12")
        seen["var"] = await call.get_variable("SAUTI_STATION")

    registry.register("hello", hello)
    commands = serve_and_call(registry, {
        "script": "hello",
        "answers": {"STREAM FILE": ["200 result=50 endpos=1234"], "GET VARIABLE": ["200 result=1 (beni)"]},
    })
    assert seen == {"line": "the line", "channel": "PJSIP/test-phone-1-00000007", "key": "2", "var": "beni"}
    assert commands == [
        'STREAM FILE "/prompts/sw/welcome" "12"',
        'GET VARIABLE "SAUTI_STATION"',
        f'SET VARIABLE "{VAR_RESULT}" "{RESULT_OK}"',
    ]


def test_a_failing_flow_leaves_the_call_to_the_failure_path(caplog):
    registry = Registry()

    async def broken(call: Call, line) -> None:
        await call.answer()
        raise RuntimeError("database on fire")

    registry.register("broken", broken)
    commands = serve_and_call(registry, {"script": "broken", "answers": {}})
    assert commands == ["ANSWER"]  # no SAUTI_RESULT=ok: the dialplan goes to agi_fail
    assert "PJSIP/test-phone-1-00000007" in caplog.text and "database on fire" in caplog.text


def test_an_unknown_flow_goes_to_the_failure_path(caplog):
    commands = serve_and_call(Registry(), {"script": "nope?x=1", "answers": {}})
    assert commands == []
    assert "no flow named 'nope'" in caplog.text


def test_hangup_notice_raises_and_stops_the_flow():
    registry = Registry()
    reached = []

    async def flow(call: Call, line) -> None:
        await call.answer()
        try:
            await call.stream_file("/p/sw/welcome")
        except HangupError:
            reached.append("hangup")
            raise
        reached.append("after")

    registry.register("flow", flow)
    commands = serve_and_call(registry, {"script": "flow", "answers": {}, "hangup_on": "STREAM FILE"})
    assert reached == ["hangup"]
    assert commands == ["ANSWER", 'STREAM FILE "/p/sw/welcome" ""']


def test_record_file_reports_a_hang_up_instead_of_raising():
    registry = Registry()
    outcome = {}

    async def flow(call: Call, line) -> None:
        outcome["rec"] = await call.record_file("/data/r/x", "wav", "#", 10000, beep=False, silence_seconds=5)

    registry.register("flow", flow)
    commands = serve_and_call(registry, {
        "script": "flow", "answers": {"RECORD FILE": ["HANGUP", "200 result=-1 (hangup) endpos=16000"]},
    })
    assert outcome["rec"].hung_up and outcome["rec"].end_position == 16000
    assert commands == ['RECORD FILE "/data/r/x" wav "#" 10000 s=5']


def test_usage_and_invalid_command_errors():
    registry = Registry()
    errors = []

    async def flow(call: Call, line) -> None:
        from ivr.agi import InvalidCommandError, UsageError

        for command in ("FOO", "GET DATA"):
            try:
                await call.command(command)
            except (InvalidCommandError, UsageError) as exc:
                errors.append(type(exc).__name__)

    registry.register("flow", flow)
    serve_and_call(registry, {"script": "flow", "answers": {
        "FOO": ["510 Invalid or unknown command"],
        "GET DATA": ["520-Invalid command syntax.  Proper usage follows:", "Usage: GET DATA", "520 End of proper usage."],
    }})
    assert errors == ["InvalidCommandError", "UsageError"]


def test_registering_a_name_twice_is_an_error():
    registry = Registry()

    async def flow(call, line):
        pass

    registry.register("alert", flow)
    with pytest.raises(ValueError):
        registry.register("alert", flow)


def test_many_calls_at_once_are_served_concurrently():
    registry = Registry()
    inside = {"now": 0, "most": 0}

    async def slow(call: Call, line) -> None:
        inside["now"] += 1
        inside["most"] = max(inside["most"], inside["now"])
        await asyncio.sleep(0.2)
        await call.answer()
        inside["now"] -= 1

    registry.register("slow", slow)

    async def scenario():
        server = AgiServer(registry, None)
        await server.start("127.0.0.1", 0)
        fakes = [FakeAsterisk(server.port, "slow", {}) for _ in range(10)]
        results = await asyncio.gather(*(f.run() for f in fakes))
        await server.close()
        return results

    results = asyncio.run(scenario())
    assert inside["most"] == 10
    assert all(r == ["ANSWER", f'SET VARIABLE "{VAR_RESULT}" "{RESULT_OK}"'] for r in results)
