"""What a test call is and what came of it; no pjsua2 here, so importing is cheap."""

from __future__ import annotations

import wave
from dataclasses import asdict, dataclass, field
from pathlib import Path

ANSWER_TIMEOUT = 30.0
ANONYMOUS = "anonymous"
PASSWORD_ENV = "SAUTI_PHONE_PASSWORD"  # how `python -m phone` receives the password


@dataclass(frozen=True)
class Target:
    """Who calls whom: `user` None with `password` None is an anonymous caller.

    `source`: the local address to call from (e.g. 127.0.0.2 to be the operator trunk
    matched by address); `display`: the From display name.
    """

    host: str
    port: int
    number: str
    user: str | None
    password: str | None
    source: str | None = None
    display: str | None = None

    @property
    def uri(self) -> str:
        return f"sip:{self.number}@{sip_host(self.host)}:{self.port}"

    @property
    def id_uri(self) -> str:
        if self.user is None:
            return '"Anonymous" <sip:anonymous@anonymous.invalid>'
        uri = f"sip:{self.user}@{sip_host(self.host)}:{self.port}"
        return f'"{self.display}" <{uri}>' if self.display else uri


@dataclass
class CallResult:
    """What happened on one call. `ok` is the verdict `sauti call` exits with."""

    number: str
    caller: str
    answered: bool = False
    remote_hangup: bool = False          # the line hung up (not the phone)
    premature_hangup: bool = False       # ... while steps other than listen/hangup remained
    steps_done: int = 0
    status_code: int = 0                 # last SIP status seen (200, 401, 404, 480...)
    reason: str = ""
    answered_at: float | None = None     # seconds since the call was placed
    ended_at: float | None = None
    record: str | None = None            # WAV of everything the line said, if asked
    error: str = ""                      # why the phone itself failed, if it did
    calls_rung: int = 0                  # incoming calls left to ring unanswered (--ignore-calls)
    events: list = field(default_factory=list)  # [seconds, text]

    @property
    def ok(self) -> bool:
        return self.answered and not self.premature_hangup and not self.error

    def to_dict(self) -> dict:
        return {**asdict(self), "ok": self.ok}

    @classmethod
    def from_dict(cls, data: dict) -> "CallResult":
        data = dict(data)
        data.pop("ok", None)
        return cls(**data)


def sip_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def wav_seconds(path: Path) -> float:
    with wave.open(str(path), "rb") as wav:
        return wav.getnframes() / float(wav.getframerate())
