"""Perception surveys: the rules a survey must meet, where its prompts live, and its results.

An admin defines a survey in the console: 3 to 8 questions, each answered with one of 2
to 5 keys, each with its words in sw, ln and fr. The words are synthesised as the
catalogue's prompts are (`sauti prompts build`'s espeak-ng voices) until a person's
recording is uploaded. Audio lives in `<data>/surveys/<survey id>/<lang>/q<question id>.wav`.

Answers keep no caller: a response is a locality (if keyed) and a day. Results count
each answer per locality and period (ISO week or month) with its share of the answers
to that question there; responses left halfway keep their answers and count as incomplete.

A survey also runs as calls to focal points (a "run", `sauti surveys call`): their
responses are the same, with the focal point's locality from the directory, and the
channel (inbound: the survey line; outbound: a run) says where each came from.
"""

from __future__ import annotations

import datetime as dt
import io
import tempfile
from pathlib import Path

from .config import Config
from .csv_tables import CsvWriter

LANGUAGES = ("sw", "ln", "fr")
MIN_QUESTIONS, MAX_QUESTIONS = 3, 8
MIN_ANSWERS, MAX_ANSWERS = 2, 5
PERIODS = ("week", "month")
NAME_MAX = 80
CHANNELS = ("inbound", "outbound")   # the survey line, or a run's calls to focal points
CSV_COLUMNS = ("survey", "locality", "period", "responses", "incomplete", "inbound", "outbound", "question", "answer",
               "count", "share")
# A run's progress, from its deliveries' states (core/store/broadcasts.py).
PROGRESS = ("called", "answered", "complete", "incomplete", "failed", "pending", "stopped")
GIVEN_UP = ("busy", "no_answer", "congestion", "failed")
PENDING = ("waiting", "calling", "answered")


def prompt_path(config: Config, survey_id: int, lang: str, question_id: int) -> Path:
    return config.data_dir / "surveys" / str(survey_id) / lang / f"q{question_id}.wav"


def problems(questions: list[dict], config: Config, survey_id: int) -> list[str]:
    """Why a survey cannot run yet (empty when it can)."""
    found = []
    if not MIN_QUESTIONS <= len(questions) <= MAX_QUESTIONS:
        found.append(f"{len(questions)} questions: a survey has {MIN_QUESTIONS} to {MAX_QUESTIONS}")
    for q in questions:
        if not MIN_ANSWERS <= q["answers"] <= MAX_ANSWERS:
            found.append(f"question {q['position']}: {MIN_ANSWERS} to {MAX_ANSWERS} answers")
        for lang in LANGUAGES:
            if not prompt_path(config, survey_id, lang, q["id"]).exists():
                found.append(f"question {q['position']}: no {lang} audio")
    return found


def valid_name(name: str) -> bool:
    """A name as typed, its spaces folded: no control character (the console refuses them in any
    form, the CLI here)."""
    return 0 < len(name) <= NAME_MAX and name.isprintable()


def valid_question(position: int, answers: int, words: dict) -> bool:
    return (1 <= position <= MAX_QUESTIONS and MIN_ANSWERS <= answers <= MAX_ANSWERS
            and all(words.get(lang) and words[lang].isprintable() for lang in LANGUAGES))


def save_question(store, config: Config, survey_id: int, position: int, answers: int, words: dict, actor: str) -> int:
    """Save a checked question (`valid_question`) and synthesise the words that are new or changed
    or have no audio yet; a person's recording of unchanged words stays. Raises PromptError when
    espeak-ng or ffmpeg fail (the question is saved, its audio not)."""
    before = next((q["words"] for q in store.survey_questions(survey_id) if q["position"] == position), {})
    question_id = store.save_survey_question(survey_id, position, answers, words, actor)
    for lang in LANGUAGES:
        if words[lang] != before.get(lang) or not prompt_path(config, survey_id, lang, question_id).exists():
            synthesise_words(config, survey_id, question_id, lang, words[lang])
    return question_id


def synthesise_words(config: Config, survey_id: int, question_id: int, lang: str, words: str) -> None:
    """A placeholder recording of the words, as `sauti prompts build` makes the catalogue's."""
    from . import prompts
    from .prompts.synth import synthesise

    language = prompts.load_catalogue().languages[lang]
    with tempfile.TemporaryDirectory(prefix="sauti-survey-") as work:
        raw = Path(work) / "raw.wav"
        synthesise(words, language.voice, language.speed, raw)
        install(config, survey_id, question_id, lang, raw)


def install(config: Config, survey_id: int, question_id: int, lang: str, source: Path) -> None:
    """Any audio, converted as prompts are (8 kHz, trimmed, normalised); raises PromptError."""
    from .prompts.processing import to_telephone  # pydub and ffmpeg: only where audio is installed

    target = prompt_path(config, survey_id, lang, question_id)
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = target.with_suffix(".tmp.wav")
    to_telephone(source, staged)
    staged.replace(target)


def period_of(day: str, period: str) -> str:
    date = dt.date.fromisoformat(day)
    if period == "month":
        return f"{date:%Y-%m}"
    year, week, _ = date.isocalendar()
    return f"{year}-W{week:02d}"


def aggregate(responses: list[dict], answers: list[dict], period: str, channel: str | None = None) -> list[dict]:
    """Groups of (locality, period): responses, incomplete ones, how many came in and out, and per
    question each key's count and share; `channel` keeps only the responses of one channel.

    `responses`: id, locality, day, complete, channel; `answers`: response_id, position, answers
    (how many keys the question has), answer."""
    groups: dict[tuple, dict] = {}
    where = {}
    for r in responses:
        if channel and r["channel"] != channel:
            continue
        key = (r["locality"] or "", period_of(r["day"], period))
        group = groups.setdefault(key, {"locality": key[0], "period": key[1], "responses": 0, "incomplete": 0,
                                        "channels": dict.fromkeys(CHANNELS, 0), "questions": {}})
        group["responses"] += 1
        group["incomplete"] += 0 if r["complete"] else 1
        group["channels"][r["channel"]] += 1
        where[r["id"]] = group
    for a in answers:
        if a["response_id"] not in where:
            continue
        question = where[a["response_id"]]["questions"].setdefault(
            a["position"], {"position": a["position"], "counts": [0] * a["answers"]})
        question["counts"][a["answer"] - 1] += 1
    result = []
    for key in sorted(groups):
        group = groups[key]
        questions = []
        for position in sorted(group["questions"]):
            q = group["questions"][position]
            total = sum(q["counts"])
            q["shares"] = [count / total if total else 0.0 for count in q["counts"]]
            questions.append(q)
        result.append({**group, "questions": questions})
    return result


def to_csv(survey_name: str, groups: list[dict]) -> str:
    out = io.StringIO()
    writer = CsvWriter(out)
    writer.writerow(CSV_COLUMNS)
    for g in groups:
        for q in g["questions"]:
            for answer, (count, share) in enumerate(zip(q["counts"], q["shares"]), start=1):
                writer.writerow([survey_name, g["locality"], g["period"], g["responses"], g["incomplete"],
                                 *(g["channels"][c] for c in CHANNELS), q["position"], answer, count, f"{share:.3f}"])
    return out.getvalue()


def progress(deliveries: list[dict]) -> dict:
    """A run's figures: called (at least once), answered, complete, incomplete, failed (given up after
    its attempts), pending (to call, ringing or in a call) and stopped (never called once the run stopped)."""
    counts = dict.fromkeys(PROGRESS, 0)
    for d in deliveries:
        counts["called"] += d["attempts"] > 0
        counts["answered"] += "answered" in d["results"]
        state = d["state"]
        if state in ("complete", "incomplete", "stopped"):
            counts[state] += 1
        elif state in GIVEN_UP:
            counts["failed"] += 1
        elif state in PENDING:
            counts["pending"] += 1
    return counts
