"""docs/threat-model.md cites tests by name: each one must exist, so the document stays true."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CITATION = re.compile(r"`(test_\w+\.py)::(test_\w+)`")


def _tests_in(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    return {node.name for node in tree.body
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test_")}


def test_every_test_the_threat_model_cites_exists():
    text = (ROOT / "docs" / "threat-model.md").read_text()
    cited = CITATION.findall(text)
    assert len(cited) >= 20
    missing = [f"{file}::{name}" for file, name in cited
               if not (ROOT / "tests" / file).is_file() or name not in _tests_in(ROOT / "tests" / file)]
    assert not missing, f"docs/threat-model.md cites tests that do not exist: {missing}"


def test_the_threat_model_names_every_asset_and_adversary():
    text = (ROOT / "docs" / "threat-model.md").read_text().lower()
    for needed in ("identities", "voices", "alert content", "phone numbers",
                   "armed group", "hostile official", "curious insider", "stolen laptop"):
        assert needed in text, needed
