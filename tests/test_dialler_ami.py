"""The AMI client against a real Asterisk of this module's own (the tests restart it)."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import threading

import pytest

import pbx
from core import dialplan
from dialler.ami import AmiClient, AmiDisconnected, AmiSettings, AmiTimeout, OriginateResult
from tests.fixtures.asterisk import PRIVATE_PORTS, AsteriskLine, free_ports, make_test_prompts
from tests.fixtures.core import free_port, wait_for

pytestmark = pytest.mark.asterisk

FAST = {"action_timeout": 3.0, "backoff": (0.2, 0.5, 1.0)}


@pytest.fixture(scope="module")
def line(tmp_path_factory):
    prompts = make_test_prompts(tmp_path_factory.mktemp("short-prompts"), only=("welcome",))
    data_dir = tmp_path_factory.mktemp("ami-line") / "data"
    with AsteriskLine.started(data_dir, prompts, free_ports(PRIVATE_PORTS)) as started:
        yield started


async def until(condition, timeout: float, what: str):
    """The asyncio twin of wait_for: poll without blocking the loop the client runs on."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(0.05)


def test_events_flow_again_after_asterisk_restarts(line):
    async def scenario():
        client = AmiClient(AmiSettings.from_config(line.config, **FAST))
        seen: list[str] = []
        client.on_event("UserEvent", lambda event: seen.append(event.get("UserEvent")))
        await client.start()
        try:
            await client.wait_connected(10)
            await client.action("Ping")
            await client.action("UserEvent", UserEvent="before")
            await until(lambda: "before" in seen, 5, "the first user event")

            await asyncio.to_thread(pbx.stop, line.config)
            await until(lambda: not client.connected.is_set(), 10, "the client to notice Asterisk stopped")
            with pytest.raises(AmiDisconnected):
                await client.action("Ping")
            await asyncio.to_thread(pbx.start, line.config)
            await client.wait_connected(20)
            assert client.logins == 2
            await client.action("UserEvent", UserEvent="after")
            await until(lambda: "after" in seen, 5, "a user event after the restart")
        finally:
            await client.close()

    asyncio.run(scenario())


def test_originate_reports_how_the_call_ended(line):
    async def scenario():
        client = AmiClient(AmiSettings.from_config(line.config, **FAST))
        await client.start()
        try:
            await client.wait_connected(20)
            # A channel that answers at once: the echo test through a Local channel.
            answered = await client.originate(f"Local/{dialplan.EXTEN_ECHO_TEST}@{dialplan.CONTEXT_PHONES}",
                                              dialplan.CONTEXT_PHONES, dialplan.EXTEN_ECHO_TEST,
                                              ring_seconds=5)
            # A phone that is not registered cannot be reached.
            unreachable = await client.originate("PJSIP/test-phone-9", dialplan.CONTEXT_PHONES,
                                                 dialplan.EXTEN_ECHO_TEST, ring_seconds=5)
        finally:
            await client.close()
        return answered, unreachable

    answered, unreachable = asyncio.run(scenario())
    assert answered == OriginateResult.ANSWERED
    assert unreachable in (OriginateResult.FAILED, OriginateResult.CONGESTION)


def test_every_action_has_a_timeout():
    """A peer that greets and then never answers: login times out, the client retries."""
    port = free_port()
    server = socket.create_server(("127.0.0.1", port))
    accepted: list[socket.socket] = []

    def serve():
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            conn.sendall(b"Asterisk Call Manager/9.0.0\r\n")
            accepted.append(conn)

    threading.Thread(target=serve, daemon=True).start()

    async def scenario():
        settings = AmiSettings("127.0.0.1", port, "sauti", "x", action_timeout=0.3, backoff=(0.1,))
        client = AmiClient(settings)
        await client.start()
        try:
            with pytest.raises(AmiTimeout):
                await client.wait_connected(1.5)
        finally:
            await client.close()

    try:
        asyncio.run(scenario())
    finally:
        server.close()
        for conn in accepted:
            conn.close()
    assert len(accepted) >= 2, "it gave up the silent connection and tried again"


def test_sauti_dialler_runs_alone(line):
    proc = subprocess.Popen([sys.executable, "-m", "sauti", "--data", str(line.config.data_dir), "dialler"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stderr), daemon=True)
    reader.start()
    try:
        wait_for(lambda: any("AMI logged in" in text for text in lines) or proc.poll() is not None, 60,
                 "the dialler to log in")
        assert proc.poll() is None, "".join(lines)
    finally:
        proc.terminate()
        code = proc.wait(timeout=30)
        reader.join(5)
        proc.stderr.close()
    assert code == 0, "".join(lines)
    assert any("dialler stopped" in text for text in lines)
