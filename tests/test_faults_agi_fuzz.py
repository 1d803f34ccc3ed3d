"""The AGI layer fuzzed (issue 12): whatever Asterisk, or something posing as it, sends,
the parser answers with a result or one of its own errors (AgiError), never another
exception, so the server can always send the call to the failure path."""

from __future__ import annotations

import asyncio

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ivr.agi import AgiError, Call, Recording, Response, parse_response

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Lines shaped like Asterisk's, so the fuzzer reaches past the first check, and free text.
codes = st.sampled_from(["200", "510", "511", "520", "520-", "999", "20", "2000", "٢٠٠"])
results = st.one_of(st.integers(-(10**30), 10**30).map(str), st.text(max_size=8),
                    st.sampled_from(["", "-1", "²³", "٤٠٢١"]))
datas = st.sampled_from(["", " (timeout)", " (dtmf)", " (hangup)", " (", " (x)"]) | st.text(max_size=12)
extras = st.lists(st.sampled_from(["endpos=", "endpos=12", "endpos=x", "endpos=-3", "=", "a=b=c", "endpos=99999999999999999999"]),
                  max_size=3).map(" ".join)
agi_lines = st.one_of(
    st.builds(lambda c, r, d, e: f"{c} result={r}{d} {e}".rstrip(), codes, results, datas, extras),
    st.sampled_from(["HANGUP", "520-Invalid command syntax.", "520 End of proper usage.", ""]),
    st.text(max_size=60).map(lambda t: t.replace("\n", " ")),
)
replies = st.lists(agi_lines, max_size=6).map(lambda lines: "".join(line + "\n" for line in lines).encode())
raw_bytes = st.binary(max_size=300)


class _Writer:
    def write(self, data: bytes) -> None:
        pass

    async def drain(self) -> None:
        pass

    def close(self) -> None:
        pass

    async def wait_closed(self) -> None:
        pass


def _reader(data: bytes, limit: int = 2**16) -> asyncio.StreamReader:
    reader = asyncio.StreamReader(limit=limit)
    reader.feed_data(data)
    reader.feed_eof()
    return reader


COMMANDS = [
    lambda call: call.answer(),
    lambda call: call.stream_file("/prompts/sw/welcome", "123"),
    lambda call: call.wait_for_digit(1000),
    lambda call: call.get_data("/prompts/sw/menu", 3000, 6),
    lambda call: call.record_file("/spool/x", silence_seconds=5),
    lambda call: call.say_digits("4021"),
    lambda call: call.set_variable("SAUTI_RESULT", "ok"),
    lambda call: call.get_variable("SAUTI_LANGUAGE"),
    lambda call: call.exec("Playback", "beep"),
    lambda call: call.is_alive(),
    lambda call: call.hangup(),
]


@FUZZ
@given(st.text(max_size=120))
def test_parse_response_returns_or_raises_a_protocol_error(line):
    try:
        response = parse_response(line)
    except AgiError:
        return
    assert isinstance(response, Response) and 100 <= response.code <= 999
    assert isinstance(response.value, int)


@FUZZ
@given(st.sampled_from(range(len(COMMANDS))), replies)
def test_every_command_answers_or_raises_an_agi_error(index, reply):
    async def scenario():
        call = Call(_reader(reply), _Writer(), {"agi_channel": "PJSIP/fuzz-00000001"})
        try:
            outcome = await COMMANDS[index](call)
        except AgiError:
            return
        assert outcome is None or isinstance(outcome, (str, int, bool, tuple, Recording))
        if isinstance(outcome, str) and index in (1, 2, 5):  # a key pressed, or none
            assert outcome == "" or outcome in "0123456789*#ABCD"
        if index == 3:  # digits typed: ASCII only, whatever the line sent
            assert outcome[0] == "" or (outcome[0].isascii() and outcome[0].isdigit())

    asyncio.run(scenario())


@FUZZ
@given(raw_bytes | replies, st.sampled_from([64, 2**16]))
def test_the_agi_environment_is_read_or_refused(data, limit):
    async def scenario():
        try:
            call = await Call.accept(_reader(data, limit), _Writer())
        except AgiError:
            return
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in call.env.items())
        assert isinstance(call.flow_name, str)

    asyncio.run(scenario())


def test_a_line_longer_than_the_buffer_is_a_protocol_error():
    async def scenario():
        call = Call(_reader(b"200 result=" + b"1" * 200 + b"\n", limit=64), _Writer(), {})
        try:
            await call.answer()
        except AgiError:
            return "refused"

    assert asyncio.run(scenario()) == "refused"
