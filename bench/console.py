"""Console benchmark over HTTP: the console as deployed (`sauti web`: waitress, gzip pages),
one verifier and ten at once, at 10,000, 100,000 and 1,000,000 alerts.

    .venv/bin/python bench/console.py [--sizes 10000,100000,1000000] [--samples 100] [--data DIR]

The database grows in one data directory through the bulk filler (bench/fill.py: the
store's own schema, two years of alerts, closed ones past [retention] days already
purged). At each size the console is started as `sauti web` starts it, logged into by
every session (a real login, cookies, CSRF), and each page of bench/pages.py is fetched
`--samples` times by one session, then by ten sessions at once; p50 and p95 are printed
per page, request to last byte, gzip asked for as browsers ask. At the largest size it
also times the daily purge, a backup and a migration that adds an index, and prints the
database's size per 100,000 alerts. Target: p95 < 100 ms for every page, one or ten.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote, urlencode

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.fill import fill  # noqa: E402
from bench.pages import facts_of, pages  # noqa: E402
from core import api_tokens, retention  # noqa: E402
from core.backup import backup  # noqa: E402
from core.config import load  # noqa: E402
from core.identity import hash_password  # noqa: E402
from core.store import Store  # noqa: E402

TARGET_MS = 100
PASSWORD = "bench-password"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Console:
    """`sauti web` on a free loopback port, as deployed; stopped with SIGTERM."""

    def __init__(self, data: Path, threads: int):
        self.port = free_port()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "sauti", "--data", str(data), "web", "--port", str(self.port),
             "--threads", str(threads)], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while True:
            if self.process.poll() is not None:
                raise SystemExit(f"sauti web stopped: {self.process.stderr.read().decode()[-2000:]}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit("sauti web did not listen within 60 s") from None
                time.sleep(0.1)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


class Session:
    """One verifier's browser: its own connection, cookie and CSRF token."""

    def __init__(self, port: int, username: str, token: str):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.cookie, self.token = "", token
        page = self.request("GET", "/login")
        csrf = CSRF.search(page).group(1)
        self.request("POST", "/login", urlencode({"username": username, "password": PASSWORD, "csrf_token": csrf}),
                     expect=302)

    def request(self, method: str, url: str, body: str | None = None, expect: int = 200) -> str:
        headers = {"Accept-Encoding": "gzip", "Cookie": self.cookie, "Authorization": f"Bearer {self.token}"}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.conn.request(method, quote(url, safe="/?=&*+%"), body=body, headers=headers)
        response = self.conn.getresponse()
        data = response.read()
        if response.status != expect:
            raise SystemExit(f"{method} {url}: HTTP {response.status}, expected {expect}")
        if response.getheader("Set-Cookie"):
            self.cookie = response.getheader("Set-Cookie").split(";", 1)[0]
        if response.getheader("Content-Encoding") == "gzip":
            import gzip

            data = gzip.decompress(data)
        return data.decode("utf-8", "replace")

    def timed(self, url: str) -> float:
        started = time.perf_counter()
        self.request("GET", url)
        return (time.perf_counter() - started) * 1000


def percentiles(samples: list[float]) -> tuple[float, float]:
    samples = sorted(samples)
    return statistics.median(samples), samples[min(len(samples) - 1, int(round(0.95 * len(samples))) - 1)]


def measure(sessions: list[Session], make_url, samples: int, seed: int, budget: float) -> tuple[float, float, int]:
    """Every session fetches its share of `samples` at once, each stopping early once `budget`
    seconds have gone (a page of several seconds); the latencies of all together, and how many."""
    found: list[float] = []
    lock = threading.Lock()
    deadline = time.monotonic() + budget

    def run(session: Session, count: int, rng: random.Random) -> None:
        mine = []
        while len(mine) < count and (not mine or time.monotonic() < deadline):
            mine.append(session.timed(make_url(rng)))
        with lock:
            found.extend(mine)

    share = max(1, samples // len(sessions))
    for session in sessions:   # warm: templates compiled, pages cached as a used console has them
        session.timed(make_url(random.Random(seed)))
    threads = [threading.Thread(target=run, args=(s, share, random.Random(seed + i))) for i, s in enumerate(sessions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return (*percentiles(found), len(found))


def prepare(data: Path, alerts: int) -> tuple[object, str]:
    from tests.fixtures.core import make_data_dir

    config = load(data) if (data / "config.toml").exists() else make_data_dir(data)
    started = time.perf_counter()
    added = fill(config.db_path, alerts, progress=lambda line: print(line, file=sys.stderr))
    if added:
        print(f"filled {added} alerts in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    with Store.open(config.db_path) as store:
        for n in range(10):
            if store.get_user(f"bench{n}") is None:
                store.add_user(f"bench{n}", hash_password(PASSWORD), "admin", actor="bench")
    api_tokens.remove(config, "bench")   # shown once when made: a new one each run
    return config, api_tokens.add(config, "bench")


def bench_size(config, token: str, samples: int, concurrency: list[int], seed: int, budget: float) -> dict:
    with Store.open(config.db_path) as store:
        facts = facts_of(store)
        waiting = store.queue_stats()["waiting"]
    print(f"\n== {facts.alerts:,} alerts ({waiting:,} waiting), {samples} samples a page,"
          f" {os.path.getsize(config.db_path) / 1e6:,.0f} MB database", flush=True)
    console = Console(config.data_dir, threads=max(8, max(concurrency)))
    results = {}
    try:
        for users in concurrency:
            sessions = [Session(console.port, f"bench{n}", token) for n in range(users)]
            for name, make_url in pages(facts).items():
                p50, p95, n = measure(sessions, make_url, samples, seed, budget)
                results[(name, users)] = (p50, p95)
                mark = "" if p95 < TARGET_MS else "  OVER"
                print(f"  {users:2d} session(s)  {name:<28} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  (n={n}){mark}",
                      flush=True)
    finally:
        console.stop()
    return results


def upkeep(config, alerts: int) -> None:
    """The daily purge, a backup and an index-adding migration at this size, timed."""
    size = os.path.getsize(config.db_path)
    print(f"\ndatabase: {size / 1e6:,.0f} MB, {size / alerts * 100_000 / 1e6:,.0f} MB per 100,000 alerts")
    with Store.open(config.db_path) as store:
        started = time.perf_counter()
        summary = retention.purge(config, store)
        print(f"daily purge: {len(summary['alerts']):,} alerts closed a day past [retention] days purged in"
              f" {time.perf_counter() - started:.1f} s")
        # A migration holds the write lock: past the busy timeout (30 s) the line's writes fail.
        for name, sql in (
                ("9000_bench_alerts_index", "CREATE INDEX bench_language_time ON alerts(language, created_at)"),
                ("9001_bench_audit_index", "CREATE INDEX bench_listens ON audit_log(entity_id) WHERE action = 'listen'")):
            started = time.perf_counter()
            store.migrate([(name, sql)])
            print(f"migration {sql.split(' ON ')[0].lower()} on {sql.split(' ON ')[1].split('(')[0]}:"
                  f" {time.perf_counter() - started:.1f} s")
    target = Path(tempfile.mkdtemp(prefix="sauti-bench-backup-"))
    try:
        started = time.perf_counter()
        backup(config.data_dir, target / "backup")
        print(f"backup: {time.perf_counter() - started:.1f} s for a {size / 1e6:,.0f} MB database")
    finally:
        shutil.rmtree(target)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000", help="Alerts to measure at, ascending, comma-separated.")
    parser.add_argument("--samples", type=int, default=100, help="Requests a page, for one session and for ten.")
    parser.add_argument("--sessions", default="1,10", help="Concurrent logged-in sessions, comma-separated.")
    parser.add_argument("--data", type=Path, default=None, help="Reuse or create this data directory (kept).")
    parser.add_argument("--budget", type=float, default=20.0,
                        help="Seconds a page is sampled at most, for one session and for ten (slow pages get fewer).")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    concurrency = [int(s) for s in args.sessions.split(",")]
    workdir = None
    if args.data is None:
        workdir = tempfile.TemporaryDirectory(prefix="sauti-bench-")
        args.data = Path(workdir.name) / "data"
    print(f"{dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, {sys.version.split()[0]}")
    everything = {}
    for alerts in sizes:
        config, token = prepare(args.data, alerts)
        everything[alerts] = bench_size(config, token, args.samples, concurrency, args.seed, args.budget)
    print("\np95 (ms) by size: " + "  ".join(f"{n:,}" for n in sizes))
    worst = 0.0
    for name, users in everything[sizes[0]]:
        row = [everything[n][(name, users)][1] for n in sizes]
        worst = max(worst, row[-1])
        print(f"  {users:2d} x {name:<28} " + "  ".join(f"{v:8.1f}" for v in row))
    print(f"worst p95 at {sizes[-1]:,}: {worst:.1f} ms (target < {TARGET_MS} ms): {'OK' if worst < TARGET_MS else 'OVER'}")
    upkeep(config, sizes[-1])
    if workdir is not None:
        workdir.cleanup()
    return 0 if worst < TARGET_MS else 1


if __name__ == "__main__":
    raise SystemExit(main())
