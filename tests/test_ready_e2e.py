"""Ready means the line answers (issue 23): a call placed the moment `sauti up` says
"Sauti is up" reaches the alert flow, start after start; a call placed while the IVR is
still starting is left ringing, unanswered, and then served instead of apologised to."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest

import pbx
from core.dialplan import EXTEN_ALERT, FLOW_READY, SPOOL_FAILED
from core.store import Store
from tests.fixtures.asterisk import AsteriskLine, free_ports
from tests.fixtures.core import free_port, in_ci, make_data_dir, wait_for

pytestmark = pytest.mark.asterisk

READY_PORTS = (5560, 5538, 5073, 21000)
STARTS = 5
# The caller keys Kiswahili; the IVR's alert flow files the call as it starts.
SCRIPT = "wait 1; dtmf 1; listen 2; hangup"


def phone_calls(config, endpoint: str) -> list[dict]:
    """The calls the IVR's flows filed from `endpoint` (the channel names the phone)."""
    with Store.open(config.db_path) as store:
        return [dict(row) for row in store.conn.execute(
            "SELECT * FROM calls WHERE source = 'phone' AND channel LIKE ?", (f"PJSIP/{endpoint}-%",))]


def failure_path_calls(config, endpoint: str) -> list:
    spool = config.spool_dir / SPOOL_FAILED
    return [m for m in spool.glob("*.meta") if f"PJSIP/{endpoint}-" in m.read_text()] if spool.is_dir() else []


def refused(config) -> int:
    """How often Asterisk found nothing listening on the IVR's port (its messages.log)."""
    log = pbx.paths(config).log / "messages.log"
    return log.read_text(errors="replace").count("Connection refused") if log.exists() else 0


def test_a_call_at_the_instant_of_readiness_reaches_the_alert_flow_start_after_start(tmp_path, asterisk_prompts):
    overrides = free_ports(READY_PORTS)
    overrides["web"] = {"port": free_port()}
    overrides["prompts"] = {"dir": str(asterisk_prompts)}
    config = make_data_dir(tmp_path / "data", overrides)
    to_ready = []
    for start in range(1, STARTS + 1):
        log_path = tmp_path / f"up-{start}.log"
        launched = time.monotonic()
        with open(log_path, "w") as log:
            process = subprocess.Popen([sys.executable, "-m", "sauti", "--data", str(config.data_dir), "up"],
                                       stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        try:
            wait_for(lambda: "Sauti is up" in log_path.read_text() or process.poll() is not None, 180,
                     f"`sauti up` to say the line is up (start {start})")
            to_ready.append(time.monotonic() - launched)
            if process.poll() is not None and "needs root" in log_path.read_text() and not in_ci():
                pytest.skip("Asterisk needs root here")
            assert process.poll() is None, log_path.read_text()
            endpoint = f"test-phone-{start}"
            refusals = refused(config)
            call = AsteriskLine(config).start_call(EXTEN_ALERT, endpoint, SCRIPT)
            wait_for(lambda: phone_calls(config, endpoint), 30, f"the alert flow to take the call (start {start})")
            result = call.result(timeout=60)
            assert result.answered, result.events
            assert refused(config) == refusals, f"start {start}: Asterisk found the IVR not listening"
            assert failure_path_calls(config, endpoint) == [], f"start {start}: the call took the failure path"
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=90)
            pbx.stop(config)
        assert "Sauti is down." in log_path.read_text()
    print(f"`sauti up` to 'Sauti is up', {STARTS} starts: " + ", ".join(f"{s:.1f}" for s in to_ready) + " s",
          file=sys.stderr)


def test_a_call_while_the_ivr_is_starting_rings_then_reaches_the_alert_flow(asterisk, ivr_running):
    config = asterisk.config
    endpoint = "test-phone-9"
    ivr_running.stop()
    refusals = refused(config)
    placed = time.monotonic()
    call = asterisk.start_call(EXTEN_ALERT, endpoint, SCRIPT, answer_timeout=30)
    # The line asks for the IVR every half second; a few refusals mean the caller has waited a while.
    wait_for(lambda: asterisk.log_text().count(f"/{FLOW_READY}': Connection refused") >= 3
             and refused(config) >= refusals + 3, 20, "the line to find the IVR down, three times")
    (channel,) = [line for line in asterisk.channels() if f"PJSIP/{endpoint}-" in line]
    assert channel.split("!")[4] != "Up", f"held unanswered while the IVR is down: {channel}"
    ivr_running.start()
    served_from = time.monotonic() - placed
    wait_for(lambda: phone_calls(config, endpoint), 30, "the alert flow to take the held call")
    result = call.result(timeout=60)
    assert result.answered, result.events
    # Not answered while the IVR was down: the caller heard ringing, which costs them nothing.
    assert result.answered_at >= served_from - 0.5, (result.answered_at, served_from)
    assert failure_path_calls(config, endpoint) == [], "held, not apologised to"
    print(f"held {result.answered_at:.1f} s while the IVR started, then answered by the alert flow",
          file=sys.stderr)
