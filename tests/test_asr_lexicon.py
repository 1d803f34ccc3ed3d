"""Lexicons: shipped files parse, matching handles case, accents, inflection and phrases,
priority orders alerts, and local edits take effect without code changes."""

from __future__ import annotations

import os

import pytest

from core.lexicon import Lexicons, LexiconError, normalize, parse, shipped_languages
from core.model import CATEGORIES


def words(text: str, conf: float = 0.9) -> list[dict]:
    return [{"word": w, "start": float(i), "end": i + 0.5, "conf": conf} for i, w in enumerate(text.split())]


@pytest.fixture
def lexicons(tmp_path):
    return Lexicons(tmp_path / "lexicons")


def test_shipped_lexicons_parse_and_use_known_categories(lexicons):
    assert {"sw", "ln", "fr"} <= set(shipped_languages())
    for language in ("sw", "ln", "fr"):
        lexicon = lexicons.get(language)
        assert len(lexicon.terms) > 50
        assert {t.category for t in lexicon.terms} <= set(CATEGORIES)
        assert set(lexicon.weights) == set(CATEGORIES)


def test_normalize():
    assert normalize("Zaïre") == "zaire"
    assert normalize("NG'OMBE") == "ngombe"
    assert normalize("Mai-Mai") == "mai mai"
    assert normalize("Déplacés,") == "deplaces"


@pytest.mark.parametrize(
    "language, text, category",
    [
        ("sw", "watu wameua jana", "attack"),
        ("sw", "waliuawa usiku", "attack"),
        ("sw", "wanawake walitekwa", "abduction"),
        ("sw", "alibakwa", "sexual_violence"),
        ("sw", "nyumba zimechomwa", "burning_looting"),
        ("sw", "watu wenye silaha wamefika", "armed_movement"),
        ("sw", "wanakimbia kijiji", "displacement"),
        ("sw", "ng'ombe wameibiwa", "land_livestock"),
        ("ln", "babomi bato", "attack"),
        ("ln", "bakimi mboka", "displacement"),
        ("fr", "Les maisons ont été INCENDIÉES", "burning_looting"),
        ("fr", "deux femmes enlevées", "abduction"),
        ("fr", "des hommes armés", "armed_movement"),
        ("fr", "ils sont partis à Minembwe", "other"),
        ("ln", "ba ADF bakoti", "armed_movement"),
        ("sw", "Mai-Mai wamefika", "armed_movement"),
        ("fr", "les Zaïre", "armed_movement"),
    ],
)
def test_terms_match_across_inflection_case_and_accents(lexicons, language, text, category):
    found = lexicons.get(language).match(words(text))
    assert category in {k["category"] for k in found}, found


def test_everyday_words_do_not_match(lexicons):
    assert lexicons.get("sw").match(words("habari za asubuhi mvua inanyesha tunajua")) == []
    assert lexicons.get("fr").match(words("bonjour je vous appelle depuis le marché")) == []


def test_match_gives_times_confidence_and_longest_phrase(lexicons):
    found = lexicons.get("sw").match(words("watu wenye silaha walivamia", conf=0.8))
    assert found[0] == {
        "term": "watu wenye silaha", "category": "armed_movement", "start": 0.0, "end": 2.5,
        "confidence": 0.8, "pattern": "watu wenye silaha",
    }
    assert [k["term"] for k in found] == ["watu wenye silaha", "walivamia"]


def test_priority_orders_alerts(lexicons):
    sw = lexicons.get("sw")
    killing = sw.priority(sw.match(words("wameua watu na kuteka watoto")))
    land = sw.priority(sw.match(words("mgogoro wa ardhi")))
    nothing = sw.priority(sw.match(words("habari za asubuhi")))
    assert killing > land > nothing == 0
    low = sw.priority(sw.match(words("wameua", conf=0.3)))
    high = sw.priority(sw.match(words("wameua", conf=0.95)))
    assert high > low


def test_local_lexicon_replaces_the_shipped_one_and_reloads(lexicons, tmp_path):
    assert lexicons.get("sw").match(words("kipindupindu")) == []
    folder = tmp_path / "lexicons"
    folder.mkdir()
    path = folder / "sw.txt"
    path.write_text("[other]\nkipindupindu\n", encoding="utf-8")
    assert lexicons.get("sw").match(words("kipindupindu"))[0]["category"] == "other"
    path.write_text("[displacement]\nkipindupindu\n", encoding="utf-8")
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    assert lexicons.get("sw").match(words("kipindupindu"))[0]["category"] == "displacement"
    (folder / "weights.txt").write_text("displacement = 50\n", encoding="utf-8")
    assert lexicons.get("sw").priority(lexicons.get("sw").match(words("kipindupindu", conf=1.0))) == 50


@pytest.mark.parametrize(
    "text, message",
    [("wameua\n", "before any"), ("[killing]\nwameua\n", "unknown category"), ("[attack]\n***\n", "no letters")],
)
def test_bad_lexicon_files_say_where(text, message):
    with pytest.raises(LexiconError, match=message) as info:
        parse(text, "sw.txt")
    assert "sw.txt:" in str(info.value)
