"""`sauti prompts ...`: build with progress, status per language, import a person's recording."""

from __future__ import annotations

from click.testing import CliRunner

from core import prompts
from core.store import Store
from sauti.cli import main
from tests.fixtures.audio import speechlike, write_wav


def run(config, *args):
    result = CliRunner().invoke(main, ["--data", str(config.data_dir), "prompts", *args])
    return result


def test_build_shows_progress_and_status_lists_what_needs_a_person(espeak, prompts_config, prompts_dir):
    result = run(prompts_config, "build", "--lang", "ln")
    assert result.exit_code == 0, result.output
    total = len(prompts.load_catalogue().ids) + 1   # and the beep
    assert f"[{1:>{len(str(total))}}/{total}]" in result.output and f"[{total}/{total}]" in result.output
    assert "placeholder prompt(s) in ln need a human recording" in result.output
    assert (prompts_dir / "ln" / "welcome.wav").exists()

    result = run(prompts_config, "status")
    assert result.exit_code == 0, result.output
    assert "ln     Lingala" in result.output
    assert "  1 welcome                placeholder; needs a human recording" in result.output
    count = len(prompts.load_catalogue().ids)
    assert f"sw     Kiswahili      {count} prompts: {count} missing" in result.output   # only ln was built

    result = run(prompts_config, "build", "--lang", "ln")
    assert "built 0, already there" in result.output


def test_import_installs_a_recording_that_build_then_keeps(espeak, tmp_path, prompts_config, prompts_dir):
    voice = write_wav(tmp_path / "amani.wav", speechlike(1.5))
    result = run(prompts_config, "import", "ln", "1", str(voice), "--by", "amani")
    assert result.exit_code == 0, result.output
    assert f"installed {prompts_dir / 'ln' / 'welcome.wav'}" in result.output
    result = run(prompts_config, "import", "ln", "welcome", str(voice))
    assert "previous audio kept at" in result.output
    backup = result.output.split("previous audio kept at ")[1].strip()
    with Store.open(prompts_config.db_path) as store:
        entries = store.audit_entries("prompt")
    assert [(e["actor"], e["action"], e["entity_id"]) for e in entries] == [("cli", "record", 1)] * 2
    assert entries[0]["after"] == {"language": "ln", "prompt": "welcome", "backup": backup}
    audio = (prompts_dir / "ln" / "welcome.wav").read_bytes()

    result = run(prompts_config, "build", "--lang", "ln", "--force-synth")
    assert result.exit_code == 0, result.output
    assert "recorded by a person (left alone) 1" in result.output
    assert (prompts_dir / "ln" / "welcome.wav").read_bytes() == audio
    status = run(prompts_config, "status", "--lang", "ln", "--all").output
    assert "1 human" in status and "welcome                human" in status


def test_import_needs_an_installation_to_audit_it_in(tmp_path):
    voice = write_wav(tmp_path / "amani.wav", speechlike(1.5))
    result = CliRunner().invoke(main, ["--data", str(tmp_path / "nowhere"), "prompts", "import", "ln", "1", str(voice)])
    assert result.exit_code != 0 and "sauti init" in result.output and "Traceback" not in result.output


def test_import_refuses_unknown_prompts_and_silence(tmp_path, prompts_config):
    quiet = write_wav(tmp_path / "quiet.wav", speechlike(1.0) * 0)
    result = run(prompts_config, "import", "sw", "nope", str(quiet))
    assert result.exit_code != 0 and "no prompt 'nope'" in result.output
    result = run(prompts_config, "import", "sw", "welcome", str(quiet))
    assert result.exit_code != 0 and "silent" in result.output


def test_list_prints_the_recording_sheet(prompts_config):
    result = run(prompts_config, "list", "--lang", "fr")
    assert result.exit_code == 0, result.output
    assert "  2 language_menu\n      fr: Pour le français, appuyez sur trois, ou dites français.\n" in result.output
    assert "sw:" not in result.output
    result = run(prompts_config, "list", "--lang", "en")
    assert result.exit_code != 0 and "the catalogue has sw, ln, fr" in result.output
