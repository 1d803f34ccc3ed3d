"""No caller's number on disk in clear (issue 19), through the real Asterisk and IVR.

Every way into the line is called with its own distinctive number; then every file
under the data directory and the Asterisk root's log folders is searched for those
numbers. The only place one may be is the failure path's spool .meta (mode 0600),
until the IVR imports it. A second test checks the file modes after a log rotation,
a reload and a restart, and that a rejected request is still logged with its source.

A new way in or out (call-backs, outbound alerts) is one more entry in `PATHS`: a
function that places its call with the number it is given and returns once the line
has handled it. `outbound` stands for them until then: a dial that fails.
"""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import threading

import pytest

import pbx
import phone
from core.dialplan import EXTEN_ALERT, EXTEN_BEEP, SPOOL_FAILED
from pbx import logfilter
from tests.fixtures import privacy
from tests.fixtures.asterisk import PRIVATE_PORTS, AsteriskLine, free_ports
from tests.fixtures.core import wait_for
from tests.fixtures.ivr import IvrProcess
from tests.fixtures.privacy import (TRUNK_ADDRESS, by_pseudonym, digits, modes, numbers_in_clear, private,
                                    security_events, trunk_call)

pytestmark = pytest.mark.asterisk

STATION = "privacy"
NUMBERS = {
    "failure path": "+243817310001",
    "rejected": "+243817310002",
    "alert line": "+243817310003",
    "beep line": "+243817310004",
    "radio relay": "+243817310005",
    "debug log": "+243817310006",
    "outbound": "+243817310007",
}


@pytest.fixture(scope="module")
def line(tmp_path_factory, asterisk_prompts):
    overrides = free_ports(PRIVATE_PORTS)
    overrides["asterisk"] |= {"trunk_ip": TRUNK_ADDRESS, "radio_stations": [STATION]}
    data_dir = tmp_path_factory.mktemp("privacy") / "data"
    with AsteriskLine.started(data_dir, asterisk_prompts, overrides) as started:
        ivr = IvrProcess(started.config)
        started.ivr = ivr
        try:
            yield started
        finally:
            ivr.stop()


# Each path: place the call as `number`, return once the line has handled it.

def failure_path(line, number: str) -> None:
    """The IVR is down: the dialplan writes the spool .meta (mode 0600), the IVR imports it later."""
    assert not line.ivr.running
    config = line.config
    spool = config.spool_dir / SPOOL_FAILED
    call = trunk_call(config, EXTEN_ALERT, number, "listen 40; hangup")
    meta = wait_for(lambda: [m for m in spool.glob("*.meta") if number in m.read_text()], 20, "the spool meta")[0]
    assert stat.S_IMODE(meta.stat().st_mode) == 0o600, "the only file allowed to hold the number is private"
    result = call.result(timeout=90)
    assert result.answered and result.remote_hangup, result.events
    wait_for(lambda: "ended=" in meta.read_text(), 10, "the end of the call in the meta")
    line.ivr.start()
    wait_for(lambda: not meta.exists(), 30, "the import to delete the meta")
    assert by_pseudonym(config, number), "imported under the caller's pseudonym"


def rejected(line, number: str) -> None:
    """An unknown SIP user: refused, logged with its source address and without the number."""
    privacy.rejected(line.config, number)


def alert_line(line, number: str) -> None:
    result = trunk_call(line.config, EXTEN_ALERT, number, "wait 1; dtmf 1; listen 4; hangup").result(timeout=60)
    assert result.answered, result.events
    wait_for(lambda: by_pseudonym(line.config, number), 10, "the call under the caller's pseudonym")


def beep_line(line, number: str) -> None:
    result = trunk_call(line.config, EXTEN_BEEP, number, "", answer_timeout=20).result(timeout=60)
    assert not result.answered, "the beep line never answers"
    wait_for(lambda: by_pseudonym(line.config, number), 10, "the missed call under the caller's pseudonym")


def radio_relay(line, number: str) -> None:
    privacy.radio_relay(line.config, STATION, number)


def outbound(line, number: str) -> None:
    """An outbound call Asterisk cannot place (as a call-back or an acknowledgement may be)."""
    privacy.dial_error(line.config, number)


# In this order: the failure path needs the IVR down, and starts it.
PATHS = {
    "failure path": failure_path,
    "rejected": rejected,
    "alert line": alert_line,
    "beep line": beep_line,
    "radio relay": radio_relay,
    "outbound": outbound,
}


def test_no_caller_number_in_any_file_after_calls_through_every_path(line):
    for name, place in PATHS.items():
        place(line, NUMBERS[name])
    config = line.config
    root_logs = []
    runtime = pbx.find(config)
    if runtime.root is not None:
        root_logs = [p for p in (runtime.root / "var/log", runtime.root / "var/spool/asterisk") if p.is_dir()]
    found = numbers_in_clear(config, root_logs, {name: NUMBERS[name] for name in PATHS})
    assert not found, f"caller numbers written in clear: {found}"
    events = security_events(config)
    assert 'RemoteAddress="IPV4/UDP/127.0.0.1/' in events, "rejected requests keep their source address"
    assert "AccountID=\"<unknown>\"" in events


def test_the_debug_log_writes_numbers_only_while_it_is_on(line):
    config = line.config
    number = NUMBERS["debug log"]
    assert "numbers in clear" in pbx.debuglog.warning(config, 10)
    target = pbx.debuglog.start(config)
    try:
        phone.place_call(config, EXTEN_ALERT, caller=number, answer_timeout=10, timeout=30)
        wait_for(lambda: target.exists() and digits(number) in target.read_bytes(), 10, "the debug log")
    finally:
        pbx.debuglog.stop(config)
    size = target.stat().st_size
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    rejections = security_events(config).count("InvalidAccountID")
    phone.place_call(config, EXTEN_ALERT, caller=number, answer_timeout=10, timeout=30)
    wait_for(lambda: security_events(config).count("InvalidAccountID") > rejections, 10, "one more rejection")
    assert target.stat().st_size == size, "nothing more once it is off"
    target.unlink()


def test_a_killed_filter_loses_lines_writes_none_and_is_started_again(line):
    """Asterisk's side of the FIFO without its reader (pbx/logfilter.py): its writes are lost,
    a reopen (`logger reload`) waits for a reader while calls go on, and `pbx.start` on the
    running line starts a new filter, after which security events are written again."""
    config = line.config
    p = pbx.paths(config)
    os.kill(int((p.run / logfilter.PID_NAME).read_text()), signal.SIGKILL)
    wait_for(lambda: not logfilter.running(p.run), 10, "the filter to die")
    state = pbx.status(config)
    assert state.running and not state.log_filter and "log filter is not running" in str(state)
    lost, kept = "+243817310097", "+243817310096"
    phone.place_call(config, EXTEN_ALERT, caller=lost, display=lost, answer_timeout=10, timeout=30)
    reloaded = []
    reload = threading.Thread(target=lambda: reloaded.append(line.cli("logger reload") is not None))
    reload.start()
    result = phone.place_call(config, "901", caller="test-phone-1", script="listen 1; hangup", timeout=30)
    assert result.answered, "calls go on while Asterisk's logger waits for a reader"
    assert reload.is_alive(), "the reopen waits for a reader"
    pbx.start(config)  # Asterisk runs on: only the filter is started, then the logger reloaded
    reload.join(timeout=30)
    assert reloaded == [True]
    assert pbx.status(config).log_filter and "WARNING" not in str(pbx.status(config))
    rejections = security_events(config).count("InvalidAccountID")
    phone.place_call(config, EXTEN_ALERT, caller=kept, display=kept, answer_timeout=10, timeout=30)
    wait_for(lambda: security_events(config).count("InvalidAccountID") > rejections, 10, "a new rejection")
    assert stat.S_ISFIFO(os.lstat(logfilter.fifo_path(p.run)).st_mode), "still the FIFO, no plain file"
    assert numbers_in_clear(config, [], {"lost": lost, "kept": kept}) == []


def test_logs_and_the_data_directory_stay_private_after_rotation_and_restart(line):
    config = line.config
    p = pbx.paths(config)
    assert private(modes(config)) == {}
    line.cli("logger rotate")  # Asterisk's own: nothing of it may come back readable
    assert private(modes(config)) == {}
    fifo = logfilter.fifo_path(p.run)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and not list(p.run.glob(f"{fifo.name}.*")), \
        "Asterisk's rotation must not rename the FIFO away (and open a plain file in its place)"
    # An external logrotate renames the filter's files; it opens new ones.
    for name in (logfilter.SECURITY_LOG, logfilter.MESSAGES_LOG):
        if (p.log / name).exists():
            (p.log / name).rename(p.log / (name + ".1"))
    phone.place_call(config, EXTEN_ALERT, caller="+243817310099", answer_timeout=10, timeout=30)
    line.cli("channel originate PJSIP/nobody-here application Wait 1")
    wait_for(lambda: all((p.log / name).exists() for name in (logfilter.SECURITY_LOG, logfilter.MESSAGES_LOG)),
             10, "new log files")
    assert private(modes(config)) == {}
    line.cli("logger reload")
    logfilter.stop(p.run)
    assert "log filter is not running" in str(pbx.status(config)), "a dead filter is reported"
    pbx.stop(config)
    os.chmod(config.data_dir, 0o755)  # as an older version left it
    pbx.start(config)
    assert private(modes(config)) == {}
    assert "WARNING" not in str(pbx.status(config))
    result = phone.place_call(config, "901", caller="test-phone-1", script="listen 1; hangup", timeout=30)
    assert result.answered, "the line works after the restart"


def test_sauti_init_makes_the_data_directory_private(tmp_path):
    import sys

    data = tmp_path / "fresh"
    out = subprocess.run([sys.executable, "-m", "sauti", "--data", str(data), "init"], capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
