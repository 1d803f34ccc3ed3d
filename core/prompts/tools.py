"""The external programs prompts need (espeak-ng, ffmpeg), run with a message for the user
when one is missing or fails."""

from __future__ import annotations

import subprocess

from .catalogue import PromptError


def run(args: list[str], stdin: str | None = None) -> None:
    try:
        subprocess.run(args, input=stdin, text=True, capture_output=True, check=True, timeout=120)
    except FileNotFoundError:
        raise PromptError(f"{args[0]} is not installed; run scripts/bootstrap") from None
    except subprocess.CalledProcessError as exc:
        detail = (exc.stderr or "").strip().splitlines()[-1:] or [f"exit status {exc.returncode}"]
        raise PromptError(f"{args[0]} failed: {detail[0]}") from None
    except subprocess.TimeoutExpired:
        raise PromptError(f"{args[0]} took too long") from None
