"""What the line says: the prompt catalogue, its audio files and how they are made.

The catalogue (`prompts/catalogue.toml`, shipped with Sauti) lists every prompt by id,
with a stable number (keyed on the phone recording line) and its words per language.
Audio lives under the configured prompts folder (`Config.prompts_dir`):

    <prompts_dir>/<lang>/<id>.wav        8 kHz, 16-bit, mono PCM WAV (Asterisk plays it as is)
    <prompts_dir>/<lang>/manifest.json   per id: source (human | synthesised | placeholder),
                                         a hash of the words it speaks, when and by whom
    <prompts_dir>/<lang>/backup/         every file a new recording replaced, with its
                                         manifest entry as <id>.<stamp>.json
    <prompts_dir>/common/beep.wav        a 1 kHz tone of 0.3 s, for every language

The API, for the CLI, the IVR flows and the console:

    load_catalogue(path=None) -> Catalogue
    audio_path(prompts_dir, lang, prompt_id) -> Path      the .wav file
    playback_path(prompts_dir, lang, prompt_id) -> str    the same without ".wav", for Asterisk
    words_path(prompts_dir, prompt_id) -> Path            the words read by the French voice
    status(prompts_dir, catalogue) -> list[PromptStatus]
    build(prompts_dir, catalogue, ...) -> dict[str, int]  synthesise what is missing or stale
    install_recording(prompts_dir, catalogue, lang, prompt_id, source, by="") -> Installed
    check_audio(path) -> AudioInfo                        format and levels of a .wav

`install_recording` takes any audio file ffmpeg reads (a WAV recorded by Asterisk, an
upload), converts it to the line's format, trims silence, normalises loudness and swaps
it in atomically, keeping the old file as a backup. It raises `PromptError` with a
message for the user when the recording is unusable (unreadable, silent, too short or
too long). It blocks for a fraction of a second (ffmpeg): call it from a worker thread,
not from an event loop. `status`, `build` and `install_recording` may run at the same
time in different processes: writes to a language folder take a lock (`<lang>/.lock`).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import math
import os
import re
import shutil
import subprocess
import tempfile
import tomllib
import wave
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from .audio import pydub_import

CATALOGUE_PATH = Path(__file__).resolve().parent.parent / "prompts" / "catalogue.toml"

SAMPLE_RATE = 8000
SAMPLE_WIDTH = 2                 # bytes: 16-bit
CHANNELS = 1
TARGET_LOUDNESS_DBFS = -20.0     # gated RMS of the speech, the same for every prompt
PEAK_CEILING_DBFS = -1.0         # never louder than this
PEAK_FLOOR_DBFS = -12.0          # a normalised prompt peaks between this and the ceiling
SILENT_DBFS = -45.0              # a recording whose peak is below this holds no speech
MIN_SECONDS = 0.15               # shorter than this after trimming is not a prompt
MAX_SECONDS = 60.0               # longer than this after trimming is a mistake (no # pressed...)
LEAD_PAD_MS = 50                 # silence kept before the speech
TAIL_PAD_MS = 150                # silence kept after it, so prompts in a row do not run together

COMMON = "common"                # folder for prompts that are the same in every language
BEEP = "beep"
BEEP_HZ = 1000
BEEP_MS = 300
BEEP_PEAK_DBFS = -10.0
COMMON_PROMPTS = (BEEP,)

HUMAN = "human"
SYNTHESISED = "synthesised"
PLACEHOLDER = "placeholder"
GENERATED = "generated"          # the beep
MISSING = "missing"
UNLISTED = "unlisted"            # a file with no manifest entry: treated like a human recording

WORDS_LANGUAGE = "fr"            # the recording line reads the words to say in French
MANIFEST = "manifest.json"
ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")


class PromptError(Exception):
    """A prompt or recording cannot be used; the message says why, for the user."""


# ---------------------------------------------------------------- the catalogue


@dataclass(frozen=True)
class Language:
    code: str
    name: str
    voice: str             # espeak-ng voice
    speed: int             # espeak-ng words per minute
    placeholder: bool      # the voice is not this language's: synthesised files are placeholders


@dataclass(frozen=True)
class Prompt:
    id: str
    number: int
    words: dict[str, str]
    note: str = ""

    def words_hash(self, lang: str) -> str:
        return hashlib.sha256(self.words[lang].encode()).hexdigest()[:12]


@dataclass(frozen=True)
class Catalogue:
    languages: dict[str, Language]
    prompts: dict[str, Prompt]

    @property
    def ids(self) -> list[str]:
        return list(self.prompts)

    def get(self, prompt_id: str) -> Prompt:
        """The prompt with this id, or with this number when given digits."""
        if prompt_id.isdigit():
            found = self.by_number(int(prompt_id))
            if found:
                return found
        elif prompt_id in self.prompts:
            return self.prompts[prompt_id]
        raise PromptError(f"no prompt {prompt_id!r} in the catalogue")

    def by_number(self, number: int) -> Prompt | None:
        return next((p for p in self.prompts.values() if p.number == number), None)

    def language(self, lang: str) -> Language:
        if lang not in self.languages:
            raise PromptError(f"unknown language {lang!r}; known: {', '.join(self.languages)}")
        return self.languages[lang]


def load_catalogue(path: Path | None = None) -> Catalogue:
    """Read and check the catalogue: every prompt has a unique number and words in every language."""
    path = path or CATALOGUE_PATH
    try:
        raw = tomllib.loads(Path(path).read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise PromptError(f"cannot read the prompt catalogue {path}: {exc}") from None
    languages = {
        code: Language(code, str(v.get("name", code)), str(v["voice"]), int(v.get("speed", 160)),
                       bool(v.get("placeholder", False)))
        for code, v in raw.get("languages", {}).items()
    }
    prompts: dict[str, Prompt] = {}
    numbers: dict[int, str] = {}
    for prompt_id, v in raw.get("prompts", {}).items():
        where = f"{path}: [prompts.{prompt_id}]"
        if not ID_PATTERN.match(prompt_id) or prompt_id in COMMON_PROMPTS:
            raise PromptError(f"{where}: ids are lower_case_with_underscores and not {COMMON_PROMPTS}")
        number = v.get("number")
        if not isinstance(number, int) or number < 1:
            raise PromptError(f"{where}: needs a positive `number`")
        if number in numbers:
            raise PromptError(f"{where}: number {number} is already {numbers[number]}")
        numbers[number] = prompt_id
        missing = [lang for lang in languages if not str(v.get(lang, "")).strip()]
        if missing:
            raise PromptError(f"{where}: no words for {', '.join(missing)}")
        words = {lang: str(v[lang]).strip() for lang in languages}
        prompts[prompt_id] = Prompt(prompt_id, number, words, str(v.get("note", "")))
    return Catalogue(languages, prompts)


# ---------------------------------------------------------------- where the audio is


def audio_path(prompts_dir: Path, lang: str, prompt_id: str) -> Path:
    """The .wav of a prompt; common prompts (the beep) are found whatever the language."""
    if prompt_id in COMMON_PROMPTS:
        lang = COMMON
    if not ID_PATTERN.match(prompt_id) or not ID_PATTERN.match(lang):
        raise PromptError(f"bad prompt reference {lang}/{prompt_id}")
    return Path(prompts_dir) / lang / f"{prompt_id}.wav"


def playback_path(prompts_dir: Path, lang: str, prompt_id: str) -> str:
    """What Asterisk's Playback / STREAM FILE takes: the path without the extension."""
    return str(audio_path(prompts_dir, lang, prompt_id).with_suffix(""))


def words_path(prompts_dir: Path, prompt_id: str) -> Path:
    """The audio that tells a person recording a prompt what to say: its French version."""
    return audio_path(prompts_dir, WORDS_LANGUAGE, prompt_id)


# ---------------------------------------------------------------- checking a file


@dataclass(frozen=True)
class AudioInfo:
    rate: int
    channels: int
    width: int             # bytes per sample
    seconds: float
    peak_dbfs: float       # -inf for digital silence
    loudness_dbfs: float   # gated RMS, as normalisation measures it

    def problems(self) -> list[str]:
        """Why Asterisk could not play this as a prompt without transcoding; empty if fine."""
        found = []
        if self.rate != SAMPLE_RATE:
            found.append(f"{self.rate} Hz, not {SAMPLE_RATE}")
        if self.channels != CHANNELS:
            found.append(f"{self.channels} channels, not mono")
        if self.width != SAMPLE_WIDTH:
            found.append(f"{8 * self.width}-bit, not 16-bit")
        if self.peak_dbfs < SILENT_DBFS:
            found.append("silent")
        return found


def check_audio(path: Path) -> AudioInfo:
    """Format and levels of a WAV file; PromptError if it is not a PCM WAV."""
    try:
        with wave.open(str(path), "rb") as wav:
            rate, channels, width = wav.getframerate(), wav.getnchannels(), wav.getsampwidth()
            frames = wav.getnframes()
    except (OSError, EOFError, wave.Error) as exc:
        raise PromptError(f"{path}: not a PCM WAV file ({exc})") from None
    segment = _read_wav(path)
    return AudioInfo(rate, channels, width, frames / rate if rate else 0.0,
                     segment.max_dBFS, _loudness(segment))


# ---------------------------------------------------------------- status


@dataclass(frozen=True)
class PromptStatus:
    lang: str
    id: str
    number: int | None     # None for common prompts
    source: str            # HUMAN, SYNTHESISED, PLACEHOLDER, GENERATED, UNLISTED or MISSING
    stale: bool = False    # the catalogue's words changed since this file was made
    problems: tuple[str, ...] = ()
    updated: str = ""
    by: str = ""

    @property
    def needs_human(self) -> bool:
        """A person should record this: it is a placeholder, missing, stale or broken."""
        if self.source in (HUMAN, UNLISTED):
            return self.stale or bool(self.problems)
        return self.source in (PLACEHOLDER, MISSING)

    @property
    def protected(self) -> bool:
        """`build` never replaces it: a person made it."""
        return self.source in (HUMAN, UNLISTED)


def status(prompts_dir: Path, catalogue: Catalogue, languages: list[str] | None = None) -> list[PromptStatus]:
    """One entry per language and prompt, then the common prompts."""
    result = []
    for lang in languages or list(catalogue.languages):
        catalogue.language(lang)
        manifest = _read_manifest(Path(prompts_dir) / lang)
        for prompt in catalogue.prompts.values():
            result.append(_status_of(prompts_dir, lang, prompt.id, prompt.number,
                                     manifest.get(prompt.id), prompt.words_hash(lang)))
    manifest = _read_manifest(Path(prompts_dir) / COMMON)
    for prompt_id in COMMON_PROMPTS:
        result.append(_status_of(prompts_dir, COMMON, prompt_id, None, manifest.get(prompt_id), None))
    return result


def _status_of(prompts_dir, lang, prompt_id, number, entry, words_hash) -> PromptStatus:
    path = audio_path(prompts_dir, lang, prompt_id)
    if not path.exists():
        return PromptStatus(lang, prompt_id, number, MISSING)
    try:
        problems = tuple(check_audio(path).problems())
    except PromptError as exc:
        problems = (str(exc),)
    if entry is None:
        return PromptStatus(lang, prompt_id, number, UNLISTED, problems=problems)
    stale = words_hash is not None and entry.get("words") != words_hash
    return PromptStatus(lang, prompt_id, number, entry.get("source", UNLISTED), stale, problems,
                        entry.get("at", ""), entry.get("by", ""))


# ---------------------------------------------------------------- build

Progress = Callable[[int, int, str], None]   # (done, total, "lang/id: what happened")


def build(prompts_dir: Path, catalogue: Catalogue, *, languages: list[str] | None = None,
          ids: list[str] | None = None, force_synth: bool = False,
          progress: Progress | None = None, workers: int | None = None) -> dict[str, int]:
    """Make every missing prompt: synthesise speech, generate the beep.

    Redoes synthesised files whose words changed or whose format is wrong, and all
    synthesised ones with `force_synth`. Never touches a human (or unlisted) recording.
    Returns counts per outcome: built, kept (already fine), human (left alone).
    """
    pydub_import.load()  # import once, before the worker threads
    todo, counts = [], {"built": 0, "kept": 0, "human": 0}
    for entry in status(prompts_dir, catalogue, languages):
        if ids is not None and entry.id not in ids:
            continue
        if entry.protected:
            counts["human"] += 1
        elif entry.source == MISSING or entry.stale or entry.problems or (
                force_synth and entry.source in (SYNTHESISED, PLACEHOLDER)):
            todo.append(entry)
        else:
            counts["kept"] += 1
    workers = workers or os.cpu_count() or 1
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {pool.submit(_make, prompts_dir, catalogue, e.lang, e.id): e for e in todo}
        for done, future in enumerate(as_completed(futures), 1):
            entry = futures[future]
            source = future.result()   # a failure stops the build with its message
            counts["built"] += 1
            if progress:
                progress(done, len(todo), f"{entry.lang}/{entry.id}: {source}")
    return counts


def _make(prompts_dir: Path, catalogue: Catalogue, lang: str, prompt_id: str) -> str:
    if lang == COMMON:
        with _staged(audio_path(prompts_dir, lang, prompt_id)) as tmp:
            _write_wav(_beep(), tmp)
            _swap(prompts_dir, lang, prompt_id, tmp, {"source": GENERATED}, backup=False)
        return GENERATED
    language, prompt = catalogue.language(lang), catalogue.get(prompt_id)
    source = PLACEHOLDER if language.placeholder else SYNTHESISED
    with tempfile.TemporaryDirectory(prefix="sauti-tts-") as work:
        speech = Path(work) / "espeak.wav"
        synthesise(prompt.words[lang], language.voice, language.speed, speech)
        with _staged(audio_path(prompts_dir, lang, prompt_id)) as tmp:
            _to_telephone(speech, tmp)
            entry = {"source": source, "voice": language.voice, "words": prompt.words_hash(lang)}
            with _locked(Path(prompts_dir) / lang):
                current = _read_manifest(Path(prompts_dir) / lang).get(prompt_id)
                target = audio_path(prompts_dir, lang, prompt_id)
                if target.exists() and (current is None or current.get("source") == HUMAN):
                    return "kept: a person recorded it meanwhile"
                _swap(prompts_dir, lang, prompt_id, tmp, entry, backup=False, locked=True)
    return source


def synthesise(text: str, voice: str, speed: int, dest: Path) -> None:
    """Speak `text` with espeak-ng into a WAV file (espeak's own rate: 22050 Hz)."""
    if shutil.which("espeak-ng") is None:
        raise PromptError("espeak-ng is not installed; run scripts/bootstrap (or apt-get install espeak-ng)")
    _run(["espeak-ng", "-b", "1", "-v", voice, "-s", str(int(speed)), "-w", str(dest)], text)


# ---------------------------------------------------------------- installing a recording


@dataclass(frozen=True)
class Installed:
    path: Path
    backup: Path | None    # where the file it replaced now is; None if there was none
    info: AudioInfo


def install_recording(prompts_dir: Path, catalogue: Catalogue, lang: str, prompt_id: str,
                      source: Path, by: str = "") -> Installed:
    """Make a person's recording the prompt `lang/prompt_id` (id or number).

    `source` is any audio ffmpeg reads (Asterisk's 8 kHz WAV, an upload in mp3, m4a, ogg...).
    It is converted, trimmed and normalised into a temporary file beside the prompt, then
    swapped in with one rename: a call playing the prompt hears the old or the new one,
    never half. The old file moves to <lang>/backup/. `by` names who recorded it.
    """
    catalogue.language(lang)
    prompt = catalogue.get(prompt_id)
    source = Path(source)
    if not source.is_file():
        raise PromptError(f"no recording at {source}")
    target = audio_path(prompts_dir, lang, prompt.id)
    with _staged(target) as tmp:
        info = _to_telephone(source, tmp)
        entry = {"source": HUMAN, "words": prompt.words_hash(lang), "by": by}
        backup = _swap(prompts_dir, lang, prompt.id, tmp, entry, backup=True)
    return Installed(target, backup, info)


# ---------------------------------------------------------------- audio processing


def _run(args: list[str], stdin: str | None = None) -> None:
    try:
        subprocess.run(args, input=stdin, text=True, capture_output=True, check=True, timeout=120)
    except FileNotFoundError:
        raise PromptError(f"{args[0]} is not installed; run scripts/bootstrap") from None
    except subprocess.CalledProcessError as exc:
        detail = (exc.stderr or "").strip().splitlines()[-1:] or [f"exit status {exc.returncode}"]
        raise PromptError(f"{args[0]} failed: {detail[0]}") from None
    except subprocess.TimeoutExpired:
        raise PromptError(f"{args[0]} took too long") from None


def _to_telephone(source: Path, dest: Path) -> AudioInfo:
    """Convert any audio to a trimmed, normalised 8 kHz 16-bit mono WAV at `dest`."""
    with tempfile.TemporaryDirectory(prefix="sauti-prompt-") as work:
        narrow = Path(work) / "8k.wav"
        # ffmpeg decodes anything and resamples with a proper anti-aliasing filter;
        # the high-pass removes hum and any DC offset, which would skew the peak.
        _run(["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
              "-i", str(Path(source).resolve()), "-vn", "-map_metadata", "-1",
              "-af", "highpass=f=100", "-ac", str(CHANNELS), "-ar", str(SAMPLE_RATE),
              "-c:a", "pcm_s16le", "-f", "wav", str(narrow)])
        segment = _read_wav(narrow)
    if len(segment) == 0 or segment.max_dBFS < SILENT_DBFS:
        raise PromptError("the recording is silent: nothing was heard")
    segment = _trim(segment)
    if len(segment) / 1000 < MIN_SECONDS + (LEAD_PAD_MS + TAIL_PAD_MS) / 1000:
        raise PromptError("the recording is too short")
    if len(segment) / 1000 > MAX_SECONDS:
        raise PromptError(f"the recording is too long: a prompt takes at most {MAX_SECONDS:.0f} seconds")
    segment = _normalise(segment)
    _write_wav(segment, dest)
    return check_audio(dest)


def _read_wav(path: Path):
    pydub = pydub_import.load()
    try:
        with open(path, "rb") as handle:   # pydub leaves files it opens itself unclosed
            return pydub.AudioSegment.from_wav(handle)
    except (ValueError, pydub.exceptions.CouldntDecodeError) as exc:
        raise PromptError(f"{path}: cannot read the audio ({exc})") from None


def _write_wav(segment, path: Path) -> None:
    with open(path, "wb") as handle:
        segment.export(handle, format="wav")


def _trim(segment):
    """Cut leading and trailing silence (relative to the loudest sound), keeping short pads."""
    silence = pydub_import.load().silence
    threshold = max(segment.max_dBFS - 35.0, -60.0)
    lead = silence.detect_leading_silence(segment, silence_threshold=threshold, chunk_size=10)
    tail = silence.detect_leading_silence(segment.reverse(), silence_threshold=threshold, chunk_size=10)
    return segment[max(0, lead - LEAD_PAD_MS):min(len(segment), len(segment) - tail + TAIL_PAD_MS)]


def _loudness(segment) -> float:
    """RMS level of the parts that hold sound (50 ms windows within 30 dB of the peak), in dBFS."""
    if segment.rms == 0:
        return -math.inf
    gate = segment.max_dBFS - 30.0
    windows = [segment[i:i + 50] for i in range(0, len(segment), 50)]
    active = [w.rms for w in windows if w.rms and w.dBFS > gate] or [segment.rms]
    mean_square = sum(r * r for r in active) / len(active)
    return 20 * math.log10(math.sqrt(mean_square) / segment.max_possible_amplitude)


def _normalise(segment):
    """Bring the speech to TARGET_LOUDNESS_DBFS without the peak passing PEAK_CEILING_DBFS."""
    gain = TARGET_LOUDNESS_DBFS - _loudness(segment)
    gain = min(gain, PEAK_CEILING_DBFS - segment.max_dBFS)
    return segment.apply_gain(gain)


def _beep():
    tone = pydub_import.load().generators.Sine(BEEP_HZ, sample_rate=SAMPLE_RATE, bit_depth=8 * SAMPLE_WIDTH)
    return tone.to_audio_segment(duration=BEEP_MS, volume=BEEP_PEAK_DBFS).fade_in(10).fade_out(10)


# ---------------------------------------------------------------- files and the manifest


@contextlib.contextmanager
def _staged(target: Path):
    """A temporary path beside `target` (same filesystem, so the rename is atomic); removed if unused."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=f".tmp{target.suffix}", dir=target.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
    finally:
        tmp.unlink(missing_ok=True)


@contextlib.contextmanager
def _locked(lang_dir: Path):
    """One writer at a time per language folder (the IVR, the console and the CLI may all write)."""
    lang_dir.mkdir(parents=True, exist_ok=True)
    with open(lang_dir / ".lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _swap(prompts_dir: Path, lang: str, prompt_id: str, tmp: Path, entry: dict,
          backup: bool, locked: bool = False) -> Path | None:
    """Put `tmp` in place of the prompt and record `entry` in the manifest."""
    lang_dir = Path(prompts_dir) / lang
    target = audio_path(prompts_dir, lang, prompt_id)
    with contextlib.nullcontext() if locked else _locked(lang_dir):
        manifest = _read_manifest(lang_dir)
        saved = None
        if backup and target.exists():
            stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
            saved = lang_dir / "backup" / f"{prompt_id}.{stamp}.wav"
            saved.parent.mkdir(exist_ok=True)
            try:
                os.link(target, saved)    # the old file stays in place until the rename
            except OSError:
                shutil.copy2(target, saved)
            _write_json(saved.with_suffix(".json"), manifest.get(prompt_id, {"source": UNLISTED}))
        _fsync(tmp)
        os.chmod(tmp, 0o644)              # Asterisk may run as another user
        os.replace(tmp, target)
        manifest[prompt_id] = {**entry, "at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
        _write_json(lang_dir / MANIFEST, manifest)
    return saved


def _read_manifest(lang_dir: Path) -> dict:
    path = lang_dir / MANIFEST
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise PromptError(f"{path} is damaged ({exc}); fix or delete it") from None
    return data if isinstance(data, dict) else {}


def _write_json(path: Path, data: dict) -> None:
    with _staged(path) as tmp:
        tmp.write_text(json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
        _fsync(tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)


def _fsync(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())
