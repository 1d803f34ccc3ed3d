"""Console benchmark: fill a database with 100,000 alerts, then time the pages verifiers use.

    .venv/bin/python bench/console.py [--alerts 100000] [--samples 200] [--data DIR]

Alerts are made through the store API as the IVR and ASR worker make them. Prints
p50/p95 (ms) for the queue page, an alert page and a transcript search, rendered
end to end through Flask (routing, session, SQL, templates). Target: p95 < 150 ms.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from core.model import CATEGORIES, Source, Status  # noqa: E402
from core.store import RecordingFacts, Store  # noqa: E402

VOCABULARY = (
    "watu wenye bunduki wamechoma nyumba kijiji soko barabara asubuhi usiku jana leo kesho wanajeshi "
    "waasi wamewateka wanawake watoto ng'ombe shamba mpaka mto mlima kanisa shule hospitali wamekimbia "
    "hofu risasi moto mapanga vitisho ardhi mifugo bei chakula maji "
    "les miliciens ont brûlé le marché village hommes armés enlevé femmes enfants vaches champ conflit "
    "déplacés fuite tirs nuit matin route école église menaces attaque pillage "
    "bato ya mandoki batumbaki ndako zando mboka basoda bana basi ngombe elanga"
).split()
LOCALITIES = [f"Loc-{i:02d}" for i in range(60)] + ["Djugu", "Bunia", "Fataki", "Mahagi", "Irumu", "Beni"]
TERMS = {"bunduki": "armed_movement", "wamechoma": "burning_looting", "wamewateka": "abduction",
         "enlevé": "abduction", "brûlé": "burning_looting", "tirs": "attack", "déplacés": "displacement",
         "vitisho": "threats_hate", "ardhi": "land_livestock", "mandoki": "armed_movement"}
DECIDED = [Status.VERIFIED, Status.UNVERIFIED, Status.FALSE, Status.DUPLICATE, Status.ESCALATED]


def fill(store: Store, count: int, rng: random.Random) -> None:
    started = time.perf_counter()
    batch = 1000
    for first in range(0, count, batch):
        with store.transaction():
            for n in range(first, min(count, first + batch)):
                source = Source.RADIO if rng.random() < 0.2 else Source.PHONE
                call_id = store.create_call(
                    source, channel=f"PJSIP/bench-{n}", station="bunia-fm" if source is Source.RADIO else None,
                    caller_pseudonym=None if source is Source.RADIO else f"C-{rng.randrange(5000):08d}",
                )
                facts = RecordingFacts(f"recordings/bench-{n}.wav", "wav", 30.0, 8000, 480044, f"{n:064x}")
                language = rng.choice(("sw", "sw", "fr", "ln"))
                alert = store.file_alert(call_id, facts, language=language, locality=rng.choice(LOCALITIES),
                                         actor="bench")
                words = [
                    {"word": rng.choice(VOCABULARY), "start": i * 0.4, "end": i * 0.4 + 0.35,
                     "conf": round(rng.uniform(0.3, 1.0), 2)}
                    for i in range(rng.randint(10, 40))
                ]
                text = " ".join(w["word"] for w in words)
                store.add_transcript(alert["id"], text, words=words, model="bench", language=language,
                                     confidence=0.8)
                keywords = [{"term": w["word"], "category": TERMS[w["word"]], "start": w["start"]}
                            for w in words if w["word"] in TERMS]
                store.set_keywords(alert["id"], keywords, float(len(keywords)) + rng.random())
                if rng.random() < 0.8:
                    status = rng.choice(DECIDED)
                    store.set_status(alert["id"], status, actor="bench",
                                     duplicate_of=max(1, alert["id"] - 1) if status is Status.DUPLICATE and alert["id"] > 1 else None)
                    if status is Status.DUPLICATE and alert["id"] == 1:
                        store.set_status(alert["id"], Status.VERIFIED, actor="bench")
                    if rng.random() < 0.5:
                        store.set_tags(alert["id"], {rng.choice(list(CATEGORIES))}, actor="bench")
        if (first // batch) % 10 == 9:
            print(f"  {first + batch} alerts, {time.perf_counter() - started:.0f} s", file=sys.stderr)


def timed(client, url: str) -> float:
    started = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise SystemExit(f"{url}: HTTP {response.status_code}")
    response.close()
    return elapsed


def report(name: str, samples: list[float]) -> dict:
    samples = sorted(samples)
    p50 = statistics.median(samples)
    p95 = samples[min(len(samples) - 1, int(round(0.95 * len(samples))) - 1)]
    print(f"{name:<34} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   max {samples[-1]:7.1f} ms   (n={len(samples)})")
    return {"p50": p50, "p95": p95}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alerts", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--data", type=Path, default=None, help="Reuse or create this data directory.")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    from tests.fixtures.core import make_data_dir
    from web import create_app

    rng = random.Random(args.seed)
    workdir = None
    if args.data is None:
        workdir = tempfile.TemporaryDirectory(prefix="sauti-bench-")
        args.data = Path(workdir.name) / "data"
    config = make_data_dir(args.data) if not (args.data / "config.toml").exists() else None
    if config is None:
        from core.config import load

        config = load(args.data)
    with Store.open(config.db_path) as store:
        have = store.count_alerts()
        if have < args.alerts:
            print(f"filling {args.alerts - have} alerts into {config.db_path} ...", file=sys.stderr)
            fill(store, args.alerts - have, rng)
        if store.get_user("bench") is None:
            from core.identity import hash_password

            store.add_user("bench", hash_password("bench-password"), "supervisor", actor="bench")
        total = store.count_alerts()
        waiting = store.queue_stats()["waiting"]
    print(f"{total} alerts, {waiting} waiting; {args.samples} samples per measure")

    app = create_app({"SAUTI_CONFIG": config, "TESTING": True})
    client = app.test_client()
    client.get("/login")
    with client.session_transaction() as session:
        token = session["csrf"]
    client.post("/login", data={"username": "bench", "password": "bench-password", "csrf_token": token})

    words = [w for w in VOCABULARY if len(w) > 3]
    categories = list(CATEGORIES)
    measures = {
        "queue page (waiting)": lambda: "/",
        "queue page (all statuses)": lambda: "/?status=all",
        "queue page (category filter)": lambda: f"/?status=all&category={rng.choice(categories)}",
        "queue page (language+source)": lambda: f"/?language={rng.choice(('sw', 'fr', 'ln'))}&source=radio",
        "alert page": lambda: f"/alerts/{rng.randint(1, total)}",
        "transcript search (one word)": lambda: f"/?status=all&q={rng.choice(words)}",
        "transcript search (two words)": lambda: f"/?status=all&q={rng.choice(words)}+{rng.choice(words)}",
        "transcript search (waiting only)": lambda: f"/?q={rng.choice(words)}",
        "transcript search (no match)": lambda: f"/?status=all&q=hakuna{rng.randrange(1000)}",
        "live count (/queue/stats)": lambda: "/queue/stats",
    }
    results = {}
    for name, make_url in measures.items():
        for _ in range(5):
            timed(client, make_url())  # warm up
        results[name] = report(name, [timed(client, make_url()) for _ in range(args.samples)])
    worst = max(r["p95"] for r in results.values())
    print(f"worst p95: {worst:.1f} ms (target < 150 ms): {'OK' if worst < 150 else 'OVER'}")
    if workdir is not None:
        workdir.cleanup()
    return 0 if worst < 150 else 1


if __name__ == "__main__":
    raise SystemExit(main())
