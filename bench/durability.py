"""What making an alert durable costs: filing alerts as the IVR does, with and without it.

    .venv/bin/python bench/durability.py [--alerts 200] [--seconds 7.4]

In a fresh data directory (under $TMPDIR: put it on the disk the line uses), each alert is
a take of `--seconds` written as Asterisk leaves it, then filed the way the IVR files it
(`ivr.audio.facts`, then `file_alert` in one transaction on the IVR's store thread's
connection). Two ways, interleaved in blocks so a busy machine weighs on both alike:

- durable (the line now): the recording and its folders fsynced (core/durable.py), the
  store at `synchronous = FULL` (one WAL sync per commit);
- as before: neither (`synchronous = NORMAL`, the page cache trusted).

Prints per alert the filing time p50 / p95 / p99 and how many alerts a second one store
thread files back to back, for each way. Asserts nothing; run on demand.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

import core.store  # noqa: E402
import ivr.audio  # noqa: E402
from core.audio.wav import write_wav  # noqa: E402
from core.model import Source  # noqa: E402
from core.store import Store  # noqa: E402

RATE = 8000
BLOCK = 20


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def file_alerts(data_dir: Path, store: Store, samples: np.ndarray, count: int) -> list[float]:
    folder = data_dir / "recordings" / "2026" / "12"
    folder.mkdir(parents=True, exist_ok=True)
    times = []
    for _ in range(count):
        take = folder / f"{time.time_ns()}.wav"
        write_wav(take, samples, RATE)   # as Asterisk leaves it: written, closed, in the page cache
        started = time.perf_counter()
        facts = ivr.audio.facts(take, data_dir)
        call = store.create_call(Source.PHONE, caller_pseudonym="C-BENCH")
        store.file_alert(call, facts, language="sw")
        times.append((time.perf_counter() - started) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--alerts", type=int, default=200, help="alerts filed each way")
    parser.add_argument("--seconds", type=float, default=7.4, help="length of each take")
    args = parser.parse_args()
    print(f"{time.strftime('%Y-%m-%d %H:%M %Z')}, {os.cpu_count()} cores, load average "
          + " ".join(f"{x:.1f}" for x in os.getloadavg()) + f", under {tempfile.gettempdir()}")
    rng = np.random.default_rng(1)
    samples = (rng.standard_normal(int(args.seconds * RATE)) * 3000).astype(np.int16)
    durable_fsync = ivr.audio.make_durable
    ways = {"durable (fsync + FULL)": ("FULL", durable_fsync),
            "as before (NORMAL, no fsync)": ("NORMAL", lambda path, root: None)}
    work = Path(tempfile.mkdtemp(prefix="sauti-bench-durability-"))
    try:
        stores, times = {}, {name: [] for name in ways}
        for name, (synchronous, _) in ways.items():
            data_dir = work / name.split()[0]
            data_dir.mkdir()
            core.store.SYNCHRONOUS = synchronous
            stores[name] = (data_dir, Store.open(data_dir / "sauti.db"))
        for _ in range(0, args.alerts, BLOCK):
            for name, (_, fsync) in ways.items():
                ivr.audio.make_durable = fsync
                data_dir, store = stores[name]
                times[name] += file_alerts(data_dir, store, samples, min(BLOCK, args.alerts - len(times[name])))
        for name, values in times.items():
            print(f"  {name}: filing an alert p50 {percentile(values, 50):.1f} ms, p95 {percentile(values, 95):.1f} ms,"
                  f" p99 {percentile(values, 99):.1f} ms; {1000 * len(values) / sum(values):.0f} alerts a second"
                  f" back to back (n={len(values)})")
        for _, store in stores.values():
            store.close()
    finally:
        ivr.audio.make_durable = durable_fsync
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
