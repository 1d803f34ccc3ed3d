"""Every page of the docs (README.md, docs/, the console's help in web/guide/) is rendered and
checked: each link reaches a file (and a heading, when it names one), each picture exists,
each `sauti ...` command is one `sauti --help` knows (with its options), each `[section] key`
is a declared setting, and the generated reference is up to date."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import markdown
import pytest

from core import sms_texts
from core.config import SECTIONS
from sauti import reference
from tests.test_operator_guide import command_path, guide_commands

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").rglob("*.md"), *(ROOT / "web" / "guide").glob("*.md")])
LINK = re.compile(r'<(?:a|img)\b[^>]*?(?:href|src)="([^"]+)"')
SETTING = re.compile(r"`\[([a-z_]+)(?:\.([a-z_]+))?\](?: ([a-z_]+))?")
# Bracketed words in code that are not settings: Vosk's [unk], a lexicon file's [category]
# tables, the dialler's {number} written as [number].
NOT_SETTINGS = {"unk", "category", "number"}


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading (and markdown's toc extension, configured so)."""
    text = re.sub(r"<[^>]+>", "", heading).strip().lower()
    return re.sub(r"\s", "-", re.sub(r"[^\w\- ]", "", text))


def render(page: Path) -> str:
    return markdown.markdown(page.read_text(), extensions=["fenced_code", "tables"])


def anchors(page: Path) -> set[str]:
    text = re.sub(r"```.*?```", "", page.read_text(), flags=re.S)
    return {slug(h) for h in re.findall(r"^#{1,6} (.+)$", text, re.M)}


def broken_links(page: Path) -> list[str]:
    broken = []
    for target in LINK.findall(render(page)):
        if re.match(r"[a-z]+:", target):
            continue   # an outside address: installations are offline, nothing to fetch
        path, _, anchor = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        if not file.exists():
            broken.append(f"{target}: no such file")
        elif anchor and file.suffix == ".md" and anchor not in anchors(file):
            broken.append(f"{target}: no heading #{anchor} in {file.name}")
    return broken


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_link_and_picture_of_the_page_is_there(page):
    assert not broken_links(page)


def alternatives(line: str) -> list[str]:
    """`sauti trunk list|show NAME` (or a table's escaped bar) is two commands."""
    first, *others = re.split(r"\\?\|", re.sub(r"\[[^\]]*\]", "", line))   # [--period week|month] is no command
    prefix = first.rsplit(" ", 1)[0]
    return [first, *(f"{prefix} {other}" for other in others)]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_command_of_the_page_exists_with_its_options(page):
    for line in [c for written in guide_commands(page.read_text()) for c in alternatives(written)]:
        try:
            words = shlex.split(line)
        except ValueError:
            words = line.split()
        path, command, options = command_path(words)
        known = {opt for param in command.params for opt in getattr(param, "opts", [])}
        assert not [o for o in options if o not in known], f"{page.name}: `{line}`"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_setting_the_page_names_is_declared(page):
    texts = set(sms_texts.load_texts())
    for section, table, key in SETTING.findall(page.read_text()):
        if section == "texts":
            assert table in texts, f"{page.name}: no [texts.{table}] in prompts/catalogue.toml"
            continue
        if section in NOT_SETTINGS:
            continue
        assert section in SECTIONS, f"{page.name}: no section [{section}]"
        fields = SECTIONS[section].__dataclass_fields__
        for name in filter(None, (table, key)):
            assert name in fields, f"{page.name}: [{section}] has no {name}"


def test_the_checks_catch_what_they_look_for(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("# Title\n\n[gone](nowhere.md) [here](#title) [there](#elsewhere) ![pic](pic.png)\n")
    assert broken_links(page) == ["nowhere.md: no such file", "#elsewhere: no heading #elsewhere in page.md",
                                  "pic.png: no such file"]
    assert SETTING.findall("`[sms] reply_hours` `[ivr.radio_languages]`") == [("sms", "", "reply_hours"),
                                                                           ("ivr", "radio_languages", "")]
    assert slug("5. Backups and restore") == "5-backups-and-restore"
    assert alternatives("sauti trunk list\\|show NAME") == ["sauti trunk list", "sauti trunk show NAME"]


def test_the_reference_is_generated_from_the_code():
    assert not reference.stale(), "run: python -m sauti.reference"
    commands = (reference.REFERENCE_DIR / "commands.md").read_text()
    settings = (reference.REFERENCE_DIR / "settings.md").read_text()
    assert "## sauti sms receive" in commands and "## sauti up" in commands
    for name, cls in SECTIONS.items():
        for key in cls.__dataclass_fields__:
            assert f"| `{key}` |" in settings, f"[{name}] {key}"


def test_the_readme_gives_the_two_commands_ci_and_the_makefile_run():
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"## The two commands\n.*?```sh\n(.*?)```", readme, re.S).group(1)
    assert [line.split("#")[0].strip() for line in block.splitlines()] == ["make run", "make test"]
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^run: setup$", makefile, re.M) and re.search(r"^test: setup$", makefile, re.M)
    assert (ROOT / ".ci" / "run").read_text().strip().endswith("make test")
    assert len(readme.splitlines()) <= 250, "a newcomer reads the README in ten minutes"
