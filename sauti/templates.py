"""The deployment templates in `deploy/` (systemd, logrotate, trunks, the TLS proxy), filled in.

Templates are Jinja (`{{ name }}`) with undefined values an error, so a missing value
fails at rendering, never a unit or a trunk with a hole in it.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import jinja2

CHECKOUT = Path(__file__).resolve().parent.parent
DEPLOY_DIR = CHECKOUT / "deploy"


def render(name: str, **values) -> str:
    """`deploy/<name>` with every placeholder filled in (KeyError names a missing one)."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(DEPLOY_DIR), undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True, autoescape=False)
    return env.get_template(name).render(checkout=CHECKOUT, **values)


def sauti_command() -> str:
    """How a unit or a health check starts `sauti`: this Python, so its packages are found."""
    return f"{shlex.quote(sys.executable)} -m sauti"
