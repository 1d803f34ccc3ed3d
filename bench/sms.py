"""SMS benchmark: 500 inbound SMS in one minute through the real Kannel: prints figures, asserts nothing.

    .venv/bin/python bench/sms.py [--messages 500] [--seconds 60]

A fresh data directory on free loopback ports: Kannel's bearerbox and smsbox (`smsgw`),
Sauti's receiver as its own process (`sauti sms receive`, as `sauti up` runs it), and
Kannel's fakesmsc as the operator, sending --messages SMS evenly over --seconds, each from
its own random +24381... number (fakesmsc -z 1), a Swahili alert with lexicon words and a
locality code (a seed network's monthly volume in a minute). Figures:

- filed: alerts in the store, each with keywords and a priority
- receipted: receipts the operator got back, and those whose delivery report says delivered
- message to alert in the queue: p50 / p95 / max, where message k counts as sent at
  fakesmsc's start + k x interval (fakesmsc paces its sends; it prints no per-message time)
- CPU seconds of the receiver process against Kannel's (bearerbox + smsbox), in the one run
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import smsgw  # noqa: E402
from core.store import Store  # noqa: E402
from tests.fixtures.core import make_data_dir  # noqa: E402
from tests.fixtures.kannel import FAKESMSC, SHORT_CODE, sms_settings  # noqa: E402

TEXT = "Watu wenye silaha wameingia kijiji 1101 usiku, wameteka watoto"
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def wait_for_receiver(config, receiver: subprocess.Popen) -> None:
    """Until `sauti sms receive` listens on its port; SystemExit if it exits or takes 30 s."""
    deadline = time.monotonic() + 30
    while not listening(config.sms.receiver_port):
        if time.monotonic() > deadline or receiver.poll() is not None:
            raise SystemExit("the SMS receiver did not start")
        time.sleep(0.1)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def parse_time(text: str) -> float:
    return dt.datetime.fromisoformat(text).timestamp()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    interval = args.seconds / args.messages
    work = Path(tempfile.mkdtemp(prefix="sauti-bench-sms-"))
    config = make_data_dir(work / "data", sms_settings(concatenation_wait_seconds=300))
    Store.open(config.db_path).close()
    receiver = subprocess.Popen([sys.executable, "-m", "sauti", "--data", str(config.data_dir), "sms", "receive"],
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    fakesmsc = None
    try:
        smsgw.start(config)
        wait_for_receiver(config, receiver)
        pids = smsgw.status(config).pids
        before = {name: cpu_seconds(pid) for name, pid in [("receiver", receiver.pid), *pids.items()]}
        out = work / "fakesmsc.log"
        started = time.time()
        with out.open("wb") as handle:
            fakesmsc = subprocess.Popen([str(FAKESMSC), "-H", "127.0.0.1", "-r", str(config.sms.test_smsc_port),
                                         "-i", f"{interval:.4f}", "-m", str(args.messages), "-z", "1",
                                         f"+24381 {SHORT_CODE} text {TEXT}"], stdout=handle, stderr=subprocess.STDOUT)
        limit = time.monotonic() + args.seconds + 120

        def counts():
            with Store.open(config.db_path, migrate=False) as store:
                filed = store._value("SELECT count(*) FROM alerts")
                delivered = store._value("SELECT count(*) FROM sms_messages WHERE direction = 'out'"
                                         " AND state = 'delivered'")
            return filed, delivered
        filed = delivered = 0
        while time.monotonic() < limit:
            filed, delivered = counts()
            if filed >= args.messages and delivered >= args.messages:
                break
            time.sleep(0.5)
        after = {name: cpu_seconds(pid) for name, pid in [("receiver", receiver.pid), *pids.items()]}
        received = len(re.findall(r"Got message \d+: <", out.read_text(errors="replace")))
        with Store.open(config.db_path, migrate=False) as store:
            rows = store._rows("SELECT created_at, priority, keywords FROM alerts ORDER BY id")
        latencies = [parse_time(row["created_at"]) - (started + k * interval) for k, row in enumerate(rows)]
        scored = sum(1 for row in rows if row["priority"] and row["keywords"] not in ("[]", None))
        print(f"sent: {args.messages} SMS over {args.seconds:.0f} s ({interval * 1000:.0f} ms apart)")
        print(f"filed: {filed}, scored (keywords and priority): {scored}")
        print(f"receipts at the operator: {received}, delivered (delivery report): {delivered}")
        if latencies:
            print(f"message to alert: p50 {statistics.median(latencies) * 1000:.0f} ms, "
                  f"p95 {percentile(latencies, 0.95) * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms")
        print_cpu(before, after)
    finally:
        stop(fakesmsc, receiver, config)


def print_cpu(before: dict, after: dict) -> None:
    """The receiver's CPU seconds against Kannel's (bearerbox + smsbox), between two readings."""
    used = {name: after[name] - before[name] for name in after}
    kannel = sum(v for k, v in used.items() if k != "receiver")
    print(f"CPU seconds: receiver {used['receiver']:.1f}, Kannel {kannel:.1f} "
          f"(bearerbox {used.get('bearerbox', 0):.1f}, smsbox {used.get('smsbox', 0):.1f})")


def stop(fakesmsc, receiver, config) -> None:
    if fakesmsc is not None:
        fakesmsc.terminate()
        fakesmsc.wait()
    receiver.terminate()
    receiver.wait(timeout=30)
    smsgw.stop(config)


if __name__ == "__main__":
    main()
