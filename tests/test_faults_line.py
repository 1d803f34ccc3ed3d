"""Faults on the running line (issue 12), on the session's Asterisk: the IVR killed in
the middle of a call, and a SIP scan while a legitimate call goes on."""

from __future__ import annotations

import subprocess

import pytest

from core.dialplan import EXTEN_ALERT, EXTEN_BEEP, EXTEN_ECHO_TEST, EXTEN_PROMPTS, EXTEN_RADIO, SPOOL_FAILED
from core.model import FLAG_FAILOVER, Source
from core.store import Store
from pbx import logfilter
from tests.fixtures.asterisk import rms, say
from tests.fixtures.core import in_ci, wait_for

pytestmark = pytest.mark.asterisk

LONG_SPEECH = ("Watu wenye silaha wameingia kijijini usiku wa leo. Wamechoma nyumba tatu karibu na soko. "
               "Wanawake na watoto wanakimbia kuelekea mtoni. Tunaomba msaada wa haraka kutoka kwa jeshi.")


def rows(config, sql: str, *args) -> list[tuple]:
    with Store.open(config.db_path) as store:
        return store.conn.execute(sql, args).fetchall()


def test_ivr_killed_mid_call_the_failure_path_records_and_the_ivr_imports_it(asterisk, ivr_running, tmp_path):
    config = asterisk.config
    speech = say(LONG_SPEECH, "sw", tmp_path / "long.wav")
    (last_call,) = rows(config, "SELECT coalesce(max(id), 0) FROM calls")[0]
    (last_alert,) = rows(config, "SELECT coalesce(max(id), 0) FROM alerts")[0]
    # The caller talks from the moment the line answers, as a panicked caller does.
    call = asterisk.start_call(EXTEN_ALERT, "test-phone-7", f"play {speech}; play {speech}; hangup")
    ((channel,),) = wait_for(lambda: rows(config, "SELECT channel FROM calls WHERE id > ?", last_call), 20,
                             "the alert flow to start")
    ivr_running.proc.kill()
    ivr_running.proc.wait(timeout=10)

    result = call.result(timeout=120)
    assert result.answered and not result.remote_hangup, result.events
    spool = config.spool_dir / SPOOL_FAILED
    wait_for(lambda: [m for m in spool.glob("*.meta") if f"channel={channel}" in m.read_text()
                      and "ended=" in m.read_text()], 15, "the failure path's record of the call")
    ivr_running.start()
    ((alert_id,),) = wait_for(lambda: rows(config, "SELECT a.id FROM alerts a JOIN calls c ON c.id = a.call_id "
                                                   "WHERE a.id > ? AND c.channel = ?", last_alert, channel),
                              20, "the import")
    with Store.open(config.db_path) as store:
        alert = store.get_alert(alert_id)
        (recording,) = store.recordings_for(alert_id)
    assert alert["source"] == Source.FAILOVER and FLAG_FAILOVER in alert["flags"]
    assert recording["duration"] > 3.0 and rms(config.data_dir / recording["path"]) > 0.02, \
        "the caller's words, after the apology"


SCAN_INVITE = """<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="unknown users calling">
  <send retrans="500"><![CDATA[
INVITE sip:[field1]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: "[field0]" <sip:[field0]@[local_ip]:[local_port]>;tag=scan[call_number]
To: <sip:[field1]@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: <sip:[field0]@[local_ip]:[local_port]>
Max-Forwards: 70
User-Agent: friendly-scanner
Content-Type: application/sdp
Content-Length: [len]

v=0
o=scan 1 1 IN IP4 [local_ip]
s=-
c=IN IP4 [local_ip]
t=0 0
m=audio [media_port] RTP/AVP 0
a=rtpmap:0 PCMU/8000
]]></send>
  <recv response="100" optional="true"/>
  <recv response="401" optional="true" next="ack"/>
  <recv response="403" optional="true" next="ack"/>
  <recv response="404" next="ack"/>
  <label id="ack"/>
  <send><![CDATA[
ACK sip:[field1]@[remote_ip]:[remote_port] SIP/2.0
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
CSeq: 1 ACK
Max-Forwards: 70
Content-Length: 0
]]></send>
</scenario>
"""

SCAN_OPTIONS = """<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="options flood">
  <send retrans="500"><![CDATA[
OPTIONS sip:[field1]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:[field0]@[local_ip]:[local_port]>;tag=scan[call_number]
To: <sip:[field1]@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 OPTIONS
Max-Forwards: 70
User-Agent: friendly-scanner
Content-Length: 0
]]></send>
  <recv response="200" optional="true" next="end"/>
  <recv response="401" optional="true" next="end"/>
  <recv response="404" next="end"/>
  <label id="end"/>
</scenario>
"""

# What a scanner tries: invented names, numbers, the line's own naming scheme, every extension.
STRANGERS = ["100", "admin", "anonymous", "+243990000000", "test-phone-999", "radio-nowhere", "sauti", "trunk"]
EXTENSIONS = [EXTEN_ALERT, EXTEN_RADIO, EXTEN_BEEP, EXTEN_PROMPTS, EXTEN_ECHO_TEST, "s"]
SCAN_CALLS = 300      # per scenario
SCAN_RATE = 150       # per second
SCAN_SECONDS = 30     # sipp quits after this whatever happens


def sipp(config, scenario: str, folder, calls: int) -> subprocess.Popen:
    import shutil

    if shutil.which("sipp") is None:
        if in_ci():
            pytest.fail("sipp is needed in CI (Debian package sip-tester)")
        pytest.skip("sipp is not installed (apt-get install sip-tester)")
    xml = folder / "scenario.xml"
    xml.write_text(scenario)
    users = folder / "users.csv"
    users.write_text("RANDOM\n" + "".join(f"{who};{exten};\n" for who in STRANGERS for exten in EXTENSIONS))
    argv = ["sipp", f"127.0.0.1:{config.asterisk.sip_port}", "-i", "127.0.0.1", "-sf", str(xml), "-inf", str(users),
            "-m", str(calls), "-r", str(SCAN_RATE), "-l", "100", "-timeout", f"{SCAN_SECONDS}s", "-nostdin",
            "-recv_timeout", "5000"]
    return subprocess.Popen(argv, cwd=folder, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)


def test_a_sip_scan_reaches_no_flow_and_legitimate_calls_go_on(asterisk, tmp_path):
    config = asterisk.config
    (calls_before,) = rows(config, "SELECT count(*) FROM calls")[0]
    spool = config.spool_dir / SPOOL_FAILED
    metas_before = set(spool.glob("*.meta"))
    security = asterisk.paths.log / logfilter.SECURITY_LOG
    rejections_before = security.read_text().count("InvalidAccountID") if security.exists() else 0

    scans = []
    for name, scenario in (("invite", SCAN_INVITE), ("options", SCAN_OPTIONS)):
        folder = tmp_path / name
        folder.mkdir()
        scans.append(sipp(config, scenario, folder, SCAN_CALLS))
    # Meanwhile a real caller uses the line: the echo test answers and plays its prompt.
    heard = tmp_path / "heard.wav"
    result = asterisk.call(EXTEN_ECHO_TEST, "test-phone-8", "listen 3; hangup", record=heard, timeout=60)
    for scan in scans:
        _, errors = scan.communicate(timeout=SCAN_SECONDS + 30)
        assert scan.returncode in (0, 1), errors  # 1: some scanner calls "failed", which is the point
    assert result.ok, result.events
    assert rms(heard, 0.5) > 0.01, "the legitimate caller heard the prompt during the scan"

    assert rows(config, "SELECT count(*) FROM calls")[0][0] == calls_before, "no scanner call reached a flow"
    assert set(spool.glob("*.meta")) == metas_before, "nor the failure path"
    rejected = wait_for(lambda: security.read_text().count("InvalidAccountID") - rejections_before >= SCAN_CALLS // 2
                        and security.read_text(), 10, "the scan in the security log")
    assert "friendly" not in rejected and "+243990000000" not in rejected, "no claimed identity kept"
