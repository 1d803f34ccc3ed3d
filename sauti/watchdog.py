"""`sauti up`'s watch over the Asterisk it started: started again when it dies.

Asterisk forks into the background, so it is not `sauti up`'s child: its pid file is
read every CHECK_SECONDS. When this data directory's Asterisk is gone, `pbx.start`
runs again (it clears the stale pid file, control socket and log filter), after a
back-off (Backoff) so a crash loop does not spin. The IVR needs nothing (Asterisk
opens a FastAGI connection per call); the dialler's AMI client reconnects by itself.

An operator's `sauti asterisk stop` writes STOPPED_MARKER before stopping it: the
watchdog then leaves Asterisk down (and says so once) until `sauti asterisk start`
removes the marker, so the two never fight. `sauti up` removes a stale marker when it
starts, since it starts Asterisk itself.

Each round's state is in STATE_FILE, for `sauti status` in another process: how many
times Asterisk was started again, when last, and the alarm while it cannot be.
The same loop also revives Asterisk's log filter if it died (pbx/logfilter.py).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from .supervisor import RUN_DIR

log = logging.getLogger("sauti.up")

CHECK_SECONDS = 1.0
LOG_FILTER_CHECK_SECONDS = 5.0
STOPPED_MARKER = "asterisk.stopped"
STATE_FILE = "asterisk-watchdog.json"


def stopped_marker(data_dir: Path) -> Path:
    return data_dir / RUN_DIR / STOPPED_MARKER


def mark_stopped(data_dir: Path) -> None:
    """An operator stops Asterisk on purpose: `sauti up` must not start it again."""
    path = stopped_marker(data_dir)
    path.parent.mkdir(mode=0o700, exist_ok=True)
    path.write_text("stopped with `sauti asterisk stop`\n")


def clear_stopped(data_dir: Path) -> None:
    stopped_marker(data_dir).unlink(missing_ok=True)


class Backoff:
    """Delays before each restart: 1, 2, 4... seconds up to `cap`; afresh once Asterisk
    has stayed up `stable_seconds` (a crash now and then never waits long)."""

    def __init__(self, first: float = 1.0, cap: float = 30.0, stable_seconds: float = 60.0):
        self.first, self.cap, self.stable_seconds = first, cap, stable_seconds
        self.failures = 0

    def next_delay(self, ran_for: float) -> float:
        """The wait before the next start, given how long Asterisk ran since the last one."""
        if ran_for >= self.stable_seconds:
            self.failures = 0
        delay = min(self.cap, self.first * 2 ** self.failures)
        self.failures += 1
        return delay


@dataclass
class State:
    restarts: int = 0
    last_restart: str = ""   # ISO 8601 UTC
    last_death: str = ""
    alarm: str = ""          # why Asterisk cannot be started again, while it cannot
    stopped_on_purpose: bool = False


def state_path(data_dir: Path) -> Path:
    return data_dir / RUN_DIR / STATE_FILE


def read_state(data_dir: Path) -> State | None:
    """What the watchdog of a running `sauti up` last wrote; None without one."""
    try:
        return State(**json.loads(state_path(data_dir).read_text()))
    except (OSError, ValueError, TypeError):
        return None


def describe(state: State) -> str:
    """One line for `sauti status`."""
    parts = []
    if state.restarts:
        times = "once" if state.restarts == 1 else f"{state.restarts} times"
        parts.append(f"restarted by `sauti up` {times}, last at {state.last_restart}")
    if state.stopped_on_purpose:
        parts.append("stopped with `sauti asterisk stop`: `sauti up` leaves it down until `sauti asterisk start`")
    if state.alarm:
        parts.append(state.alarm)
    return "; ".join(parts)


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


class AsteriskWatchdog:
    def __init__(self, config, stopping: threading.Event, backoff: Backoff | None = None):
        self.config = config
        self.data_dir = config.data_dir
        self.stopping = stopping
        self.backoff = backoff or Backoff()
        self.state = State()
        self.started_at = time.monotonic()
        self.thread = threading.Thread(target=self.run, name="asterisk watchdog", daemon=True)

    def start(self) -> None:
        clear_stopped(self.data_dir)
        self._save()
        self.thread.start()

    def join(self) -> None:
        """Wait for a restart in progress to end, so `sauti up` then stops what it started."""
        if self.thread.ident is not None:
            self.thread.join()
        state_path(self.data_dir).unlink(missing_ok=True)

    def _save(self) -> None:
        path = state_path(self.data_dir)
        try:
            path.parent.mkdir(mode=0o700, exist_ok=True)
            temporary = path.with_suffix(".tmp")
            temporary.write_text(json.dumps(asdict(self.state)))
            temporary.replace(path)
        except OSError as exc:  # a full disk: `sauti status` lags, the watchdog goes on
            log.error("cannot write %s: %s", path, exc.strerror)

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                self._watch()
            except Exception:  # never a silent end of the watch: logged, and it goes on
                log.exception("Asterisk's watchdog failed; watching again")
                self.stopping.wait(CHECK_SECONDS)

    def _watch(self) -> None:
        import pbx

        pid = pbx.running_pid(self.config)
        next_filter_check = time.monotonic() + LOG_FILTER_CHECK_SECONDS
        while not self.stopping.wait(CHECK_SECONDS):
            current = pbx.running_pid(self.config)
            if current is not None:
                if current != pid:  # started by the operator (`sauti asterisk start`)
                    log.info("Asterisk runs again (pid %d)", current)
                    self.started_at = time.monotonic()
                    self._set(stopped_on_purpose=False)
                pid = current
                if time.monotonic() >= next_filter_check:
                    next_filter_check = time.monotonic() + LOG_FILTER_CHECK_SECONDS
                    self._keep_log_filter()
                continue
            if stopped_marker(self.data_dir).exists():
                if not self.state.stopped_on_purpose:
                    log.warning("Asterisk was stopped with `sauti asterisk stop`: not starting it again "
                                "(`sauti asterisk start` does)")
                    self._set(stopped_on_purpose=True)
                pid = None
                continue
            ran_for = 0.0  # a start that failed: the back-off goes on growing
            if pid is not None:
                log.error("Asterisk (pid %d) died", pid)
                self._set(last_death=_now())
                ran_for = time.monotonic() - self.started_at
            pid = self._restart(ran_for)

    def _restart(self, ran_for: float) -> int | None:
        import pbx

        delay = self.backoff.next_delay(ran_for)
        log.warning("starting Asterisk again in %g s", delay)
        if self.stopping.wait(delay) or stopped_marker(self.data_dir).exists():
            return None
        try:
            pbx.start(self.config, echo=log.info)
        except pbx.PbxError as exc:
            alarm = (f"ASTERISK ALARM: Asterisk died and could not be started again: {exc}; the line answers "
                     f"no calls; `sauti up` tries again, with longer waits")
            log.error("%s", alarm)
            self._set(alarm=alarm)
            return None
        if stopped_marker(self.data_dir).exists():  # `sauti asterisk stop` came while it booted
            try:
                pbx.stop(self.config, echo=log.info)
            except pbx.PbxError as exc:
                log.error("cannot stop the Asterisk just started again: %s", exc)
            return None
        self.started_at = time.monotonic()
        pid = pbx.running_pid(self.config)
        self._set(restarts=self.state.restarts + 1, last_restart=_now(), alarm="")
        log.warning("Asterisk started again (pid %s); restarts since `sauti up`: %d", pid, self.state.restarts)
        return pid

    def _keep_log_filter(self) -> None:
        """Asterisk's log filter, started again if it dies: until then Asterisk's errors and
        security events are lost and a `logger reload` would hang (pbx/logfilter.py)."""
        import pbx

        try:
            if pbx.revive_log_filter(self.config):
                log.warning("Asterisk's log filter had died: started a new one and reloaded Asterisk's logger")
        except pbx.PbxError as exc:  # Asterisk stopping or busy: the next round tries again
            log.error("cannot restart Asterisk's log filter: %s", exc)

    def _set(self, **changes) -> None:
        for name, value in changes.items():
            setattr(self.state, name, value)
        self._save()
