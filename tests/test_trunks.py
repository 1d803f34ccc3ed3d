"""Trunks: every template (operator by registration and by address, GSM gateway, radio
patch) loads in the real Asterisk, and a call goes in and out through a simulated
operator (sipp on 127.0.0.3): its beep reaches the IVR, the dialler's call-back reaches
the operator through the trunk's contact."""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from core import secrets
from core.identity import pseudonym
from core.store import Store
from tests.fixtures.asterisk import AsteriskLine, free_ports
from tests.fixtures.core import free_port, wait_for
from tests.fixtures.ivr import IvrProcess
from tests.fixtures.prompts import require_tools

pytestmark = pytest.mark.asterisk

TRUNK_PORTS = (5660, 5638, 5173, 22000)
OPERATOR = "127.0.0.3"          # the simulated operator's address
CALLER = "0990001111"           # the number the operator presents for its caller
DID = "5551"                    # the number the caller dialled at the operator


def sauti(config, *args: str) -> str:
    result = subprocess.run([sys.executable, "-m", "sauti", "--data", str(config.data_dir), *args],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def operator_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def line(tmp_path_factory, asterisk_prompts, operator_port):
    overrides = free_ports(TRUNK_PORTS)
    overrides["dialler"] = {"trunk_channel": "PJSIP/{number}@op", "callback_delay_seconds": 1,
                            "calling_hours": "00:00-24:00", "max_attempts": 1, "ring_seconds": 10}
    data_dir = tmp_path_factory.mktemp("trunks") / "data"
    with AsteriskLine.started(data_dir, asterisk_prompts, overrides) as line:
        config = line.config
        sauti(config, "trunk", "operator", "op", "--host", OPERATOR, "--port", str(operator_port), "--inbound", "beep")
        sauti(config, "trunk", "operator", "opreg", "--host", "127.0.0.4", "--username", "sauti-line",
              "--password", "s3cret-pass", "--inbound", "alert")
        sauti(config, "trunk", "gsm", "goip", "--ports", "2", "--inbound", "alert")
        sauti(config, "trunk", "radio", "beni")
        yield line


def test_every_trunk_template_loads(line):
    config = line.config
    assert sauti(config, "trunk", "list").split() == ["beni", "goip", "op", "opreg"]
    endpoints = line.cli("pjsip show endpoints")
    for endpoint in ("op", "opreg", "goip-1", "goip-2", "radio-beni"):
        assert f" {endpoint} " in endpoints or f" {endpoint}/" in endpoints, endpoints
    # The operator trunks have a contact to dial; the registering one registers.
    assert f"sip:{OPERATOR}:" in line.cli("pjsip show aor op")
    assert "sip:127.0.0.4:5060" in line.cli("pjsip show registrations")
    assert "Goto(sauti-phones,300,1)" in line.cli("dialplan show sauti-trunk-op")
    assert "Goto(sauti-radio,200,1)" in line.cli("dialplan show sauti-trunk-beni")
    shown = line.cli("pjsip show endpoint radio-beni")
    assert re.search(r"SAUTI_STATION\s*:\s*beni", shown), shown
    for path in (config.data_dir / "trunks").iterdir():
        assert path.stat().st_mode & 0o777 == 0o600, path
    # A GSM port registers with its own account, as the gateway would.
    password = secrets.endpoint_password(config, "goip-2")
    assert password in sauti(config, "trunk", "show", "goip")


UAC = """<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="operator caller">
  <send retrans="500"><![CDATA[
INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:{caller}@[local_ip]:[local_port]>;tag=[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: <sip:{caller}@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Type: application/sdp
Content-Length: [len]

v=0
o=op 1 1 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 0
a=rtpmap:0 PCMU/8000
]]></send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="183" optional="true"/>
  <recv response="403" />
  <send><![CDATA[
ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:{caller}@[local_ip]:[local_port]>;tag=[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: 1 ACK
Content-Length: 0
]]></send>
</scenario>
"""

UAS_BUSY = """<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="operator, its subscriber busy">
  <recv request="INVITE" />
{ringing}
  <pause milliseconds="500"/>
{busy}
  <recv request="ACK" />
</scenario>
"""


def response(status: str) -> str:
    """A sipp <send> answering the INVITE just received with `status`."""
    headers = "[last_Via:]\n[last_From:]\n[last_To:];tag=[call_number]\n[last_Call-ID:]\n[last_CSeq:]"
    return f"  <send><![CDATA[\nSIP/2.0 {status}\n{headers}\nContent-Length: 0\n]]></send>"


def test_a_beep_through_the_operator_trunk_is_called_back_through_it(line, operator_port, tmp_path):
    require_tools("sipp")
    binary = shutil.which("sipp")
    config = line.config
    ivr = IvrProcess(config)
    ivr.start()
    dialler_log = tmp_path / "dialler.log"
    with open(dialler_log, "w") as log:
        dialler = subprocess.Popen([sys.executable, "-m", "sauti", "--data", str(config.data_dir), "dialler"],
                                   stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    (tmp_path / "uac.xml").write_text(UAC.replace("{caller}", CALLER))
    (tmp_path / "uas.xml").write_text(UAS_BUSY.format(ringing=response("180 Ringing"), busy=response("486 Busy Here")))
    operator = subprocess.Popen([binary, "-sf", str(tmp_path / "uas.xml"), "-i", OPERATOR, "-p", str(operator_port),
                                 "-m", "1", "-timeout", "90s", "-trace_msg", "-message_file",
                                 str(tmp_path / "uas.msg"), "-nostdin"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp_path)
    try:
        wait_for(lambda: "AMI logged in" in dialler_log.read_text() or dialler.poll() is not None, 60, "the dialler")
        assert dialler.poll() is None, dialler_log.read_text()
        caller = subprocess.run([binary, f"127.0.0.1:{config.asterisk.sip_port}", "-sf", str(tmp_path / "uac.xml"),
                                 "-i", OPERATOR, "-p", str(free_port()), "-s", DID, "-m", "1", "-timeout", "30s",
                                 "-nostdin"], capture_output=True, text=True, timeout=60, cwd=tmp_path)
        assert caller.returncode == 0, caller.stdout[-2000:] + caller.stderr
        who = pseudonym(secrets.pseudonym_key(config), CALLER)
        with Store.open(config.db_path) as store:
            assert wait_for(lambda: store.callbacks_for_caller(who), 30, "the beep's call-back to be queued")
        # The dialler's call reaches the operator at the trunk's contact, for the caller's number.
        assert operator.wait(timeout=90) == 0
        invite = Path(tmp_path / "uas.msg").read_text()
        assert f"INVITE sip:{CALLER}@{OPERATOR}:{operator_port}" in invite, invite[:2000]
        with Store.open(config.db_path) as store:
            callback = store.callbacks_for_caller(who)[0]
            attempts = wait_for(lambda: [a for a in store.callback_attempts(callback["id"]) if a.get("result")], 30,
                                "the attempt's outcome")
        # The operator's 486 ends the attempt (AMI reports it as a failed originate, not "busy").
        assert len(attempts) == 1 and attempts[0]["result"] in ("busy", "failed"), attempts
        assert "No URI available" not in line.log_text()
    finally:
        for process in (operator, dialler):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=30)
        ivr.stop()
