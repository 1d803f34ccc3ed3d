"""The spotter on recordings of known content (tests/spotting_voices.py): espeak-ng's
Swahili through the telephone line. The example is marked in one recording; the
term is then looked for at the start, middle and end of others, said slower and
faster, with line noise; recordings without it give no hit over the threshold.

The same synthetic voice teaches and is searched here: this checks the machinery
(times, speeds, noise, no false hit), not accuracy across speakers, which
bench/spotting.py measures.
"""

from __future__ import annotations

import numpy as np
import pytest

from asr.spotting import dtw, features
from asr.spotting.spotter import DEFAULT_THRESHOLD, Example, Spotter
from tests.spotting_voices import Voice, utterance

VOICE = "sw+m3"
TERM = "bunduki"
PLACES = {
    "start": [TERM, "nyingi zilionekana sokoni"],
    "middle": ["watu wenye", TERM, "walikuja jana"],
    "end": ["walikuja na", TERM],
}
NEGATIVES = [
    ["watu walikuja kijijini jana usiku na kuiba ngombe"],
    ["mvua kubwa imenyesha leo na barabara imeharibika"],
    ["wanajeshi wamechoma nyumba tatu"],
    ["mandoki na batumbaki waliondoka"],
]


@pytest.fixture(scope="module")
def example() -> Example:
    audio, spans = utterance(["habari za asubuhi", TERM, "zilionekana sokoni"], Voice(VOICE))
    _, start, end = spans[1]
    return Example(id=1, term=TERM, category="armed_movement", frames=features.example(audio, start, end), alert_id=7)


@pytest.mark.parametrize("speed", [115, 195])
@pytest.mark.parametrize("snr_db", [30, 12])
@pytest.mark.parametrize("place", sorted(PLACES))
def test_the_term_is_found_where_it_was_said(example, place, speed, snr_db):
    audio, spans = utterance(PLACES[place], Voice(VOICE, speed=speed), snr_db=snr_db, seed=speed)
    [(_, start, end)] = [s for s in spans if s[0] == TERM]
    hits = Spotter().scan(features.mfcc(audio), [example])
    assert [h.term for h in hits] == [TERM]
    hit = hits[0]
    assert abs(hit.start - start) < 0.15 and abs(hit.end - end) < 0.3, (hit, start, end)
    assert hit.distance < DEFAULT_THRESHOLD and 0 < hit.confidence <= 1
    assert hit.example_id == 1


@pytest.mark.parametrize("speed", [115, 195])
@pytest.mark.parametrize("segments", NEGATIVES, ids=lambda s: s[0].split()[0])
def test_recordings_without_the_term_give_no_hit(example, segments, speed):
    audio, _ = utterance(segments, Voice(VOICE, speed=speed), snr_db=12, seed=speed)
    assert Spotter().scan(features.mfcc(audio), [example]) == []


def test_a_terms_threshold_overrides_the_default(example):
    audio, _ = utterance(PLACES["middle"], Voice(VOICE), snr_db=30)
    frames = features.mfcc(audio)
    [hit] = Spotter().scan(frames, [example])
    assert Spotter().scan(frames, [example], thresholds={TERM: hit.distance - 0.01}) == []
    assert Spotter().scan(frames, [example], thresholds={"mandoki": 0.01}) == [hit]


def test_a_term_said_twice_gives_two_hits_and_two_examples_one_hit(example):
    audio, spans = utterance([TERM, "na", "watu wenye", TERM], Voice(VOICE), snr_db=30)
    frames = features.mfcc(audio)
    twice = Example(id=2, term=TERM, category="armed_movement", frames=example.frames[2:-2], alert_id=8)
    hits = Spotter().scan(frames, [example, twice])
    starts = [s[1] for s in spans if s[0] == TERM]
    assert len(hits) == 2
    assert all(abs(h.start - s) < 0.2 for h, s in zip(hits, starts))


def test_dtw_profile_finds_a_slowed_copy_of_the_query():
    rng = np.random.default_rng(3)
    query = rng.normal(size=(40, 12)).astype(np.float32)
    slowed = np.repeat(query, 2, axis=0)[:79]            # half speed: the slowest step allowed
    recording = np.vstack([rng.normal(size=(100, 12)), slowed, rng.normal(size=(50, 12))]).astype(np.float32)
    match = dtw.best(query, recording)
    assert abs(match.start - 100) <= 1 and abs(match.end - 178) <= 1 and match.distance < 0.05
    assert dtw.search(query, recording, 0.05) == [match]


def test_an_example_too_short_or_silent_is_no_example():
    silence = np.zeros(8000, dtype=np.float32)
    assert features.example(silence, 0.0, 0.1).shape[0] == 0
    assert Spotter().scan(features.mfcc(silence), [Example(3, TERM, "other", np.zeros((0, 12), np.float32))]) == []
