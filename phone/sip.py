"""A SIP phone on pjsua2: place one call, run a script, record what the line says.

pjsua2 allows one `Endpoint` per process (a second aborts the process), so
`Phone` refuses a second instance. Everything pjsua2 does happens on the thread
that opened the Phone: no worker threads (threadCnt=0), events are pumped by
`libHandleEvents` in the runner's loop (runner.py), so Python callbacks never run
elsewhere. Run concurrent calls as separate processes (`phone.start_call`).
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sys
from pathlib import Path
from typing import Callable

import pjsua2 as pj

from .call import ANSWER_TIMEOUT, CallResult, Target, sip_host
from .runner import Account, Runner
from .script import Step

CLOCK_RATE = 8000  # telephone audio; recordings are 8 kHz 16-bit mono WAV
# The jitter buffer of a phone that only listens: latency costs nothing, a frame spliced
# into a word costs a test. pjsua2's adaptive default holds 20-40 ms, so on a busy machine
# a packet 20 ms late empties it and a frame of concealment lands inside a word (5 calls in
# 64 under load; not discarding alone: 2 in 20); a fixed 120 ms that never discards to win
# latency back: 0 in 64, with or without real-time scheduling.
JITTER_BUFFER = {
    "jbInit": 120,
    "jbMinPre": 120,
    "jbMaxPre": 120,
    "jbMax": 3000,
    "jbDiscardAlgo": 0,  # PJMEDIA_JB_DISCARD_NONE
}


def _local_address(host: str, port: int) -> str:
    """The address this machine uses to reach the server (127.0.0.1 for a loopback server)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as sock:
        sock.connect((host, port))
        return sock.getsockname()[0]


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


def _set_media_fields(config: pj.MediaConfig, fields: dict) -> None:
    """Set MediaConfig fields through pjsua2's own JSON persistence: this wheel's SWIG
    wrapper has no Python value for `jbDiscardAlgo` (an enum it leaves opaque), but
    `readObject` takes it as a number."""
    doc = pj.JsonDocument()
    doc.writeObject(config)
    data = json.loads(doc.saveString())
    data["MediaConfig"].update(fields)
    doc = pj.JsonDocument()
    doc.loadString(json.dumps(data))
    doc.readObject(config)


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
        _set_media_fields(cfg.medConfig, JITTER_BUFFER)
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

    def _account(self, target: Target, register: bool = False) -> Account:
        local = target.source or _local_address(target.host, target.port)
        acfg = pj.AccountConfig()
        acfg.idUri = target.id_uri
        acfg.sipConfig.transportId = self._transport(local)
        acfg.mediaConfig.transportConfig.boundAddress = local
        if register:
            acfg.regConfig.registrarUri = f"sip:{sip_host(target.host)}:{target.port}"
            acfg.regConfig.timeoutSec = 300
        if target.user is not None and target.password is not None:
            acfg.sipConfig.authCreds.append(pj.AuthCredInfo("digest", "*", target.user, 0, target.password))
        account = Account()
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
        runner = Runner(self.ep, target, record, echo)
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
        ignore_calls: int = 0,
        busy_calls: int = 0,
    ) -> CallResult:
        """Register as `target.user`, answer the first call within `wait_timeout`, run the steps.

        With `busy_calls` N, the first N calls are rejected busy (486); with `ignore_calls` M,
        the next M ring unanswered until the line gives up.

        For call-backs: the line calls the phone (e.g. `channel originate PJSIP/test-phone-1 ...`).
        """
        if self.ep is None:
            raise RuntimeError("Phone is not open")
        if target.user is None:
            raise ValueError("an anonymous phone cannot register")
        account = self._account(target, register=True)
        runner = Runner(self.ep, target, record, echo)
        account.runner = runner
        try:
            return runner.run_incoming(account, steps, wait_timeout, ignore_calls, busy_calls)
        finally:
            self._release(runner, account)

    def _release(self, runner: "Runner", account: Account) -> None:
        runner.release()
        account.incoming.clear()
        account.runner = None
        account.shutdown()
        del account
        self.ep.libHandleEvents(10)
