"""The test phone's call scripts: `dtmf 1; wait beep; play alert.wav; dtmf #; wait silence; hangup`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ACTIONS = ("wait", "dtmf", "play", "listen", "hangup", "freeze")
EVENTS = ("beep", "silence", "prompt")  # `wait beep [TIMEOUT]`, `wait silence [TIMEOUT]`, `wait prompt [TIMEOUT]`
EVENT_TIMEOUT = 60.0
DTMF_DIGITS = re.compile(r"^[0-9*#A-Da-d]+$")


class ScriptError(ValueError):
    """A script step that cannot be understood."""


@dataclass(frozen=True)
class Step:
    action: str               # one of ACTIONS
    seconds: float = 0.0      # wait, listen; for `wait beep|silence`, the longest wait
    digits: str = ""          # dtmf
    path: Path | None = None  # play
    until: str = ""           # wait: one of EVENTS, or "" for a number of seconds

    @property
    def talk_from_this_step(self) -> bool:
        """`wait prompt` counts only the line's talk after it began; `wait silence` counts the
        talk since the previous step began (the line may answer a key while it is sent)."""
        return self.until == "prompt"

    def __str__(self) -> str:
        if self.until:
            return f"wait {self.until} {self.seconds:g}"
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
    wait beep [T] wait until the line's beep (a steady tone) has been heard and has ended:
                  the first beep not waited for yet; the call fails if none comes within T s (60)
    wait silence [T]  wait until the line, having talked since the previous step began,
                  has been quiet for 0.8 s; the call fails if that does not happen within T s (60)
    wait prompt [T]   the same, counting only what the line says after this step began: the
                  end of the line's next prompt, also right after another wait (a menu
                  whose options follow each other after short silences)
    dtmf DIGITS   send DIGITS as RFC 4733 events (0-9 * # A-D)
    play FILE     play a WAV file into the call; returns when the file ends
    listen S      listen up to S seconds; the line may hang up meanwhile
    freeze        stop the phone's own process (SIGSTOP): no audio, no SIP, as a crashed
                  softphone or a caller who lost signal; it goes on when sent SIGCONT
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
        if action == "wait" and arg.split() and arg.split()[0].lower() in EVENTS:
            event, *rest = arg.split()
            try:
                timeout = float(rest[0]) if rest else EVENT_TIMEOUT
            except ValueError:
                raise ScriptError(f"wait {event} takes a timeout in seconds, got {rest[0]!r}") from None
            if len(rest) > 1 or timeout <= 0:
                raise ScriptError(f"wait {event} takes one timeout > 0, got {' '.join(rest)!r}")
            steps.append(Step(action, seconds=timeout, until=event.lower()))
        elif action in ("wait", "listen"):
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
                raise ScriptError(f"{action} takes no argument, got {arg!r}")
            steps.append(Step(action))
    return steps
