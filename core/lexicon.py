"""Risk keywords: plain-text lexicons per language, matched against the recognised words.

A lexicon file (`core/lexicons/<lang>.txt`, plus `names.txt` for every language) has
sections named by indicator category, one term a line, `#` starting a comment:

    [abduction]
    utekaji            # a whole word
    *tekwa             # `*` stands for any letters: walitekwa, wametekwa, ...
    watu wenye silaha  # several words: a phrase, each word a pattern

Matching ignores case and accents (Zaïre = zaire) and apostrophes (ng'ombe = ngombe);
hyphens separate words (Mai-Mai = mai mai). `*` patterns carry Swahili and Lingala
inflection: subject/tense prefixes in front of a verb root, passive and applied endings
after it. `weights.txt` gives each category's weight in the priority score.

A file of the same name in `<data dir>/lexicons/` replaces the shipped one, so a local
organisation edits its lexicons without touching code; files are re-read when they change.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from .model import CATEGORIES

SHIPPED_DIR = Path(__file__).resolve().parent / "lexicons"
NAMES = "names"
WEIGHTS = "weights.txt"
EXTRA_MATCH_BONUS = 0.25
EXTRA_MATCH_CAP = 4
HOTWORDS_MAX = 60


class LexiconError(Exception):
    """A lexicon file does not parse; the message names the file and line."""


def normalize(text: str) -> str:
    """Lower case, no accents, no apostrophes, hyphens as spaces."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    folded = stripped.casefold()
    folded = re.sub(r"['’`ʼ]", "", folded)
    folded = re.sub(r"[^\w*]+", " ", folded)
    return " ".join(folded.split())


@dataclass(frozen=True)
class Term:
    text: str              # as written in the file
    category: str
    patterns: tuple[re.Pattern, ...]
    source: str            # file:line

    @property
    def length(self) -> int:
        return len(self.patterns)


def _compile(word: str) -> re.Pattern:
    return re.compile("".join(r"\w*" if c == "*" else re.escape(c) for c in word) + r"\Z")


def parse(text: str, source: str) -> list[Term]:
    terms, category = [], None
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        where = f"{source}:{number}"
        if line.startswith("[") and line.endswith("]"):
            category = line[1:-1].strip()
            if category not in CATEGORIES:
                raise LexiconError(f"{where}: unknown category [{category}] (known: {', '.join(CATEGORIES)})")
            continue
        if category is None:
            raise LexiconError(f"{where}: term {line!r} comes before any [category] line")
        words = normalize(line).split()
        if not words or any(w.strip("*") == "" for w in words):
            raise LexiconError(f"{where}: term {line!r} has no letters")
        terms.append(Term(line, category, tuple(_compile(w) for w in words), where))
    return terms


def parse_weights(text: str, source: str) -> dict[str, float]:
    weights = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        name, sep, value = line.partition("=")
        name = name.strip()
        try:
            if not sep or name not in CATEGORIES:
                raise ValueError
            weights[name] = float(value)
        except ValueError:
            raise LexiconError(f"{source}:{number}: expected `category = number` with a known category") from None
    return weights


@dataclass(frozen=True)
class Lexicon:
    language: str
    terms: tuple[Term, ...]
    weights: dict[str, float]

    def match(self, words: list[dict]) -> list[dict]:
        """Keywords in a word list ({"word", "start", "end", "conf"} dicts, in order).

        Each recognised word is used by at most one match, the longest term starting at it."""
        tokens = []  # (normalized token, index of the word it came from)
        for index, w in enumerate(words):
            for token in normalize(w["word"]).split():
                tokens.append((token, index))
        found, i = [], 0
        by_length = sorted(self.terms, key=lambda t: -t.length)
        while i < len(tokens):
            for term in by_length:
                if i + term.length <= len(tokens) and all(
                    p.match(tokens[i + k][0]) for k, p in enumerate(term.patterns)
                ):
                    span = [words[j] for j in sorted({tokens[i + k][1] for k in range(term.length)})]
                    found.append({
                        "term": " ".join(w["word"] for w in span),
                        "category": term.category,
                        "start": span[0].get("start"),
                        "end": span[-1].get("end"),
                        "confidence": round(min(float(w.get("conf", 1.0)) for w in span), 4),
                        "pattern": term.text,
                    })
                    i += term.length
                    break
            else:
                i += 1
        return found

    def match_text(self, text: str) -> list[dict]:
        """Keywords in plain text (a verifier's corrected transcript): no times, full confidence."""
        return self.match([{"word": w, "start": None, "end": None, "conf": 1.0} for w in text.split()])

    def priority(self, keywords: list[dict]) -> float:
        """Sum over the categories found of weight x best confidence, plus a small bonus for
        repeated mentions: an alert naming killing and abduction outranks one naming land."""
        best: dict[str, float] = {}
        for k in keywords:
            best[k["category"]] = max(best.get(k["category"], 0.0), float(k["confidence"]))
        score = sum(self.weights.get(c, 1.0) * conf for c, conf in best.items())
        score += EXTRA_MATCH_BONUS * min(EXTRA_MATCH_CAP, len(keywords) - len(best))
        return round(score, 2)


@dataclass
class Lexicons:
    """Lexicons per language, read from the override directory first, then the shipped one,
    and re-read when a file changes (checked at most once per `get`)."""

    override_dir: Path | None = None
    shipped_dir: Path = SHIPPED_DIR
    _cache: dict = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _path(self, name: str) -> Path | None:
        for folder in (self.override_dir, self.shipped_dir):
            if folder is not None and (folder / name).is_file():
                return folder / name
        return None

    def get(self, language: str | None) -> Lexicon:
        names = [f"{language}.txt"] if language else []
        paths = [self._path(n) for n in names + [f"{NAMES}.txt", WEIGHTS]]
        stamp = tuple((str(p), p.stat().st_mtime_ns) if p else None for p in paths)
        with self._lock:
            cached = self._cache.get(language)
            if cached and cached[0] == stamp:
                return cached[1]
            *term_paths, weights_path = paths
            terms = []
            for p in term_paths:
                if p is not None:
                    terms.extend(parse(p.read_text(encoding="utf-8"), p.name))
            weights = parse_weights(weights_path.read_text(encoding="utf-8"), weights_path.name) if weights_path else {}
            lexicon = Lexicon(language or "", tuple(terms), weights)
            self._cache[language] = (stamp, lexicon)
            return lexicon


def read_fillers(lexicons: "Lexicons", language: str | None) -> list[str]:
    """Common words of the language that are not keywords (`<lang>.filler.txt`, words
    separated by spaces or lines, `#` comments): in grammar mode, speech that is no
    keyword needs words to land on, or it is forced onto the keywords. A model with an
    [unk] word needs fewer of them."""
    path = lexicons._path(f"{language}.filler.txt") if language else None
    if path is None:
        return []
    words = []
    for line in path.read_text(encoding="utf-8").splitlines():
        words.extend(unicodedata.normalize("NFC", line.split("#", 1)[0]).casefold().split())
    return sorted(set(words))


def grammar_words(lexicon: Lexicon) -> list[str]:
    """The whole words of a lexicon's terms, for Vosk's grammar mode (a word list cannot
    hold `*` patterns: a term with one contributes its other words only)."""
    words = set()
    for term in lexicon.terms:
        # As written (lower case, composed), not normalize()d: NFKD would split Hangul
        # into jamo and drop accents, and the model's vocabulary has neither form.
        for word in re.split(r"[\s\-]+", unicodedata.normalize("NFC", term.text).casefold()):
            if word and "*" not in word:
                words.add(word)
    return sorted(words)


def shipped_languages() -> list[str]:
    return sorted(p.stem for p in SHIPPED_DIR.glob("*.txt") if p.stem not in (NAMES, "weights") and "." not in p.stem)


def hotwords(lexicon: Lexicon) -> list[str]:
    """The lexicon's terms without `*`, as written (names, groups, places first), for a
    Whisper decoder to prefer: "codeco", "mai mai" come out spelled as verifiers write
    them. At most HOTWORDS_MAX: Whisper's prompt holds about 220 tokens."""
    names = [t for t in lexicon.terms if t.source.startswith(f"{NAMES}.txt")]
    others = [t for t in lexicon.terms if not t.source.startswith(f"{NAMES}.txt")]
    chosen: list[str] = []
    for term in [*names, *others]:
        text = unicodedata.normalize("NFC", term.text)
        # Spelled-out variants ("a d f") are for Vosk's vocabulary; Whisper writes "ADF".
        spelled = any(len(word) == 1 for word in text.split())
        if "*" not in text and not spelled and text not in chosen:
            chosen.append(text)
        if len(chosen) == HOTWORDS_MAX:
            break
    return chosen
