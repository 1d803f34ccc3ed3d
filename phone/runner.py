"""One call on pjsua2: callbacks in, script steps out, all on the Phone's thread."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path
from typing import Callable

import numpy as np
import pjsua2 as pj

from .call import ANONYMOUS, ANSWER_TIMEOUT, CallResult, Target, wav_seconds
from .ear import Ear
from .script import Step

HANGUP_TIMEOUT = 5.0
DTMF_SECONDS_PER_DIGIT = 0.25  # a 160 ms RFC 4733 event plus the gap before the next


class Account(pj.Account):
    """Notes incoming calls (for `Phone.answer`); callbacks run inside libHandleEvents."""

    def __init__(self):
        super().__init__()
        self.runner: "Runner | None" = None
        self.incoming: list[SipCall] = []

    def onIncomingCall(self, prm):
        # pjsua2 rejects an incoming call that has no Call object when this returns.
        call = SipCall(self, None if self.incoming else self.runner, prm.callId)
        if self.incoming:  # one call at a time; the runner never hears of this one
            busy = pj.CallOpParam(True)
            busy.statusCode = 486
            call.hangup(busy)
        self.incoming.append(call)

    def registered(self) -> bool:
        info = self.getInfo()
        return info.regIsActive and info.regStatus == 200


class SipCall(pj.Call):
    """Forwards pjsua2's callbacks to the runner (they run inside libHandleEvents)."""

    def __init__(self, account: pj.Account, runner: "Runner | None", call_id: int = pj.PJSUA_INVALID_ID):
        super().__init__(account, call_id)
        self.runner = runner

    def onCallState(self, prm):
        if self.runner is not None:
            self.runner.on_state(self.getInfo())

    def onCallMediaState(self, prm):
        if self.runner is not None:
            self.runner.on_media(self)

    def onStreamDestroyed(self, prm):
        if self.runner is not None:
            self.runner.on_stream_end(self, prm.streamIdx)


class EarPort(pj.AudioMediaPort):
    """A conference port that hands every frame the line sends to the Ear (on the media clock's thread)."""

    def __init__(self, ear: Ear):
        super().__init__()
        self.ear = ear
        fmt = pj.MediaFormatAudio()
        fmt.init(pj.PJMEDIA_FORMAT_PCM, 8000, 1, 20000, 16)
        self.createPort("ear", fmt)

    def onFrameReceived(self, frame):
        if frame.type == pj.PJMEDIA_FRAME_TYPE_AUDIO and frame.size:
            self.ear.hear(np.frombuffer(bytes(frame.buf), dtype="<i2"))


class Runner:
    """One call: state from the callbacks, steps from the script, all on one thread."""

    def __init__(self, ep: pj.Endpoint, target: Target, record: Path | None, echo):
        self.ep = ep
        self.target = target
        self.record = record
        self.echo = echo
        self.result = CallResult(number=target.number, caller=target.user or ANONYMOUS,
                                 record=str(record) if record else None)
        self.started = time.monotonic()
        self.call: SipCall | None = None
        self.media: pj.AudioMedia | None = None
        self.recorder: pj.AudioMediaRecorder | None = None
        self.players: list[pj.AudioMediaPlayer] = []
        self.disconnected = False
        self.confirmed = False
        self.hanging_up = False
        self.sending = False
        self.ear = Ear()
        self.ear_port: EarPort | None = None
        self.beep_mark = 0.0          # beeps that ended before this were already waited for
        self.step_started = [0.0, 0.0]  # this step's and the previous step's start

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

    def on_media(self, call: SipCall) -> None:
        info = call.getInfo()
        for index, media in enumerate(info.media):
            if media.type == pj.PJMEDIA_TYPE_AUDIO and media.status == pj.PJSUA_CALL_MEDIA_ACTIVE:
                self.media = call.getAudioMedia(index)
                if not self.sending:
                    # The null device's "microphone" is digital silence; connected, it keeps
                    # RTP flowing like a real phone, so the line's silence detection works.
                    self.ep.audDevManager().getCaptureDevMedia().startTransmit(self.media)
                    self.sending = True
                if self.ear_port is None:
                    self.ear_port = EarPort(self.ear)
                    self.media.startTransmit(self.ear_port)
                if self.record is not None and self.recorder is None:
                    self.record.parent.mkdir(parents=True, exist_ok=True)
                    self.recorder = pj.AudioMediaRecorder()
                    self.recorder.createRecorder(str(self.record))
                    self.media.startTransmit(self.recorder)
                    self.log(f"recording the line into {self.record}")
                return

    def on_stream_end(self, call: SipCall, index: int) -> None:
        """What the jitter buffer did to the line's audio: frames it threw away (discarded),
        concealed because they never came (lost), and times it ran dry (empty)."""
        try:
            stat = call.getStreamStat(index)
        except pj.Error:
            return
        jb, rx = stat.jbuf, stat.rtcp.rxStat
        self.log(f"received {rx.pkt} packets ({rx.loss} lost, {rx.dup} duplicated, {rx.reorder} reordered); "
                 f"jitter buffer: {jb.discard} discarded, {jb.lost} lost, {jb.empty} empty, "
                 f"delay {jb.avgDelayMsec}-{jb.maxDelayMsec} ms, burst {jb.avgBurst}")

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
        self.call = SipCall(account, self)
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

    def run_incoming(self, account: Account, steps: list[Step], wait_timeout: float,
                     ignore_calls: int = 0, busy_calls: int = 0) -> CallResult:
        deadline = time.monotonic() + wait_timeout
        self.pump(wait_timeout, account.registered)
        if not account.registered():
            info = account.getInfo()
            self.result.status_code = int(info.regStatus)
            self.result.error = f"registration failed: {info.regStatus} {info.regStatusText}"
            self.log(self.result.error)
            return self.result
        self.log(f"registered as {self.target.user}; waiting for a call")
        while True:
            self.pump(deadline - time.monotonic(), lambda: bool(account.incoming))
            if not account.incoming:
                self.result.error = f"no call within {wait_timeout:g} s"
                self.log(self.result.error)
                return self.result
            if self.result.calls_rung >= ignore_calls + busy_calls:
                break
            self.let_ring(account, deadline, busy=self.result.calls_rung < busy_calls)
        self.call = account.incoming[0]
        info = self.call.getInfo()
        self.result.number = info.remoteUri
        # The number the line dialled (To), which a trunk's call names and a test phone's need not.
        self.log(f"call from {self.result.number} to {info.localUri}; answering")
        answer = pj.CallOpParam(True)
        answer.statusCode = 200
        self.call.answer(answer)
        self.pump(ANSWER_TIMEOUT, lambda: self.disconnected or (self.confirmed and self.media is not None))
        if not self.confirmed:
            return self.result
        return self.run_steps(steps)

    def let_ring(self, account: Account, deadline: float, busy: bool = False) -> None:
        """Ring without answering until the line gives up, as a caller away from their phone;
        or, `busy`, reject the call at once with 486 Busy Here, as a phone already in a call."""
        call = account.incoming[0]
        if busy:
            self.log(f"call from {call.getInfo().remoteUri}; rejecting it busy")
            rejection = pj.CallOpParam(True)
            rejection.statusCode = 486
            call.hangup(rejection)
        else:
            self.log(f"call from {call.getInfo().remoteUri}; letting it ring")
            ringing = pj.CallOpParam(True)
            ringing.statusCode = 180
            call.answer(ringing)
        self.pump(deadline - time.monotonic(), lambda: self.disconnected)
        self.result.calls_rung += 1
        self.disconnected = False  # the runner follows the next call afresh
        account.incoming.clear()

    def run_steps(self, steps: list[Step]) -> CallResult:
        for number, step in enumerate(steps):
            if self.disconnected:
                remaining = steps[number:]
                if any(s.action not in ("listen", "hangup") for s in remaining):
                    self.result.premature_hangup = True
                    self.log(f"the line hung up before: {'; '.join(map(str, remaining))}")
                break
            self.run_step(step)
            if self.result.error:
                break
            self.result.steps_done = number + 1
        if not self.disconnected:
            self.hangup()
        return self.result

    def run_step(self, step: Step) -> None:
        self.log(str(step))
        self.step_started = [time.monotonic(), self.step_started[0]]
        if step.until:
            self.wait_for_line(step)
        elif step.action == "wait":
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
        elif step.action == "freeze":
            sys.stdout.flush()
            sys.stderr.flush()
            os.kill(os.getpid(), signal.SIGSTOP)
            self.log("resumed")

    def wait_for_line(self, step: Step) -> None:
        """`wait beep` / `wait silence`: follow the line, not the clock."""
        if step.until == "beep":
            mark = self.beep_mark
            self.pump(step.seconds, lambda: self.disconnected or self.ear.beep_after(mark) is not None)
            heard = self.ear.beep_after(mark)
            if heard is not None:
                self.beep_mark = heard
                self.log("beep heard")
        else:
            since = self.step_started[0 if step.talk_from_this_step else 1]
            self.pump(step.seconds, lambda: self.disconnected or self.ear.silent_after_talk(since))
            heard = self.ear.silent_after_talk(since) or None
            if heard:
                self.log("the line stopped talking")
        if heard is None and not self.disconnected:
            self.result.error = f"no {step.until} within {step.seconds:g} s"
            self.log(self.result.error)
        self.check_premature(step)

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
        self.ear_port = None
        self.recorder = None  # destroying the recorder completes the WAV header
        self.media = None
        self.call = None      # also breaks the runner <-> call reference cycle
        self.ep.libHandleEvents(10)
