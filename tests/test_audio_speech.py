"""core.audio: one definition of speech for every service, and no side effects on import."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from core.audio import speech, vad
from tests.fixtures.audio import silence, speechlike

ROOT = Path(__file__).resolve().parent.parent


def test_minimum_speech_is_defined_once_and_every_detector_judges_by_it():
    assignments = []
    for folder in ("core", "ivr", "asr", "web", "sauti"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
                assignments += [f"{path.relative_to(ROOT)}:{node.lineno}" for t in targets
                                if isinstance(t, ast.Name) and "SPEECH" in t.id and "MIN" in t.id]
    assert assignments == ["core/audio/speech.py:" + str(_line_of("MIN_SPEECH_SECONDS ="))]
    assert vad.Speech is speech.Speech
    minimum = speech.MIN_SPEECH_SECONDS
    assert speech.Speech(((1.0, 1.0 + minimum * 0.9),)).silent
    assert not speech.Speech(((1.0, 1.0 + minimum * 0.6), (2.0, 2.0 + minimum * 0.6))).silent


def _line_of(text: str) -> int:
    lines = (ROOT / "core" / "audio" / "speech.py").read_text().splitlines()
    return next(number for number, line in enumerate(lines, 1) if line.startswith(text))


@pytest.mark.parametrize("burst, silent", [(0.1, True), (0.2, True), (0.35, False), (1.0, False)])
def test_the_level_detector_needs_the_minimum_of_speech(burst, silent):
    samples = np.concatenate([silence(1.0), speechlike(burst, seed=3), silence(1.0)])
    found = speech.detect(samples, 8000)
    assert found.silent is silent, found
    assert speech.has_speech(samples, 8000) is not silent
    if not silent:
        assert found.segments[0][0] == pytest.approx(1.0, abs=0.05)
        assert found.segments[-1][1] == pytest.approx(1.0 + burst, abs=0.05)


def take(*parts: tuple[str, float], seed: int = 3) -> np.ndarray:
    """A listening window's take: ("talk", seconds) and ("quiet", seconds) in order, 3 s in all."""
    samples = np.concatenate([speechlike(s, seed=seed) if kind == "talk" else silence(s) for kind, s in parts])
    return np.concatenate([samples, silence(max(0.0, 3.0 - len(samples) / 8000))])


@pytest.mark.parametrize("parts, answer", [
    ([("talk", 1.5)], False),                                   # talking as the window opens
    ([("talk", 3.0)], False),                                   # ... and all through it
    ([("talk", 0.1), ("quiet", 0.3), ("talk", 1.0)], False),    # a gap between sentences is no pause
    ([("quiet", 0.6), ("talk", 0.8)], True),                    # an answer
    ([("quiet", 0.35), ("talk", 0.5)], True),                   # a quick one
    ([("talk", 0.5), ("quiet", 0.6), ("talk", 0.8)], True),     # carry-over, a pause, then an answer
    ([("talk", 1.0), ("quiet", 0.6), ("talk", 0.1)], False),    # ... a click after it is not one
    ([("quiet", 3.0)], False),
])
def test_only_speech_that_starts_after_the_lead_in_is_an_answer(parts, answer):
    assert speech.speech_starts_after(take(*parts), 8000, 0.3, 0.5) is answer


def test_importing_audio_changes_no_environment_and_the_vad_limits_openmp_when_created():
    """The VAD's OpenMP runs no team of threads (a limit of one, read when it loads), and the
    limit is gone from the environment after: Whisper's own OpenMP, loaded later, needs threads."""
    script = (
        "import os, numpy as np\n"
        "import asr.worker, asr.pipeline, ivr.audio, web.audio, core.prompts\n"
        "from core.audio import browser, formats, pydub_import, speech, vad, wav\n"
        "assert 'OMP_THREAD_LIMIT' not in os.environ, 'set at import'\n"
        "threads = len(os.listdir('/proc/self/task'))\n"
        "noise = np.random.default_rng(0).normal(0, 3000, 32000).astype(np.int16)\n"
        "vad.detect(noise); vad.detect(noise)\n"
        "assert len(os.listdir('/proc/self/task')) == threads, 'the VAD started OpenMP threads'\n"
        "assert 'OMP_THREAD_LIMIT' not in os.environ, os.environ.get('OMP_THREAD_LIMIT')\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "OMP_THREAD_LIMIT"}
    result = subprocess.run([sys.executable, "-W", "error", "-c", script], env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
