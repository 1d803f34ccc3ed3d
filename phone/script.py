"""The test phone's call scripts: `wait 2; dtmf 1; play alert.wav; listen 12; hangup`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ACTIONS = ("wait", "dtmf", "play", "listen", "hangup")
DTMF_DIGITS = re.compile(r"^[0-9*#A-Da-d]+$")


class ScriptError(ValueError):
    """A script step that cannot be understood."""


@dataclass(frozen=True)
class Step:
    action: str               # one of ACTIONS
    seconds: float = 0.0      # wait, listen
    digits: str = ""          # dtmf
    path: Path | None = None  # play

    def __str__(self) -> str:
        if self.action in ("wait", "listen"):
            return f"{self.action} {self.seconds:g}"
        if self.action == "dtmf":
            return f"dtmf {self.digits}"
        if self.action == "play":
            return f"play {self.path}"
        return self.action


def parse(text: str) -> list[Step]:
    """Steps separated by ';' (or new lines).

    wait S        do nothing for S seconds (a hang-up by the line then is unexpected)
    dtmf DIGITS   send DIGITS as RFC 4733 events (0-9 * # A-D)
    play FILE     play a WAV file into the call; returns when the file ends
    listen S      listen up to S seconds; the line may hang up meanwhile
    hangup        hang up (done anyway after the last step)
    """
    steps = []
    for raw in re.split(r"[;\n]", text):
        words = raw.split(maxsplit=1)
        if not words:
            continue
        action, arg = words[0].lower(), (words[1].strip() if len(words) > 1 else "")
        if action not in ACTIONS:
            raise ScriptError(f"unknown step {raw.strip()!r}: use {', '.join(ACTIONS)}")
        if action in ("wait", "listen"):
            try:
                seconds = float(arg)
            except ValueError:
                raise ScriptError(f"{action} needs seconds, got {arg!r}") from None
            if seconds < 0:
                raise ScriptError(f"{action} needs seconds >= 0, got {arg!r}")
            steps.append(Step(action, seconds=seconds))
        elif action == "dtmf":
            if not DTMF_DIGITS.match(arg):
                raise ScriptError(f"dtmf needs digits from 0-9 * # A-D, got {arg!r}")
            steps.append(Step(action, digits=arg.upper()))
        elif action == "play":
            if not arg:
                raise ScriptError("play needs a WAV file")
            path = Path(arg).expanduser()
            if not path.is_file():
                raise ScriptError(f"play: no such file {path}")
            steps.append(Step(action, path=path.resolve()))
        else:
            if arg:
                raise ScriptError(f"hangup takes no argument, got {arg!r}")
            steps.append(Step(action))
    return steps
