"""The deployment templates in `deploy/` (systemd, logrotate, trunks, the TLS proxy), filled in.

Templates use `$name` placeholders (string.Template; `$$` is a literal dollar), so a
missing value is an error at rendering, never a unit with a hole in it.
"""

from __future__ import annotations

import shlex
import string
import sys
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent
DEPLOY_DIR = CHECKOUT / "deploy"


def render(name: str, **values) -> str:
    """`deploy/<name>` with every placeholder filled in (KeyError names a missing one)."""
    text = (DEPLOY_DIR / name).read_text()
    return string.Template(text).substitute({"checkout": CHECKOUT, **{k: str(v) for k, v in values.items()}})


def sauti_command() -> str:
    """How a unit or a health check starts `sauti`: this Python, so its packages are found."""
    return f"{shlex.quote(sys.executable)} -m sauti"
