"""Outgoing SMS benchmark: a voice alert by SMS to 2,000 focal points through the real Kannel:
prints figures, asserts nothing.

    .venv/bin/python bench/sms_out.py [--focal-points 2000]

A fresh data directory on free loopback ports: Kannel's bearerbox and smsbox (`smsgw`), Sauti's
receiver as its own process (`sauti sms receive`, whose one outbox thread hands every SMS to
smsbox), and Kannel's fakesmsc as the operator (connected first by one inbound SMS, then
taking every message and acknowledging it, so each gets Kannel's delivery report). The
directory holds --focal-points focal points of one locality who take SMS, in sw, ln and fr.
The broadcast is created in the store as the console creates it. Figures:

- queued: the time to create the broadcast (one delivery and one outbox row per focal point)
- handed: until every message was handed to smsbox (accepted by sendsms)
- delivered: until every message's delivery report saying delivered was recorded
- at the operator: messages fakesmsc printed (each once?)
- CPU seconds of the receiver process against Kannel's (bearerbox + smsbox), in the one run
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import smsgw  # noqa: E402
from bench.sms import cpu_seconds, print_cpu, stop, wait_for_receiver  # noqa: E402
from core import directory  # noqa: E402
from core.directory import NumberSeal  # noqa: E402
from core.store import Store  # noqa: E402
from tests.fixtures.core import make_data_dir  # noqa: E402
from tests.fixtures.kannel import FAKESMSC, SHORT_CODE, sms_settings  # noqa: E402

TEXTS = {"sw": "Sauti: watu wenye silaha karibu na Beni. Kaeni salama.",
         "ln": "Sauti: bato ya bibundeli pene na Beni. Bomibatela.",
         "fr": "Sauti : hommes armés signalés près de Beni. Restez prudents."}
_GOT = re.compile(r"Got message \d+: <\S+ (\S+) ")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--focal-points", type=int, default=2000)
    parser.add_argument("--timeout", type=float, default=900.0, help="Give up waiting after this many seconds.")
    args = parser.parse_args()
    n = args.focal_points
    work = Path(tempfile.mkdtemp(prefix="sauti-bench-sms-out-"))
    config = make_data_dir(work / "data", sms_settings(sender=SHORT_CODE))
    languages = list(TEXTS)
    rows = "".join(f"focal_point,Relais {k},1101,{languages[k % 3]},1,sms,+2439{k:08d}\n" for k in range(1, n + 1))
    with Store.open(config.db_path) as store:
        store.import_directory(directory.read_csv("kind,name,localities,language,order,channel,number\n" + rows),
                               NumberSeal.from_config(config).seal, "bench")
    receiver = subprocess.Popen([sys.executable, "-m", "sauti", "--data", str(config.data_dir), "sms", "receive"],
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    fakesmsc = None
    out = work / "fakesmsc.log"
    try:
        smsgw.start(config)
        wait_for_receiver(config, receiver)
        with out.open("wb") as handle:
            fakesmsc = subprocess.Popen([str(FAKESMSC), "-H", "127.0.0.1", "-r", str(config.sms.test_smsc_port),
                                         "-m", "1", f"+243810000001 {SHORT_CODE} text Habari"],
                                        stdout=handle, stderr=subprocess.STDOUT)
        while "sent message 1" not in out.read_text(errors="replace"):
            time.sleep(0.1)
        pids = smsgw.status(config).pids
        before = {name: cpu_seconds(pid) for name, pid in [("receiver", receiver.pid), *pids.items()]}
        started = time.monotonic()
        with Store.open(config.db_path) as store:
            broadcast_id = store.create_broadcast("", ["1101"], "bench", texts=TEXTS)
        queued = time.monotonic() - started
        handed_at = delivered_at = None
        limit = started + args.timeout
        handed = delivered = 0
        while time.monotonic() < limit and delivered_at is None:
            with Store.open(config.db_path, migrate=False) as store:
                handed, delivered = store.broadcast_sms_progress(broadcast_id)
            now = time.monotonic()
            if handed >= n and handed_at is None:
                handed_at = now
            if delivered >= n:
                delivered_at = now
            time.sleep(0.2)
        after = {name: cpu_seconds(pid) for name, pid in [("receiver", receiver.pid), *pids.items()]}
        got = Counter(_GOT.findall(out.read_text(errors="replace")))
        got.pop("+243810000001", None)   # the receipt of the SMS that connected fakesmsc
        print(f"focal points: {n}; broadcast queued in {queued:.2f} s")
        print(f"handed to smsbox: {handed}/{n}" + (f" after {handed_at - started:.1f} s" if handed_at else ""))
        print(f"delivered (report recorded): {delivered}/{n}"
              + (f" after {delivered_at - started:.1f} s" if delivered_at else ""))
        print(f"at the operator: {sum(got.values())} messages to {len(got)} numbers, "
              f"{sum(1 for v in got.values() if v > 1)} more than once")
        print_cpu(before, after)
    finally:
        stop(fakesmsc, receiver, config)


if __name__ == "__main__":
    main()
