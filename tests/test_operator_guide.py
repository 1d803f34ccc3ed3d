"""docs/operator-guide.md names only commands and options that exist: every `sauti ...`
in it (code blocks and inline code) is walked through the CLI, then `--help` of that exact
subcommand path must succeed."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from sauti.cli import main

GUIDE = Path(__file__).resolve().parent.parent / "docs" / "operator-guide.md"
SECTIONS = ("install", "speech model", "prompts", "users", "trunk", "radio", "backup", "restore",
            "updates", "migrations", "no calls", "no transcripts", "disk", "admin password")


def guide_commands(text: str) -> list[str]:
    blocks = re.findall(r"```sh\n(.*?)```", text, re.S)
    lines = [line.strip() for block in blocks for line in block.splitlines()]
    spans = re.findall(r"`([^`\n]+)`", re.sub(r"```.*?```", "", text, flags=re.S))
    return [c for c in lines + [s.strip() for s in spans] if c.startswith("sauti ") and c != "sauti --help"]


def command_path(words: list[str]) -> tuple[list[str], click.Command, list[str]]:
    """The subcommand path `words` names, its command, and the options given to it."""
    words = words[1:]
    if words[:1] == ["--data"]:
        words = words[2:]
    command, path, options = main, [], []
    for word in words:
        if isinstance(command, click.Group):
            assert word in command.commands, f"`sauti {' '.join(path + [word])}`: no such command"
            command = command.commands[word]
            path.append(word)
        elif word.startswith("-"):
            options.append(word.split("=")[0])
    return path, command, options


def test_every_command_in_the_guide_exists():
    text = GUIDE.read_text()
    commands = guide_commands(text)
    assert len(commands) > 30, commands
    runner = CliRunner()
    seen = set()
    for line in commands:
        path, command, options = command_path(shlex.split(line))
        assert path, line
        assert not isinstance(command, click.Group), f"`{line}` names a group, not a command"
        known = {opt for param in command.params for opt in getattr(param, "opts", [])}
        for option in options:
            assert option in known, f"`{line}`: sauti {' '.join(path)} has no {option}"
        if tuple(path) not in seen:
            seen.add(tuple(path))
            result = runner.invoke(main, [*path, "--help"])
            assert result.exit_code == 0, (line, result.output)


def test_the_check_catches_a_command_that_does_not_exist():
    with pytest.raises(AssertionError, match="no such command"):
        command_path(shlex.split("sauti --data /x trunk sip op"))
    path, command, options = command_path(shlex.split("sauti user add x --rol verifier"))
    assert path == ["user", "add"] and "--rol" not in {o for p in command.params for o in p.opts}
    assert isinstance(command_path(["sauti", "models"])[1], click.Group)


def test_both_languages_cover_every_topic():
    text = GUIDE.read_text().lower()
    french, english = text.split("## english")
    assert "## français" in french
    for topic in SECTIONS:
        assert topic in english, topic
    for mot in ("installer", "modèle", "messages vocaux", "utilisateurs", "station radio", "sauvegarder",
                "restaurer", "mises à jour", "aucun appel", "pas de transcriptions", "disque plein",
                "mot de passe admin oublié"):
        assert mot in french, mot
