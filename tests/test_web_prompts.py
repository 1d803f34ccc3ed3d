"""Admins replace a prompt with an uploaded recording in any common format."""

from __future__ import annotations

import io
import json
import shutil
import subprocess

import numpy as np
import pytest

from core import prompts
from tests.fixtures.core import make_data_dir
from tests.fixtures.web import csrf, login, post


@pytest.fixture
def config(tmp_path):
    """A data directory whose prompts are a copy: uploads must never touch the shipped ones."""
    copy = tmp_path / "prompts"
    shutil.copytree(prompts.CATALOGUE_PATH.parent, copy, ignore=shutil.ignore_patterns("*.lock", "backup"))
    return make_data_dir(tmp_path / "data", {"prompts": {"dir": str(copy)}})


def mp3_of_speech(tmp_path) -> bytes:
    wav = tmp_path / "speech.wav"
    mp3 = tmp_path / "speech.mp3"
    subprocess.run(["espeak-ng", "-v", "sw", "-w", str(wav), "Kwaheri na asante sana."], check=True)
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-i", str(wav), str(mp3)], check=True)
    return mp3.read_bytes()


def test_only_admins_see_and_change_prompts(client, config):
    login(client, "sam")
    assert client.get("/admin/prompts").status_code == 403
    assert client.get("/admin/prompts/ln/goodbye.wav").status_code == 403
    response = post(client, "/admin/prompts/ln/goodbye", data={"recording": (io.BytesIO(b"x"), "x.mp3")},
                    content_type="multipart/form-data")
    assert response.status_code == 403


def test_the_page_lists_every_prompt_and_plays_it(client, config):
    login(client, "ada")
    page = client.get("/admin/prompts")
    assert page.status_code == 200
    for prompt in prompts.load_catalogue().prompts.values():
        assert f'id="prompt-{prompt.id}"' in page.text
    assert "provisoire" in page.text, "Lingala placeholders are shown as such"
    audio = client.get("/admin/prompts/fr/goodbye.wav")
    assert audio.status_code == 200 and audio.data[:4] == b"RIFF"
    assert client.get("/admin/prompts/xx/goodbye.wav").status_code == 404
    assert client.get("/admin/prompts/fr/../../secrets/console.key").status_code == 404


def test_an_uploaded_mp3_replaces_the_prompt_with_a_backup_and_an_audit_entry(espeak, client, config, fresh_db,
                                                                              tmp_path):
    login(client, "ada")
    target = prompts.audio_path(config.prompts_dir, "ln", "goodbye")
    before = target.read_bytes()
    response = post(client, "/admin/prompts/ln/goodbye",
                    data={"recording": (io.BytesIO(mp3_of_speech(tmp_path)), "kwaheri.mp3")},
                    content_type="multipart/form-data")
    assert response.status_code == 302
    assert target.read_bytes() != before
    info = prompts.check_audio(target)
    assert info.problems() == [] and info.rate == 8000
    manifest = json.loads((target.parent / "manifest.json").read_text())
    assert manifest["goodbye"]["source"] == prompts.HUMAN and manifest["goodbye"]["by"] == "ada"
    assert [p.read_bytes() for p in (target.parent / "backup").glob("goodbye.*.wav")] == [before]
    entry = fresh_db.audit_entries("prompt")[0]
    assert entry["actor"] == "ada" and entry["after"]["prompt"] == "goodbye" and entry["after"]["language"] == "ln"
    assert "voix humaine" in client.get("/admin/prompts").text


def test_a_silent_or_broken_upload_is_refused_and_changes_nothing(ffmpeg, client, config, tmp_path):
    """With ffmpeg present, so the refusals are the recordings' fault, not a missing tool's."""
    login(client, "ada")
    target = prompts.audio_path(config.prompts_dir, "sw", "welcome")
    before = target.read_bytes()
    silent = io.BytesIO()
    import wave

    with wave.open(silent, "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(8000)
        handle.writeframes(np.zeros(16000, dtype=np.int16).tobytes())
    for payload, name, reason in ((silent.getvalue(), "silent.wav", "on n&#39;y entend aucune voix"),
                                  (b"not audio at all", "broken.ogg", "ce n&#39;est pas un fichier audio lisible")):
        response = post(client, "/admin/prompts/sw/welcome", data={"recording": (io.BytesIO(payload), name)},
                        content_type="multipart/form-data")
        assert response.status_code == 400 and "Enregistrement refusé : " + reason in response.text
        assert "the recording" not in response.text and "ffmpeg" not in response.text  # no English
    assert target.read_bytes() == before
    response = post(client, "/admin/prompts/sw/welcome", data={}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert post(client, "/admin/prompts/sw/nope", data={"recording": (io.BytesIO(b"x"), "x.wav")},
                content_type="multipart/form-data").status_code == 404


def test_upload_without_csrf_is_rejected(client, config):
    login(client, "ada")
    response = client.post("/admin/prompts/sw/welcome", data={"recording": (io.BytesIO(b"x"), "x.wav")},
                           content_type="multipart/form-data")
    assert response.status_code == 400


def post_big(client, url: str, data: dict):
    """A large multipart POST from a body in memory: the test client would spool it to an
    unclosed temporary file, which pytest (warnings as errors) reports."""
    from werkzeug.datastructures import FileStorage
    from werkzeug.test import encode_multipart

    fields = {k: FileStorage(v[0], filename=v[1]) if isinstance(v, tuple) else v for k, v in data.items()}
    boundary, body = encode_multipart({**fields, "csrf_token": csrf(client)})
    return client.post(url, input_stream=io.BytesIO(body), content_length=len(body),
                       content_type=f"multipart/form-data; boundary={boundary}")


def test_a_phone_recorder_s_wav_over_a_megabyte_is_accepted(espeak, client, config, tmp_path):
    """Six seconds of 48 kHz stereo: far over the 256 KiB every other form is held to."""
    wav, big = tmp_path / "speech.wav", tmp_path / "recorder.wav"
    subprocess.run(["espeak-ng", "-v", "sw", "-w", str(wav), "Kwaheri na asante sana kwa kupiga simu."], check=True)
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-i", str(wav), "-af", "apad=whole_dur=6",
                    "-ar", "48000", "-ac", "2", str(big)], check=True)
    assert big.stat().st_size > 1024 * 1024
    login(client, "ada")
    target = prompts.audio_path(config.prompts_dir, "ln", "goodbye")
    before = target.read_bytes()
    response = post_big(client, "/admin/prompts/ln/goodbye", {"recording": (io.BytesIO(big.read_bytes()), "r.wav")})
    assert response.status_code == 302, response.text
    assert target.read_bytes() != before


def test_uploads_over_the_prompts_limit_are_refused_in_french(client, config, monkeypatch):
    from web import prompts as web_prompts

    monkeypatch.setattr(web_prompts, "MAX_UPLOAD_BYTES", 1024 * 1024)  # the check, not 20 MB of test data
    login(client, "ada")
    target = prompts.audio_path(config.prompts_dir, "sw", "welcome")
    before = target.read_bytes()
    # Just over the limit: the form as a whole passes, the page says why the file does not.
    response = post_big(client, "/admin/prompts/sw/welcome",
                        {"recording": (io.BytesIO(b"\0" * (1024 * 1024 + 1)), "big.wav")})
    assert response.status_code == 413 and "Fichier trop lourd (1 Mo au plus)" in response.text
    assert 'id="prompt-welcome"' in response.text  # the prompts page again, not a bare error
    # Far over: refused before it is read, still in French.
    response = post_big(client, "/admin/prompts/sw/welcome",
                        {"recording": (io.BytesIO(b"\0" * (1200 * 1024)), "huge.wav")})
    assert response.status_code == 413 and "Envoi trop volumineux" in response.text
    assert target.read_bytes() == before
    # Every other form keeps the small app-wide limit.
    response = post_big(client, "/admin/users", {"username": "x" * (300 * 1024), "role": "verifier"})
    assert response.status_code == 413
