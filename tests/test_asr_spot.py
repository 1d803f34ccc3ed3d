"""Priority before the full transcript: the keyword pass (Vosk grammar mode with the
lexicon's words) runs first on every new alert and reorders the queue."""

from __future__ import annotations

import threading

import pytest

from core.lexicon import Lexicons, grammar_words
from asr.worker import Worker
from core.model import TranscriptState
from core.store import Store
from tests.fixtures.asr import KEYWORDS_SPOKEN, KO_SENTENCE, store_alert

pytestmark = pytest.mark.model

PLAIN = ["소들이 없어졌고 밭이 불에 탔습니다", "아이들이 학교에 없습니다", "오늘 비가 많이 왔습니다"]
# Common words for the plain speech to land on (the Korean model has no [unk] word).
FILLERS = ("안녕하세요 있습니다 합니다 그리고 우리 마을 집 사람들 오늘 어제 지금 많이 없습니다 아이들 밭 불 군인 총"
           " 근처 물 학교 도와주세요 빨리 제발 이것 저것 그것 무엇 어디 누구 왜 들이 에서 에 을 를 이 가 는 은 고 다")


def test_grammar_words_are_the_lexicons_whole_words(tmp_path):
    folder = tmp_path / "lexicons"
    folder.mkdir()
    (folder / "ko.txt").write_text("[attack]\n병원\n*tekwa\nwatu wenye silaha\n", encoding="utf-8")
    (folder / "names.txt").write_text("", encoding="utf-8")
    assert grammar_words(Lexicons(folder).get("ko")) == ["silaha", "watu", "wenye", "병원"]


def test_a_burst_is_reordered_by_the_keyword_pass_before_the_full_decode(asr_config, make_models, say):
    lexicons = asr_config.data_dir / "lexicons"
    lexicons.mkdir()
    # KEYWORDS_SPOKEN: hospital, person, flight; each in its own category, as a real lexicon spreads them.
    (lexicons / "ko.txt").write_text("[displacement]\n병원\n[attack]\n사람\n[abduction]\n도망\n", encoding="utf-8")
    (lexicons / "ko.filler.txt").write_text(FILLERS, encoding="utf-8")
    with Store.open(asr_config.db_path) as store:
        # The alert with keywords comes first: by time alone it would be last in the queue.
        urgent = store_alert(store, asr_config, say(". ".join(KEYWORDS_SPOKEN) + ".", pad=0.5))
        plain = [store_alert(store, asr_config, say(text, pad=0.3)) for text in PLAIN]
        assert store.queue()[-1]["id"] == urgent["id"]
    snapshots = []

    def watch(outcome):
        with Store.open(asr_config.db_path, migrate=False) as store:
            rows = store.queue()
            snapshots.append((outcome.state, [(row["id"], row["transcript_state"]) for row in rows],
                              {row["id"]: row["keywords"] for row in rows}))

    worker = Worker(asr_config, models=make_models("ko"), lexicons=Lexicons(lexicons), threads=1, name="spot",
                    on_outcome=watch)
    worker.run(threading.Event(), until_idle=True)

    states = [state for state, _, _ in snapshots]
    assert states[:4] == ["spotted"] * 4 and "spotted" not in states[4:], states   # every pass before any decode
    _, queue, keywords = snapshots[3]
    assert queue[0] == (urgent["id"], TranscriptState.PENDING.value), "on top before its full decode"
    assert all(state == TranscriptState.PENDING.value for _, state in queue)
    heard = keywords[urgent["id"]]
    assert heard and all(k["spotted"] for k in heard)
    with Store.open(asr_config.db_path) as store:
        assert {row["transcript_state"] for row in store.queue()} == {TranscriptState.DONE.value}
        # the full transcript replaced the provisional keywords
        assert not any(k.get("spotted") for row in store.queue() for k in row["keywords"])
        assert len(plain) == 3
