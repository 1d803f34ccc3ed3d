"""The `sauti` command: help everywhere, init's promises, clear errors."""

from __future__ import annotations

import dataclasses
import socket
import stat

import click
import pytest
from click.testing import CliRunner

from core import config as config_module
from core.store import Store
from sauti.cli import main


def all_commands(group: click.Group, prefix=()):
    for name, command in group.commands.items():
        yield prefix + (name,), command
        if isinstance(command, click.Group):
            yield from all_commands(command, prefix + (name,))


def test_every_command_has_help():
    runner = CliRunner()
    commands = list(all_commands(main))
    assert {"init", "up", "ivr"} <= {path[0] for path, _ in commands}
    for path, command in commands:
        assert command.help and len(command.help.strip()) > 20, f"sauti {' '.join(path)} needs help text"
        result = runner.invoke(main, [*path, "--help"])
        assert result.exit_code == 0, (path, result.output)
        for param in command.params:
            if isinstance(param, click.Option) and not param.hidden and param.name != "help":
                assert param.help, f"sauti {' '.join(path)} {param.opts[0]} needs help text"


def test_every_setting_is_documented_in_the_generated_file():
    text = config_module.default_toml()
    for section, cls in config_module.SECTIONS.items():
        assert f"[{section}]" in text
        for f in dataclasses.fields(cls):
            assert f.metadata["doc"].strip(), f"{section}.{f.name} needs documentation"
            assert f"{f.name} = " in text or f"[{section}.{f.name}]" in text
    # The generated file parses and gives the defaults back.
    import tomllib

    assert tomllib.loads(text)["asr"]["models"] == {}


def test_environment_overrides_the_file(tmp_path):
    (tmp_path / "config.toml").write_text("[web]\nport = 9000\n")
    config = config_module.load(tmp_path, env={"SAUTI_WEB_PORT": "9100", "SAUTI_IVR_AGI_BIND": "0.0.0.0"})
    assert config.web.port == 9100 and config.ivr.agi_bind == "0.0.0.0"
    assert config.asterisk.ami_bind == "127.0.0.1", "services listen on loopback by default"


@pytest.mark.parametrize("content, message", [
    ("[web]\nport = 'x'\n", "web.port: expected a number"),
    ("[web]\nprot = 1\n", "unknown setting(s): prot"),
    ("[wbe]\n", "unknown section(s): wbe"),
    ("[web\n", "not valid TOML"),
])
def test_bad_configuration_is_explained(tmp_path, content, message):
    (tmp_path / "config.toml").write_text(content)
    with pytest.raises(config_module.ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        config_module.load(tmp_path, env={})


def test_init_can_write_the_admin_password_to_a_file_instead_of_printing_it(tmp_path):
    """For a container, whose output is its log: the password goes to a 0600 file."""
    data = tmp_path / "line"
    result = CliRunner().invoke(main, ["--data", str(data), "init", "--password-file", str(data / "secrets" / "admin")])
    assert result.exit_code == 0, result.output
    password = (data / "secrets" / "admin").read_text().strip()
    assert stat.S_IMODE((data / "secrets" / "admin").stat().st_mode) == 0o600
    assert password not in result.output and "with password" not in result.output
    from core.identity import check_password

    with Store.open(data / "sauti.db") as store:
        assert check_password(store.get_user("admin")["password_hash"], password)


def test_init_creates_everything_once(tmp_path):
    data = tmp_path / "line"
    runner = CliRunner()
    result = runner.invoke(main, ["--data", str(data), "init"])
    assert result.exit_code == 0, result.output
    assert "created console account 'admin' with password: " in result.output
    password = result.output.split("with password: ")[1].split()[0]
    for name in ("pseudonym.key", "console.key", "ami.secret", "phones.secret"):
        assert stat.S_IMODE((data / "secrets" / name).stat().st_mode) == 0o600
    # The installation's prompts are its own copy: recordings never touch the checkout.
    config = config_module.load(data, env={})
    assert config.prompts_dir == data / "prompts"
    from core import prompts

    shipped = prompts.status(prompts.CATALOGUE_PATH.parent, prompts.load_catalogue())
    copied = prompts.status(config.prompts_dir, prompts.load_catalogue())
    assert [(s.lang, s.id, s.source) for s in copied] == [(s.lang, s.id, s.source) for s in shipped]
    assert not (data / "prompts" / "catalogue.toml").exists(), "the catalogue stays with the code"
    from core.identity import check_password

    store = Store.open(data / "sauti.db")
    assert check_password(store.get_user("admin")["password_hash"], password)
    before = {p: p.read_bytes() for p in (data / "secrets").iterdir()}
    (data / "config.toml").write_text((data / "config.toml").read_text() + "\n# edited\n")

    again = runner.invoke(main, ["--data", str(data), "init"])
    assert again.exit_code != 0 and "already initialised" in again.output
    assert (data / "config.toml").read_text().endswith("# edited\n")

    forced = runner.invoke(main, ["--data", str(data), "init", "--force"])
    assert forced.exit_code == 0, forced.output
    assert "# edited" not in (data / "config.toml").read_text()
    assert {p: p.read_bytes() for p in (data / "secrets").iterdir()} == before
    assert "password" not in forced.output, "an existing admin keeps its password"
    assert len(store.list_users()) == 1


def test_missing_config_is_one_clear_line(tmp_path):
    result = CliRunner().invoke(main, ["--data", str(tmp_path / "nowhere"), "ivr"])
    assert result.exit_code != 0
    assert "run `sauti init" in result.output and "Traceback" not in result.output


def test_unwritable_data_directory_is_reported(tmp_path):
    if __import__("os").geteuid() == 0:
        target = "/proc/sauti-cannot-write-here"  # even root cannot create files in /proc
    else:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        target = str(locked / "data")
    result = CliRunner().invoke(main, ["--data", target, "init"])
    assert result.exit_code != 0 and "not writable" in result.output


def test_up_refuses_a_busy_port_before_starting_asterisk(config):
    """Without --no-asterisk: the port check must come before Asterisk is installed or started."""
    import pbx

    try:
        with socket.socket() as busy:
            busy.bind((config.web.bind, config.web.port))
            busy.listen()
            result = CliRunner().invoke(main, ["--data", str(config.data_dir), "up"])
        assert result.exit_code != 0
        assert f"console port {config.web.port} on 127.0.0.1 is in use (change [web] port)" in result.output
        assert "Asterisk:" not in result.output and not pbx.status(config).running
    finally:
        if pbx.status(config).running:   # only if the check came too late
            pbx.stop(config)
