"""The speech corpus: shareable alerts as a Kaldi data directory that passes its own check."""

from __future__ import annotations

import csv

import pytest
from click.testing import CliRunner

from core import corpus
from sauti.cli import main
from tests.fixtures.web import login, make_alert, post


@pytest.fixture
def shared(fresh_db, config):
    """Three shareable corrected Swahili alerts from two callers, and three that must stay out."""
    alerts = {
        "a1": make_alert(fresh_db, config, pseudonym="C-AAAAAAAA", seconds=3.0, locality="1101"),
        "a2": make_alert(fresh_db, config, pseudonym="C-AAAAAAAA", seconds=2.5, locality="1101"),
        "b1": make_alert(fresh_db, config, pseudonym="C-BBBBBBBB", seconds=4.0, locality="2101"),
        "not_shared": make_alert(fresh_db, config, pseudonym="C-CCCCCCCC"),
        "uncorrected": make_alert(fresh_db, config, pseudonym="C-DDDDDDDD"),
        "lingala": make_alert(fresh_db, config, pseudonym="C-EEEEEEEE", language="ln"),
    }
    texts = {"a1": "watu wenye bunduki wamefika kijijini", "a2": "wamechoma nyumba tatu",
             "b1": "nipigie kwa 0812 345 678 watu wamekimbia", "not_shared": "siri", "lingala": "bato ya mindoki"}
    for key, text in texts.items():
        fresh_db.add_transcript(alerts[key]["id"], text, origin="verifier", author="vera")
    for key in ("a1", "a2", "b1", "uncorrected", "lingala"):
        fresh_db.set_shareable(alerts[key]["id"], True, "ada")
    return alerts


def test_export_writes_a_kaldi_directory_that_passes_its_check(fresh_db, config, shared, tmp_path):
    out = tmp_path / "sw"
    summary = corpus.export(fresh_db, config, "sw", out)
    assert (summary.utterances, summary.speakers, summary.seconds) == (3, 2, 9.5)
    assert corpus.check(out, forbidden=("C-AAAAAAAA", "Djugu")) == []
    text = (out / "text").read_text().splitlines()
    assert [line.split()[0] for line in text] == sorted(line.split()[0] for line in text)
    assert any("[…]" in line and "345" not in line for line in text)
    assert "siri" not in (out / "text").read_text() and "mindoki" not in (out / "text").read_text()
    utt2spk = dict(line.split() for line in (out / "utt2spk").read_text().splitlines())
    assert sorted(set(utt2spk.values())) == ["spk0001", "spk0002"]
    assert sorted(utt2spk.values()).count("spk0001") == 2          # one caller, one speaker
    with open(out / "manifest.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert set(rows[0]) == set(corpus.MANIFEST) and len(rows) == 3
    # The Hugging Face audio folder a Whisper fine-tune reads: the same audio and text.
    with open(out / "metadata.csv") as handle:
        audiofolder = list(csv.DictReader(handle))
    assert [r["file_name"] for r in audiofolder] == [r["audio"] for r in rows]
    assert [r["transcription"] for r in audiofolder] == [r["text"] for r in rows]
    assert all((out / r["file_name"]).is_file() for r in audiofolder)
    readme = (out / "README.md").read_text()
    assert "| sw | 0.003 | 3 | 2 |" in readme and "no locality" in readme
    for name in corpus.FILES:
        assert "C-" not in (out / name).read_text() and "1101" not in (out / name).read_text()
    with pytest.raises(corpus.CorpusError):
        corpus.export(fresh_db, config, "sw", out)


def test_locality_only_when_included(fresh_db, config, shared, tmp_path):
    corpus.export(fresh_db, config, "sw", tmp_path / "with", include_locality=True)
    assert "1101" in (tmp_path / "with" / "manifest.csv").read_text()
    assert corpus.check(tmp_path / "with") == []


def test_the_check_finds_what_is_wrong(fresh_db, config, shared, tmp_path):
    out = tmp_path / "sw"
    corpus.export(fresh_db, config, "sw", out)
    first = sorted((out / "wav").iterdir())[0]
    first.unlink()
    segments = (out / "segments").read_text().splitlines()
    utt, rec, start, end = segments[-1].split()
    segments[-1] = f"{utt} {rec} {start} {float(end) + 1:.3f}"
    (out / "segments").write_text("\n".join(segments) + "\n")
    with open(out / "text", "a") as handle:
        handle.write("spk0009-rec99999 piga +243 812 345 678 C-ZZZZZZZZ\n")
    problems = corpus.check(out)
    assert any("no audio" in p for p in problems)
    assert any(p.startswith("metadata.csv: no audio at wav/") for p in problems)
    assert "metadata.csv's transcriptions are not the text file's" in problems
    assert any("segment ends" in p for p in problems)
    assert any("spk0009-rec99999" in p for p in problems)
    assert any("pseudonym" in p for p in problems) and any("digit run" in p for p in problems)


def test_cli_exports_and_checks_the_corpus(config, shared, tmp_path):
    runner, data = CliRunner(), ["--data", str(config.data_dir)]
    result = runner.invoke(main, [*data, "export", "corpus", "--lang", "sw", "--out", str(tmp_path / "c")])
    assert result.exit_code == 0, result.output
    assert "3 utterance(s), 2 speaker(s)" in result.output
    assert runner.invoke(main, [*data, "export", "check-corpus", str(tmp_path / "c")]).output.strip() == "ok"
    (tmp_path / "c" / "utt2spk").unlink()
    assert runner.invoke(main, [*data, "export", "check-corpus", str(tmp_path / "c")]).exit_code != 0
    lingala = runner.invoke(main, [*data, "export", "corpus", "--lang", "ln", "--out", str(tmp_path / "l")])
    assert "1 utterance(s)" in lingala.output


def test_admins_mark_alerts_shareable_audited(client, fresh_db, config):
    alert = make_alert(fresh_db, config)
    login(client, "sam")
    assert 'id="shareable"' not in client.get(f"/alerts/{alert['id']}").text
    assert post(client, f"/alerts/{alert['id']}/shareable", {"shareable": "1"}).status_code == 403
    post(client, "/logout")
    login(client, "ada")
    assert post(client, f"/alerts/{alert['id']}/shareable", {"shareable": "1"}).status_code == 302
    assert fresh_db.get_alert(alert["id"])["shareable"] == 1
    assert "No longer shareable" in client.get(f"/alerts/{alert['id']}", headers={"Accept-Language": "en"}).text \
        or "Ne plus partager" in client.get(f"/alerts/{alert['id']}").text
    post(client, f"/alerts/{alert['id']}/shareable", {"shareable": "0"})
    assert fresh_db.get_alert(alert["id"])["shareable"] == 0
    entries = [e for e in fresh_db.audit_entries("alert", alert["id"]) if e["action"] == "share"]
    assert [e["after"]["shareable"] for e in entries] == [False, True] and entries[0]["actor"] == "ada"
    assert post(client, "/alerts/999999/shareable", {"shareable": "1"}).status_code == 404


def test_the_corpus_check_knows_the_pseudonyms_the_line_makes():
    from core.identity import PSEUDONYM_PATTERN, pseudonym

    made = pseudonym(b"k" * 32, "+243970000111")
    assert PSEUDONYM_PATTERN.fullmatch(made), made
