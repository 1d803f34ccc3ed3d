"""Synthetic voices: espeak-ng speaks a prompt's words."""

from __future__ import annotations

import shutil
from pathlib import Path

from .catalogue import PromptError
from .tools import run


def synthesise(text: str, voice: str, speed: int, dest: Path) -> None:
    """Speak `text` with espeak-ng into a WAV file (espeak's own rate: 22050 Hz)."""
    if shutil.which("espeak-ng") is None:
        raise PromptError("espeak-ng is not installed; run scripts/bootstrap (or apt-get install espeak-ng)")
    run(["espeak-ng", "-b", "1", "-v", voice, "-s", str(int(speed)), "-w", str(dest)], text)
