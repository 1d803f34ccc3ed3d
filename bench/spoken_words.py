"""The verifier line's synthesised words: prints figures, asserts nothing.

    .venv/bin/python bench/spoken_words.py [--runs 20]

The verifier line speaks what no prompt holds (a locality's name, a number, an SMS's text)
with the prompt voice (ivr/spoken.py: espeak-ng, then ffmpeg to 8 kHz). It starts making
them as the alert's reference is read (about 4 s of digits), so the line falls silent
only if making them takes longer. Figures, per kind of words: median and 90th percentile
of the time to make one (a fresh file each run, as a first call would), and how long the
result plays; and, for comparison, how long the reference the line reads meanwhile lasts.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import wave
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core import prompts  # noqa: E402
from core.config import load  # noqa: E402
from ivr.line import Line  # noqa: E402
from ivr.spoken import make  # noqa: E402

WORDS = {
    "locality name (fr)": ("Kalunguta", "fr"),
    "number (fr)": ("37", "fr"),
    "SMS text, 160 characters (sw)": ("Watu wenye silaha wameonekana karibu na shule ya Kalunguta asubuhi hii. "
                                      "Wamechoma nyumba mbili na wanawake wamekimbilia msituni. Tafadhali saidieni.",
                                      "sw"),
}


def seconds_of(path: Path) -> float:
    with wave.open(str(path)) as wav:
        return wav.getnframes() / wav.getframerate()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sauti-bench-spoken-") as work:
        config = load(Path(work) / "data", require_file=False)
        line = Line(config, None, b"", prompts.load_catalogue(), None)
        def said(prompt_id: str) -> float:
            return seconds_of(prompts.audio_path(config.prompts_dir, "fr", prompt_id))

        digits = statistics.mean(said(f"digit_{d}") for d in range(10))
        print(f"said meanwhile (fr): 'Alerte.', 'La référence est', 8 digits: "
              f"{said('verifier_alert') + said('reference_is') + 8 * digits:.1f} s")
        for number, (kind, (text, lang)) in enumerate(WORDS.items()):
            times, played = [], 0.0
            for run in range(args.runs):
                target = Path(work) / lang / f"{number}-{run}.wav"
                started = time.perf_counter()
                make(line, text, lang, target)
                times.append(time.perf_counter() - started)
                played = seconds_of(target)
            times.sort()
            p90 = times[min(len(times) - 1, int(0.9 * len(times)))]
            print(f"{kind}: made in median {statistics.median(times):.3f} s, p90 {p90:.3f} s "
                  f"({args.runs} runs); plays {played:.2f} s")


if __name__ == "__main__":
    main()
