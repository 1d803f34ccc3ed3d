"""Prompt audio: build makes files Asterisk plays as is; recordings install atomically, with a backup."""

from __future__ import annotations

import json
import os
import stat

import numpy as np
import pytest

from core import prompts
from core.prompts import builder
from tests.fixtures.audio import read_samples, silence, speechlike, write_wav
from tests.fixtures.prompts import require_tools

SAMPLE_IDS = ["welcome", "language_menu", "digit_7"]


def assert_asterisk_plays_it(path):
    """8 kHz, mono, 16-bit PCM, non-silent, peak within the normalised band."""
    info = prompts.check_audio(path)
    assert (info.rate, info.channels, info.width) == (8000, 1, 2), path
    assert info.problems() == [], (path, info)
    assert prompts.PEAK_FLOOR_DBFS <= info.peak_dbfs <= prompts.PEAK_CEILING_DBFS + 0.05, (path, info)
    samples, _ = read_samples(path)
    assert np.sqrt(np.mean(samples.astype(float) ** 2)) > 300, f"{path} is nearly silent"
    return info


def manifest(prompts_dir, lang):
    return json.loads((prompts_dir / lang / "manifest.json").read_text())


# ---------------------------------------------------------------- build


def test_build_synthesises_prompts_asterisk_plays_without_transcoding(espeak, prompts_dir, prompt_catalogue):
    seen = []
    counts = prompts.build(prompts_dir, prompt_catalogue, ids=[*SAMPLE_IDS, prompts.BEEP],
                           progress=lambda done, total, what: seen.append((done, total, what)))
    assert counts == {"built": 3 * len(SAMPLE_IDS) + 1, "kept": 0, "human": 0}
    assert [done for done, _, _ in seen] == list(range(1, counts["built"] + 1))
    assert {what for _, _, what in seen} >= {"sw/welcome: synthesised", "ln/welcome: placeholder"}
    loudness = []
    for lang in ("sw", "ln", "fr"):
        for prompt_id in SAMPLE_IDS:
            info = assert_asterisk_plays_it(prompts.audio_path(prompts_dir, lang, prompt_id))
            loudness.append(info.loudness_dbfs)
    assert max(loudness) - min(loudness) < 3.0, "prompts must play at the same level"
    assert {e["source"] for e in manifest(prompts_dir, "ln").values()} == {prompts.PLACEHOLDER}
    assert {e["source"] for e in manifest(prompts_dir, "fr").values()} == {prompts.SYNTHESISED}
    assert manifest(prompts_dir, "fr")["welcome"]["voice"] == "fr"
    placeholders = [s for s in prompts.status(prompts_dir, prompt_catalogue, ["ln"]) if s.id in SAMPLE_IDS]
    assert all(s.source == prompts.PLACEHOLDER and s.needs_human for s in placeholders)


def test_the_beep_is_a_short_1khz_tone(espeak, prompts_dir, prompt_catalogue):
    prompts.build(prompts_dir, prompt_catalogue, ids=[prompts.BEEP])
    path = prompts_dir / "common" / "beep.wav"
    assert_asterisk_plays_it(path)
    samples, rate = read_samples(path)
    assert len(samples) / rate == pytest.approx(0.3, abs=0.01)
    spectrum = np.abs(np.fft.rfft(samples))
    assert np.fft.rfftfreq(len(samples), 1 / rate)[spectrum.argmax()] == pytest.approx(1000, abs=10)


def test_build_does_only_what_is_missing(espeak, prompts_dir, prompt_catalogue):
    prompts.build(prompts_dir, prompt_catalogue, languages=["fr"], ids=["goodbye"])
    before = (prompts_dir / "fr" / "goodbye.wav").stat().st_mtime_ns
    counts = prompts.build(prompts_dir, prompt_catalogue, languages=["fr"], ids=["goodbye"])
    assert counts == {"built": 0, "kept": 1, "human": 0}
    assert (prompts_dir / "fr" / "goodbye.wav").stat().st_mtime_ns == before
    counts = prompts.build(prompts_dir, prompt_catalogue, languages=["fr"], ids=["goodbye"], force_synth=True)
    assert counts["built"] == 1


def test_build_never_overwrites_a_human_recording(espeak, tmp_path, prompts_dir, prompt_catalogue):
    recording = write_wav(tmp_path / "voice.wav", speechlike(1.5))
    prompts.install_recording(prompts_dir, prompt_catalogue, "ln", "welcome", recording, by="amani")
    # A file someone copied in by hand, with no manifest entry, is treated the same way.
    write_wav(prompts_dir / "ln" / "goodbye.wav", speechlike(1.0, seed=2))
    kept = {pid: (prompts_dir / "ln" / f"{pid}.wav").read_bytes() for pid in ("welcome", "goodbye")}

    counts = prompts.build(prompts_dir, prompt_catalogue, languages=["ln"], ids=["welcome", "goodbye"],
                           force_synth=True)

    assert counts == {"built": 0, "kept": 0, "human": 2}
    for pid, audio in kept.items():
        assert (prompts_dir / "ln" / f"{pid}.wav").read_bytes() == audio
    entry = manifest(prompts_dir, "ln")["welcome"]
    assert (entry["source"], entry["by"]) == (prompts.HUMAN, "amani")
    sources = {s.id: s.source for s in prompts.status(prompts_dir, prompt_catalogue, ["ln"])}
    assert (sources["welcome"], sources["goodbye"], sources["invalid_choice"]) == (
        prompts.HUMAN, prompts.UNLISTED, prompts.MISSING)


def test_a_recording_made_while_build_synthesises_wins_and_is_not_counted_as_built(
        espeak, tmp_path, prompts_dir, prompt_catalogue, monkeypatch):
    """The race: a person installs a recording (phone, console) after build decided to
    synthesise the prompt and before it swaps the file in. The person's file stays, and
    the count says so: it was left alone, not built."""
    voice = write_wav(tmp_path / "voice.wav", speechlike(1.5))
    real_synthesise = builder.synthesise

    def a_person_records_meanwhile(text, voice_name, speed, dest):
        real_synthesise(text, voice_name, speed, dest)
        prompts.install_recording(prompts_dir, prompt_catalogue, "ln", "goodbye", voice, by="amani")

    monkeypatch.setattr(builder, "synthesise", a_person_records_meanwhile)
    seen = []
    counts = prompts.build(prompts_dir, prompt_catalogue, languages=["ln"], ids=["goodbye"],
                           progress=lambda done, total, what: seen.append(what))

    assert counts == {"built": 0, "kept": 0, "human": 1}
    assert seen == ["ln/goodbye: kept: a person recorded it meanwhile"]
    entry = manifest(prompts_dir, "ln")["goodbye"]
    assert (entry["source"], entry["by"]) == (prompts.HUMAN, "amani")


def test_changed_words_redo_synthesised_audio_and_flag_human_recordings(espeak, tmp_path, prompts_dir):
    def catalogue(words):
        path = tmp_path / "catalogue.toml"
        path.write_text('[languages.fr]\nvoice = "fr"\n'
                        f'[prompts.goodbye]\nnumber = 9\nfr = "{words}"\n'
                        f'[prompts.welcome]\nnumber = 1\nfr = "{words}"\n')
        return prompts.load_catalogue(path)

    old = catalogue("Au revoir.")
    prompts.build(prompts_dir, old, ids=["goodbye"])
    prompts.install_recording(prompts_dir, old, "fr", "welcome", write_wav(tmp_path / "v.wav", speechlike(1.0)))
    new = catalogue("Merci, au revoir.")
    by_id = {s.id: s for s in prompts.status(prompts_dir, new)}
    assert by_id["goodbye"].stale and by_id["welcome"].stale and by_id["welcome"].needs_human
    counts = prompts.build(prompts_dir, new, ids=["goodbye", "welcome"])
    assert counts == {"built": 1, "kept": 0, "human": 1}
    assert not {s.id: s for s in prompts.status(prompts_dir, new)}["goodbye"].stale


def test_build_without_espeak_says_what_to_install(prompts_dir, prompt_catalogue, monkeypatch):
    monkeypatch.setenv("PATH", str(prompts_dir))
    with pytest.raises(prompts.PromptError, match="espeak-ng is not installed"):
        prompts.build(prompts_dir, prompt_catalogue, languages=["sw"], ids=["goodbye"])


# ---------------------------------------------------------------- installing a person's recording


def test_a_recording_is_converted_trimmed_and_normalised(ffmpeg, tmp_path, prompts_dir, prompt_catalogue):
    # An upload: 44.1 kHz stereo, quiet, with long silences around the speech.
    voice = np.concatenate([silence(1.0, 44100), speechlike(2.0, 44100, dbfs=-30), silence(2.0, 44100)])
    upload = write_wav(tmp_path / "upload.wav", np.repeat(voice, 2), rate=44100, channels=2)

    installed = prompts.install_recording(prompts_dir, prompt_catalogue, "sw", "welcome", upload)

    assert installed.path == prompts_dir / "sw" / "welcome.wav"
    assert installed.backup is None
    info = assert_asterisk_plays_it(installed.path)
    assert 2.0 <= info.seconds <= 2.0 + (prompts.LEAD_PAD_MS + prompts.TAIL_PAD_MS) / 1000 + 0.05
    assert info.loudness_dbfs == pytest.approx(prompts.TARGET_LOUDNESS_DBFS, abs=1.0)
    assert stat.S_IMODE(installed.path.stat().st_mode) == 0o644, "Asterisk must be able to read it"


def test_an_asterisk_recording_is_installed_by_prompt_number(ffmpeg, tmp_path, prompts_dir, prompt_catalogue):
    # What RECORD FILE ... wav leaves: 8 kHz 16-bit mono, the caller's # at the end cut off by Asterisk.
    recorded = write_wav(tmp_path / "rec.wav", np.concatenate([silence(0.4), speechlike(1.2), silence(0.6)]))
    installed = prompts.install_recording(prompts_dir, prompt_catalogue, "ln", "11", recorded, by="phone")
    assert installed.path == prompts_dir / "ln" / "digit_1.wav"
    assert manifest(prompts_dir, "ln")["digit_1"]["by"] == "phone"


def test_installing_keeps_the_old_audio_as_a_backup(ffmpeg, tmp_path, prompts_dir, prompt_catalogue):
    first = write_wav(tmp_path / "first.wav", speechlike(1.0, seed=1))
    second = write_wav(tmp_path / "second.wav", speechlike(1.5, seed=2))
    prompts.install_recording(prompts_dir, prompt_catalogue, "fr", "goodbye", first, by="a")
    old_audio = (prompts_dir / "fr" / "goodbye.wav").read_bytes()

    installed = prompts.install_recording(prompts_dir, prompt_catalogue, "fr", "goodbye", second, by="b")

    assert installed.backup.parent == prompts_dir / "fr" / "backup"
    assert installed.backup.read_bytes() == old_audio
    assert json.loads(installed.backup.with_suffix(".json").read_text())["by"] == "a"
    assert installed.path.read_bytes() != old_audio
    assert manifest(prompts_dir, "fr")["goodbye"]["by"] == "b"


def test_a_failed_install_leaves_the_old_prompt_and_no_debris(ffmpeg, tmp_path, prompts_dir, prompt_catalogue,
                                                               monkeypatch):
    prompts.install_recording(prompts_dir, prompt_catalogue, "sw", "goodbye",
                              write_wav(tmp_path / "a.wav", speechlike(1.0)))
    before_audio = (prompts_dir / "sw" / "goodbye.wav").read_bytes()
    before_manifest = manifest(prompts_dir, "sw")

    def fail(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError):
        prompts.install_recording(prompts_dir, prompt_catalogue, "sw", "goodbye",
                                  write_wav(tmp_path / "b.wav", speechlike(1.0, seed=3)))
    monkeypatch.undo()

    assert (prompts_dir / "sw" / "goodbye.wav").read_bytes() == before_audio
    assert manifest(prompts_dir, "sw") == before_manifest
    assert not [p.name for p in (prompts_dir / "sw").iterdir() if ".tmp" in p.name]


@pytest.mark.parametrize("samples, message", [
    (silence(3.0), "silent"),
    (speechlike(0.05), "too short"),
    (speechlike(61.0), "too long"),
])
def test_an_unusable_recording_is_refused(ffmpeg, tmp_path, prompts_dir, prompt_catalogue, samples, message):
    path = write_wav(tmp_path / "bad.wav", samples)
    with pytest.raises(prompts.PromptError, match=message):
        prompts.install_recording(prompts_dir, prompt_catalogue, "sw", "welcome", path)
    assert not (prompts_dir / "sw" / "welcome.wav").exists()


def test_a_file_that_is_not_audio_is_refused(ffmpeg, tmp_path, prompts_dir, prompt_catalogue):
    path = tmp_path / "notes.wav"
    path.write_text("not audio at all")
    with pytest.raises(prompts.PromptError, match="ffmpeg failed"):
        prompts.install_recording(prompts_dir, prompt_catalogue, "sw", "welcome", path)


def test_unknown_languages_and_prompts_are_refused(tmp_path, prompts_dir, prompt_catalogue):
    path = write_wav(tmp_path / "v.wav", speechlike(1.0))
    with pytest.raises(prompts.PromptError, match="unknown language"):
        prompts.install_recording(prompts_dir, prompt_catalogue, "en", "welcome", path)
    with pytest.raises(prompts.PromptError, match="no prompt"):
        prompts.install_recording(prompts_dir, prompt_catalogue, "sw", "hello", path)
    with pytest.raises(prompts.PromptError, match="no prompt"):
        prompts.install_recording(prompts_dir, prompt_catalogue, "sw", "beep", path)


def test_status_flags_a_file_asterisk_would_have_to_transcode(prompts_dir, prompt_catalogue):
    write_wav(prompts_dir / "fr" / "welcome.wav", speechlike(1.0, rate=16000), rate=16000)
    entry = next(s for s in prompts.status(prompts_dir, prompt_catalogue, ["fr"]) if s.id == "welcome")
    assert entry.problems == ("16000 Hz, not 8000",)
    assert entry.needs_human


def test_missing_audio_tools_fail_in_ci_rather_than_skip(monkeypatch):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="no-such-tool"):
        require_tools("no-such-tool")
    monkeypatch.setenv("CI", "")
    with pytest.raises(pytest.skip.Exception):
        require_tools("no-such-tool")
