"""The speech corpus: shareable alerts' audio and verifiers' corrected transcripts as a
Kaldi data directory and a Hugging Face audio folder (what a Whisper fine-tune reads),
so the line's own users can grow the data a Swahili or Lingala model needs.

    summary = corpus.export(store, config, "sw", Path("corpus-sw"))
    problems = corpus.check(Path("corpus-sw"))        # [] when the directory is sound

Written: wav/<recording>.wav (16 kHz mono), wav.scp, segments, text, utt2spk, spk2utt,
metadata.csv (file_name, transcription: `load_dataset("audiofolder", data_dir=...)`),
manifest.csv and README.md (docs/whisper.md has the fine-tuning recipe). Speakers are numbered per export (spk0001, ...): the same
caller is the same speaker inside one export, and nothing links a speaker to a caller's
pseudonym or number. Phone-number-like digit runs in transcripts are blanked. No
locality unless asked for (then in the manifest only).
"""

from __future__ import annotations

import wave
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .audio import formats
from .audio.wav import write_wav
from .csv_tables import write_table
from .exports import PHONE_LIKE, redact
from .identity import PSEUDONYM_PATTERN

RATE = 16000
MANIFEST = ("utterance", "speaker", "language", "seconds", "audio", "text")
AUDIOFOLDER = ("file_name", "transcription", "language", "speaker", "seconds")
FILES = ("wav.scp", "segments", "text", "utt2spk", "spk2utt", "metadata.csv", "manifest.csv", "README.md")


class CorpusError(Exception):
    """The corpus cannot be written where asked."""


@dataclass(frozen=True)
class Summary:
    language: str
    utterances: int
    speakers: int
    seconds: float
    vocabulary: int


def export(store, config, language: str, out: Path, include_locality: bool = False) -> Summary:
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise CorpusError(f"{out} is not empty: choose a new directory")
    (out / "wav").mkdir(parents=True, exist_ok=True)
    speakers: dict[str, str] = {}
    rows = []
    for number, alert in enumerate(store.corpus_alerts(language), start=1):
        text = " ".join(redact(alert["text"]).split())
        if not text:
            continue
        key = alert["speaker_key"] or f"alert-{alert['id']}"
        speaker = speakers.setdefault(key, f"spk{len(speakers) + 1:04d}")
        recording = f"rec{number:05d}"
        samples = np.concatenate([formats.to_rate(formats.load(config.data_dir / r["path"]), RATE)
                                  for r in store.recordings_for(alert["id"])])
        write_wav(out / "wav" / f"{recording}.wav", samples, RATE)
        rows.append({"utterance": f"{speaker}-{recording}", "speaker": speaker, "recording": recording,
                     "language": language, "seconds": round(len(samples) / RATE, 3),
                     "audio": f"wav/{recording}.wav", "text": text, "locality": alert["locality"] or ""})
    rows.sort(key=lambda r: r["utterance"])   # Kaldi wants files sorted by utterance id
    _write_kaldi(out, rows)
    columns = MANIFEST + (("locality",) if include_locality else ())
    (out / "manifest.csv").write_text(write_table(columns, rows), encoding="utf-8")
    audiofolder = [{"file_name": r["audio"], "transcription": r["text"], "language": r["language"],
                    "speaker": r["speaker"], "seconds": r["seconds"]} for r in rows]
    (out / "metadata.csv").write_text(write_table(AUDIOFOLDER, audiofolder), encoding="utf-8")
    words = Counter(word for r in rows for word in r["text"].casefold().split())
    summary = Summary(language, len(rows), len({r["speaker"] for r in rows}),
                      round(sum(r["seconds"] for r in rows), 3), len(words))
    (out / "README.md").write_text(_readme(summary, words, include_locality), encoding="utf-8")
    return summary


def _write_kaldi(out: Path, rows: list[dict]) -> None:
    lines = {
        "wav.scp": sorted(f"{r['recording']} {r['audio']}" for r in rows),
        "segments": [f"{r['utterance']} {r['recording']} 0.000 {r['seconds']:.3f}" for r in rows],
        "text": [f"{r['utterance']} {r['text']}" for r in rows],
        "utt2spk": [f"{r['utterance']} {r['speaker']}" for r in rows],
    }
    by_speaker: dict[str, list[str]] = {}
    for r in rows:
        by_speaker.setdefault(r["speaker"], []).append(r["utterance"])
    lines["spk2utt"] = [f"{s} {' '.join(u)}" for s, u in sorted(by_speaker.items())]
    for name, content in lines.items():
        (out / name).write_text("".join(f"{line}\n" for line in content), encoding="utf-8")


def _readme(summary: Summary, words: Counter, include_locality: bool) -> str:
    common = ", ".join(f"{w} ({n})" for w, n in words.most_common(30)) or "none"
    return f"""# Sauti speech corpus: {summary.language}

Alerts that the line's admins marked as shareable, with the transcripts verifiers
corrected. A Kaldi data directory: `wav.scp` (recording -> 16 kHz mono WAV),
`segments` (utterance, recording, start, end in seconds), `text`, `utt2spk`,
`spk2utt`; `metadata.csv` makes the folder a Hugging Face audio folder
(`file_name`, `transcription`), which a Whisper fine-tune reads; `manifest.csv` lists
the same utterances for other tools.

| language | hours | utterances | speakers | vocabulary (distinct words) |
| --- | --- | --- | --- | --- |
| {summary.language} | {summary.seconds / 3600:.3f} | {summary.utterances} | {summary.speakers} | {summary.vocabulary} |

Most frequent words: {common}

Speakers are numbered for this export only: they say which utterances one caller
made, never who the caller is. There is no phone number, no caller pseudonym and
{"a locality code per utterance in manifest.csv (included by the admin)" if include_locality else "no locality"};
digit runs that look like a phone number were blanked ([…]) in the transcripts.
"""


def check(out: Path, forbidden: tuple[str, ...] = ()) -> list[str]:
    """Problems with a corpus directory: a missing file, an utterance in `text` without
    audio, a segment whose end is not its audio's duration, a forbidden string (the
    `forbidden` ones, a caller pseudonym, a phone-number-like digit run)."""
    out = Path(out)
    problems = [f"{name} is missing" for name in FILES if not (out / name).is_file()]
    if problems:
        return problems
    table = {name: _table(out / name) for name in ("wav.scp", "segments", "text", "utt2spk")}
    for utterance in table["text"]:
        segment = table["segments"].get(utterance)
        if segment is None or utterance not in table["utt2spk"]:
            problems.append(f"{utterance}: in text but not in segments or utt2spk")
            continue
        recording, _start, end = segment.split()
        path = table["wav.scp"].get(recording)
        if path is None or not (out / path).is_file():
            problems.append(f"{utterance}: no audio for recording {recording}")
            continue
        with wave.open(str(out / path)) as handle:
            seconds = handle.getnframes() / handle.getframerate()
        if abs(seconds - float(end)) > 0.01:
            problems.append(f"{utterance}: segment ends at {end} s, audio lasts {seconds:.3f} s")
    for name in FILES:
        text = (out / name).read_text(encoding="utf-8")
        for word in forbidden:
            if word and word in text:
                problems.append(f"{name} holds a forbidden value")
        if PSEUDONYM_PATTERN.search(text):
            problems.append(f"{name} holds a caller pseudonym")
    problems += _check_audiofolder(out, table["text"])
    if any(PHONE_LIKE.search(line) for line in table["text"].values()):
        problems.append("text holds a phone-number-like digit run")
    header = (out / "manifest.csv").read_text(encoding="utf-8").partition("\n")[0].split(",")
    if set(header) - set(MANIFEST) - {"locality"}:
        problems.append(f"manifest.csv has unexpected columns: {sorted(set(header) - set(MANIFEST))}")
    return problems


def _check_audiofolder(out: Path, texts: dict[str, str]) -> list[str]:
    """metadata.csv names existing audio, and its transcriptions are the Kaldi `text`'s."""
    import csv

    with open(out / "metadata.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    problems = [f"metadata.csv: no audio at {r['file_name']}" for r in rows
                if not (out / r.get("file_name", "")).is_file()]
    if sorted(r.get("transcription", "") for r in rows) != sorted(texts.values()):
        problems.append("metadata.csv's transcriptions are not the text file's")
    return problems


def _table(path: Path) -> dict[str, str]:
    rows = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        key, _, rest = line.partition(" ")
        rows[key] = rest
    return rows
