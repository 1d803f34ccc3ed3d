"""A SIP phone on pjsua2: place one call, run a script, record what the line says.

pjsua2 allows one `Endpoint` per process (a second aborts the process), so
`Phone` refuses a second instance. Everything pjsua2 does happens on the thread
that opened the Phone: no worker threads (threadCnt=0), events are pumped by
`libHandleEvents` in the loop below, so Python callbacks never run elsewhere.
Run concurrent calls as separate processes (`phone.start_call`).
"""

from __future__ import annotations

import contextlib
import os
import socket
import sys
import time
import wave
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

import pjsua2 as pj

from .script import Step

ANSWER_TIMEOUT = 30.0
HANGUP_TIMEOUT = 5.0
DTMF_SECONDS_PER_DIGIT = 0.25  # a 160 ms RFC 4733 event plus the gap before the next
CLOCK_RATE = 8000              # telephone audio; recordings are 8 kHz 16-bit mono WAV
ANONYMOUS = "anonymous"
PASSWORD_ENV = "SAUTI_PHONE_PASSWORD"  # how `python -m phone` receives the password


@dataclass(frozen=True)
class Target:
    """Who calls whom: `user` None with `password` None is an anonymous caller."""

    host: str
    port: int
    number: str
    user: str | None
    password: str | None

    @property
    def uri(self) -> str:
        return f"sip:{self.number}@{_host(self.host)}:{self.port}"

    @property
    def id_uri(self) -> str:
        if self.user is None:
            return '"Anonymous" <sip:anonymous@anonymous.invalid>'
        return f"sip:{self.user}@{_host(self.host)}:{self.port}"


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


def _host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _local_address(host: str, port: int) -> str:
    """The address this machine uses to reach the server (127.0.0.1 for a loopback server)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as sock:
        sock.connect((host, port))
        return sock.getsockname()[0]


def wav_seconds(path: Path) -> float:
    with wave.open(str(path), "rb") as wav:
        return wav.getnframes() / float(wav.getframerate())


@contextlib.contextmanager
def _stdout_silenced():
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "wb") as devnull:
            os.dup2(devnull.fileno(), 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


class _Account(pj.Account):
    """Notes incoming calls (for `Phone.answer`); callbacks run inside libHandleEvents."""

    def __init__(self):
        super().__init__()
        self.runner: "_Runner | None" = None
        self.incoming: list[_Call] = []

    def onIncomingCall(self, prm):
        # pjsua2 rejects an incoming call that has no Call object when this returns.
        call = _Call(self, None if self.incoming else self.runner, prm.callId)
        if self.incoming:  # one call at a time; the runner never hears of this one
            busy = pj.CallOpParam(True)
            busy.statusCode = 486
            call.hangup(busy)
        self.incoming.append(call)

    def registered(self) -> bool:
        info = self.getInfo()
        return info.regIsActive and info.regStatus == 200


class _Call(pj.Call):
    """Forwards pjsua2's callbacks to the runner (they run inside libHandleEvents)."""

    def __init__(self, account: pj.Account, runner: "_Runner | None", call_id: int = pj.PJSUA_INVALID_ID):
        super().__init__(account, call_id)
        self.runner = runner

    def onCallState(self, prm):
        if self.runner is not None:
            self.runner.on_state(self.getInfo())

    def onCallMediaState(self, prm):
        if self.runner is not None:
            self.runner.on_media(self)


class Phone:
    """The process's one pjsua2 endpoint, with a null audio device.

        with Phone() as phone:
            result = phone.call(target, phone.script.parse("play a.wav; listen 5"), record=Path("line.wav"))
    """

    _open = False  # pjsua2's own limit: one Endpoint per process

    def __init__(self, log_level: int = 0, log_file: Path | None = None):
        self.log_level = log_level
        self.log_file = log_file
        self.ep: pj.Endpoint | None = None
        self._transports: dict[str, int] = {}

    def __enter__(self) -> "Phone":
        self.open()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def open(self) -> None:
        if Phone._open:
            raise RuntimeError("a pjsua2 Phone is already open in this process (pjsua2 allows one)")
        Phone._open = True
        ep = pj.Endpoint()
        with _stdout_silenced():
            ep.libCreate()  # pjlib logs its start-up to stdout before any config applies
        cfg = pj.EpConfig()
        cfg.uaConfig.threadCnt = 0
        cfg.uaConfig.mainThreadOnly = False
        cfg.uaConfig.userAgent = "Sauti test phone"
        cfg.logConfig.level = self.log_level
        cfg.logConfig.consoleLevel = self.log_level if self.log_file is None else 0
        if self.log_file is not None:
            cfg.logConfig.filename = str(self.log_file)
        cfg.medConfig.clockRate = CLOCK_RATE
        cfg.medConfig.sndClockRate = CLOCK_RATE
        cfg.medConfig.noVad = True
        cfg.medConfig.ecTailLen = 0
        ep.libInit(cfg)
        ep.audDevManager().setNullDev()
        ep.libStart()
        self.ep = ep

    def close(self) -> None:
        if self.ep is None:
            return
        try:
            self.ep.libDestroy()
        finally:
            self.ep = None
            Phone._open = False

    def _transport(self, local_address: str) -> int:
        if local_address not in self._transports:
            tcfg = pj.TransportConfig()
            tcfg.port = 0
            tcfg.boundAddress = local_address
            kind = pj.PJSIP_TRANSPORT_UDP6 if ":" in local_address else pj.PJSIP_TRANSPORT_UDP
            self._transports[local_address] = self.ep.transportCreate(kind, tcfg)
        return self._transports[local_address]

    def _account(self, target: Target, register: bool = False) -> _Account:
        local = _local_address(target.host, target.port)
        acfg = pj.AccountConfig()
        acfg.idUri = target.id_uri
        acfg.sipConfig.transportId = self._transport(local)
        acfg.mediaConfig.transportConfig.boundAddress = local
        if register:
            acfg.regConfig.registrarUri = f"sip:{_host(target.host)}:{target.port}"
            acfg.regConfig.timeoutSec = 300
        if target.user is not None and target.password is not None:
            acfg.sipConfig.authCreds.append(pj.AuthCredInfo("digest", "*", target.user, 0, target.password))
        account = _Account()
        account.create(acfg)
        return account

    def call(
        self,
        target: Target,
        steps: list[Step],
        record: Path | None = None,
        echo: Callable[[str], None] | None = None,
        answer_timeout: float = ANSWER_TIMEOUT,
    ) -> CallResult:
        """Place the call, run the steps once answered, hang up; never raises for call failures."""
        if self.ep is None:
            raise RuntimeError("Phone is not open")
        account = self._account(target)
        runner = _Runner(self.ep, target, record, echo)
        try:
            return runner.run(account, steps, answer_timeout)
        finally:
            self._release(runner, account)

    def answer(
        self,
        target: Target,
        steps: list[Step],
        record: Path | None = None,
        echo: Callable[[str], None] | None = None,
        wait_timeout: float = ANSWER_TIMEOUT,
    ) -> CallResult:
        """Register as `target.user`, answer the first call within `wait_timeout`, run the steps.

        For call-backs: the line calls the phone (e.g. `channel originate PJSIP/test-phone-1 ...`).
        """
        if self.ep is None:
            raise RuntimeError("Phone is not open")
        if target.user is None:
            raise ValueError("an anonymous phone cannot register")
        account = self._account(target, register=True)
        runner = _Runner(self.ep, target, record, echo)
        account.runner = runner
        try:
            return runner.run_incoming(account, steps, wait_timeout)
        finally:
            self._release(runner, account)

    def _release(self, runner: "_Runner", account: _Account) -> None:
        runner.release()
        account.incoming.clear()
        account.runner = None
        account.shutdown()
        del account
        self.ep.libHandleEvents(10)


class _Runner:
    """One call: state from the callbacks, steps from the script, all on one thread."""

    def __init__(self, ep: pj.Endpoint, target: Target, record: Path | None, echo):
        self.ep = ep
        self.target = target
        self.record = record
        self.echo = echo
        self.result = CallResult(number=target.number, caller=target.user or ANONYMOUS,
                                 record=str(record) if record else None)
        self.started = time.monotonic()
        self.call: _Call | None = None
        self.media: pj.AudioMedia | None = None
        self.recorder: pj.AudioMediaRecorder | None = None
        self.players: list[pj.AudioMediaPlayer] = []
        self.disconnected = False
        self.confirmed = False
        self.hanging_up = False
        self.sending = False

    # callbacks
    def log(self, text: str) -> None:
        now = round(time.monotonic() - self.started, 3)
        self.result.events.append([now, text])
        if self.echo:
            self.echo(f"{now:8.3f}  {text}")

    def on_state(self, info) -> None:
        if info.lastStatusCode:
            self.result.status_code = int(info.lastStatusCode)
            self.result.reason = info.lastReason
        if info.state == pj.PJSIP_INV_STATE_CONFIRMED and not self.confirmed:
            self.confirmed = True
            self.result.answered = True
            self.result.answered_at = round(time.monotonic() - self.started, 3)
            self.log("answered")
        elif info.state == pj.PJSIP_INV_STATE_DISCONNECTED and not self.disconnected:
            self.disconnected = True
            self.result.ended_at = round(time.monotonic() - self.started, 3)
            self.media = None
            if self.hanging_up:
                self.log("hung up")
            elif self.confirmed:
                self.result.remote_hangup = True
                self.log(f"the line hung up ({info.lastStatusCode} {info.lastReason})")
            else:
                self.log(f"call failed: {info.lastStatusCode} {info.lastReason}")

    def on_media(self, call: _Call) -> None:
        info = call.getInfo()
        for index, media in enumerate(info.media):
            if media.type == pj.PJMEDIA_TYPE_AUDIO and media.status == pj.PJSUA_CALL_MEDIA_ACTIVE:
                self.media = call.getAudioMedia(index)
                if not self.sending:
                    # The null device's "microphone" is digital silence; connected, it keeps
                    # RTP flowing like a real phone, so the line's silence detection works.
                    self.ep.audDevManager().getCaptureDevMedia().startTransmit(self.media)
                    self.sending = True
                if self.record is not None and self.recorder is None:
                    self.record.parent.mkdir(parents=True, exist_ok=True)
                    self.recorder = pj.AudioMediaRecorder()
                    self.recorder.createRecorder(str(self.record))
                    self.media.startTransmit(self.recorder)
                    self.log(f"recording the line into {self.record}")
                return

    # the loop
    def pump(self, seconds: float, until: Callable[[], bool] = lambda: False) -> None:
        deadline = time.monotonic() + seconds
        while not until():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            self.ep.libHandleEvents(int(min(remaining, 0.02) * 1000) or 1)

    def run(self, account: pj.Account, steps: list[Step], answer_timeout: float) -> CallResult:
        self.log(f"calling {self.target.uri} as {self.target.user or ANONYMOUS}")
        self.call = _Call(account, self)
        try:
            self.call.makeCall(self.target.uri, pj.CallOpParam(True))
        except pj.Error as exc:
            self.result.error = f"cannot place the call: {exc.info()}"
            self.log(self.result.error)
            return self.result
        self.pump(answer_timeout, lambda: self.disconnected or (self.confirmed and self.media is not None))
        if not self.confirmed:
            if not self.disconnected:
                self.log(f"no answer within {answer_timeout:g} s")
                self.hangup()
            return self.result
        return self.run_steps(steps)

    def run_incoming(self, account: _Account, steps: list[Step], wait_timeout: float) -> CallResult:
        deadline = time.monotonic() + wait_timeout
        self.pump(wait_timeout, account.registered)
        if not account.registered():
            info = account.getInfo()
            self.result.status_code = int(info.regStatus)
            self.result.error = f"registration failed: {info.regStatus} {info.regStatusText}"
            self.log(self.result.error)
            return self.result
        self.log(f"registered as {self.target.user}; waiting for a call")
        self.pump(deadline - time.monotonic(), lambda: bool(account.incoming))
        if not account.incoming:
            self.result.error = f"no call within {wait_timeout:g} s"
            self.log(self.result.error)
            return self.result
        self.call = account.incoming[0]
        self.result.number = self.call.getInfo().remoteUri
        self.log(f"call from {self.result.number}; answering")
        answer = pj.CallOpParam(True)
        answer.statusCode = 200
        self.call.answer(answer)
        self.pump(ANSWER_TIMEOUT, lambda: self.disconnected or (self.confirmed and self.media is not None))
        if not self.confirmed:
            return self.result
        return self.run_steps(steps)

    def run_steps(self, steps: list[Step]) -> CallResult:
        for number, step in enumerate(steps):
            if self.disconnected:
                remaining = steps[number:]
                if any(s.action not in ("listen", "hangup") for s in remaining):
                    self.result.premature_hangup = True
                    self.log(f"the line hung up before: {'; '.join(map(str, remaining))}")
                break
            self.run_step(step)
            self.result.steps_done = number + 1
        if not self.disconnected:
            self.hangup()
        return self.result

    def run_step(self, step: Step) -> None:
        self.log(str(step))
        if step.action == "wait":
            self.pump(step.seconds, lambda: self.disconnected)
            self.check_premature(step)
        elif step.action == "listen":
            self.pump(step.seconds, lambda: self.disconnected)
        elif step.action == "dtmf":
            self.call.dialDtmf(step.digits)
            self.pump(DTMF_SECONDS_PER_DIGIT * len(step.digits), lambda: self.disconnected)
            self.check_premature(step)
        elif step.action == "play":
            self.play(step.path)
            self.check_premature(step)
        elif step.action == "hangup":
            self.hangup()

    def check_premature(self, step: Step) -> None:
        if self.disconnected and self.result.remote_hangup and not self.result.premature_hangup:
            self.result.premature_hangup = True
            self.log(f"the line hung up during: {step}")

    def play(self, path: Path) -> None:
        if self.media is None:
            self.log("no audio stream to play into")
            return
        seconds = wav_seconds(path)
        player = pj.AudioMediaPlayer()
        self.players.append(player)
        player.createPlayer(str(path), pj.PJMEDIA_FILE_NO_LOOP)
        player.startTransmit(self.media)
        # The null sound device paces the conference bridge in real time.
        self.pump(seconds + 0.1, lambda: self.disconnected)
        if not self.disconnected and self.media is not None:
            player.stopTransmit(self.media)
        self.log(f"played {path.name} ({seconds:.2f} s)")

    def hangup(self) -> None:
        if self.disconnected or self.call is None:
            return
        self.hanging_up = True
        try:
            self.call.hangup(pj.CallOpParam(True))
        except pj.Error as exc:
            self.log(f"hangup failed: {exc.info()}")
        self.pump(HANGUP_TIMEOUT, lambda: self.disconnected)

    def release(self) -> None:
        """Players, recorder, then the call: pjsua2 needs them gone before libDestroy()."""
        self.players.clear()
        self.recorder = None  # destroying the recorder completes the WAV header
        self.media = None
        self.call = None      # also breaks the runner <-> call reference cycle
        self.ep.libHandleEvents(10)
