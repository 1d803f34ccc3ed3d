"""What the readiness probe costs: the `ready` flow's FastAGI round trip against a real IVR.

    .venv/bin/python bench/readiness.py [--probes 500] [--concurrency 1,20,100]

Each inbound line asks the IVR for its `ready` flow before it answers (dialplans/
extensions.conf, `hold`), and `sauti ready` / `sauti status` ask the same; so every
inbound call pays one such session more. Starts `sauti ivr` on a fresh data directory
(free loopback port), then times `--probes` probes at each concurrency (as many callers
arriving together) with sauti/readiness.py's own probe. Prints p50/p95/p99 and the
slowest, in milliseconds, and the machine's load average first (it is shared).
Asserts nothing; run on demand.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sauti.readiness import probe_ivr  # noqa: E402
from tests.fixtures.core import free_port, make_data_dir  # noqa: E402


def timed_probe(port: int) -> float:
    started = time.perf_counter()
    problem = probe_ivr("127.0.0.1", port)
    if problem:
        raise RuntimeError(problem)
    return (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--probes", type=int, default=500)
    parser.add_argument("--concurrency", default="1,20,100")
    args = parser.parse_args()
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory(prefix="sauti-bench-ready-") as workdir:
        config = make_data_dir(Path(workdir) / "data", {"ivr": {"agi_port": free_port()}})
        ivr = subprocess.Popen([sys.executable, "-m", "sauti", "--data", str(config.data_dir), "ivr"],
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 30
            while probe_ivr("127.0.0.1", config.ivr.agi_port, timeout=1):
                if time.monotonic() > deadline or ivr.poll() is not None:
                    sys.exit("the IVR did not serve its ready flow within 30 s")
                time.sleep(0.05)
            for concurrency in (int(c) for c in args.concurrency.split(",")):
                with ThreadPoolExecutor(concurrency) as pool:
                    times = sorted(pool.map(timed_probe, [config.ivr.agi_port] * args.probes))
                cuts = statistics.quantiles(times, n=100)
                print(f"concurrency {concurrency:>3}: {len(times)} probes, p50 {cuts[49]:.1f} ms, "
                      f"p95 {cuts[94]:.1f} ms, p99 {cuts[98]:.1f} ms, slowest {times[-1]:.1f} ms")
        finally:
            ivr.terminate()
            ivr.wait(timeout=40)


if __name__ == "__main__":
    main()
