"""The production image, proven without Docker: docker/image-root.sh (the Dockerfile's own
steps) builds a Debian unstable root with Asterisk 22, Python and Sauti; the whole line then
runs inside it as the user `sauti`, on the system-Asterisk path (no chroot of its own):
init, up, a real call from a pjsua2 phone outside the root, the alert stored, a clean stop.
On the way it is issue 19's search on this path: calls with distinctive numbers (the alert
line and the beep line through the trunk, a rejected unknown caller once `sauti up` has
replaced a killed log filter, a radio station relaying it, a dial that fails), then no file under the data directory or Asterisk's folders in the root holds one, the
security log keeps the rejected request's source address, and files are private.

The root is cached in ~/.cache/sauti/image-root-<hash of the recipe and pyproject.toml>
and reused; the checkout is bind-mounted over its /opt/sauti for each run, so the code
under test is this checkout's (editable install). Cold build: see the README.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core import config as config_module
from core.dialplan import EXTEN_ALERT, EXTEN_BEEP
from tests.fixtures import privacy
from tests.fixtures.asterisk import free_ports
from tests.fixtures.core import free_port, in_ci, require_marker, wait_for
from tests.test_ivr_e2e import alert_script, speech


CHECKOUT = Path(__file__).resolve().parent.parent
RECIPE = CHECKOUT / "docker" / "image-root.sh"
IMAGE_PORTS = (5760, 5738, 5273, 23000)
BUILD_TIMEOUT = 1800
# The test's set-up builds the root when the recipe changed: cold, minutes beyond the suite's 300 s.
pytestmark = [pytest.mark.asterisk, pytest.mark.timeout(BUILD_TIMEOUT + 300)]
NUMBERS = {"alert line": "+243817320001", "rejected": "+243817320002", "beep line": "+243817320003",
           "outbound": "+243817320004", "radio relay": "+243817320005"}
STATION = "privacy"
# Where the system's Asterisk would write by default (its own config points it at the data directory).
ASTERISK_FOLDERS = ("var/log", "var/spool/asterisk", "var/lib/asterisk", "run/asterisk")


def image_root() -> Path:
    digest = hashlib.sha256(RECIPE.read_bytes() + (CHECKOUT / "pyproject.toml").read_bytes()).hexdigest()[:16]
    return Path.home() / ".cache" / "sauti" / f"image-root-{digest}"


def unavailable(why: str):
    if in_ci():
        pytest.fail(f"the image root is needed in CI: {why}")
    pytest.skip(why)


@pytest.fixture(scope="module")
def root() -> Path:
    require_marker("asterisk", "a real Asterisk")
    if os.geteuid() != 0:
        unavailable("building and entering the image root needs root")
    path = image_root()
    if not (path / "opt/venv/bin/sauti").exists():
        if shutil.which("mmdebstrap") is None:
            unavailable("mmdebstrap is missing (scripts/bootstrap installs it)")
        started = time.monotonic()
        built = subprocess.run(["sh", str(RECIPE), "build", str(path)], capture_output=True, text=True,
                               timeout=BUILD_TIMEOUT)
        assert built.returncode == 0, (built.stdout + built.stderr)[-4000:]
        print(f"image root built in {time.monotonic() - started:.0f} s", file=sys.stderr)
    return path


def inside(root: Path, data: Path, env: dict, *command: str) -> list[str]:
    """argv running `sauti ... command` in the root as `sauti`, with this checkout and `data` mounted."""
    exports = " ".join(f"{key}={value}" for key, value in env.items())
    script = (f"mount --rbind /dev {root}/dev && mount -t proc proc {root}/proc && "
              f"mount --bind {CHECKOUT} {root}/opt/sauti && mount --bind {data} {root}/data && "
              f"exec chroot --userspec=sauti:sauti {root} /usr/bin/env -i HOME=/data PATH=/opt/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "
              f"SAUTI_DATA=/data {exports} /opt/venv/bin/sauti {' '.join(command)}")
    return ["unshare", "--mount", "--propagation", "private", "--fork", "--", "sh", "-c", script]


def test_the_whole_line_runs_in_the_image_root(root, tmp_path):
    ports = free_ports(IMAGE_PORTS)
    settings = {"SAUTI_WEB_PORT": str(free_port()), "SAUTI_ASTERISK_TRUNK_IP": privacy.TRUNK_ADDRESS,
                "SAUTI_ASTERISK_RADIO_STATIONS": STATION}
    for section, values in ports.items():
        settings |= {f"SAUTI_{section.upper()}_{key.upper()}": str(value) for key, value in values.items()}
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    owner = subprocess.run(["chroot", str(root), "id", "-u", "sauti"], capture_output=True, text=True, check=True)
    os.chown(data, int(owner.stdout), int(owner.stdout))

    def sauti(*command: str) -> subprocess.CompletedProcess:
        return subprocess.run(inside(root, data, settings, *command), capture_output=True, text=True, timeout=300)

    init = sauti("init")
    assert init.returncode == 0, init.stdout + init.stderr
    log_path = tmp_path / "up.log"
    with open(log_path, "w") as log:
        up = subprocess.Popen(inside(root, data, settings, "up"), stdout=log, stderr=subprocess.STDOUT,
                              stdin=subprocess.DEVNULL)

    def output() -> str:
        return log_path.read_text(errors="replace")

    try:
        wait_for(lambda: "Sauti is up" in output() or up.poll() is not None, 180, "`sauti up` in the root")
        assert up.poll() is None, output()
        assert "(system)" in output() and "chroot" not in output(), output()
        # The phone outside the root reads the same data directory through the host's path.
        config = config_module.load(data, env=settings)
        status = wait_for(lambda: (done := sauti("status")).returncode == 0 and done, 60,
                          "`sauti status` in the root to see every service up")
        assert "\nlog filter  up " in status.stdout and "WARNING" not in status.stdout, status.stdout
        result = privacy.trunk_call(config, EXTEN_ALERT, NUMBERS["alert line"],
                                    alert_script("sw", speech(tmp_path, "sw", 4.0))).result(timeout=150)
        assert result.answered, result.events
        # Read back as the line's own user, so nothing in the data directory changes owner.
        def stored() -> list[str]:
            return sauti("alerts", "list", "--csv").stdout.splitlines()[1:]

        (row,) = wait_for(stored, 30, "the alert to be stored")
        assert ",sw," in f",{row},", row
        # Its log filter killed, `sauti up` starts a new one: the rejection below is logged through it.
        os.kill(int((data / "asterisk/run/logfilter.pid").read_text()), signal.SIGKILL)
        wait_for(lambda: "log filter had died" in output(), 30, "`sauti up` to start a new log filter")
        privacy.rejected(config, NUMBERS["rejected"])
        beep = privacy.trunk_call(config, EXTEN_BEEP, NUMBERS["beep line"], "", answer_timeout=20).result(timeout=60)
        assert not beep.answered, "the beep line never answers"
        wait_for(lambda: privacy.by_pseudonym(config, NUMBERS["beep line"]), 10, "the missed call under its pseudonym")
        privacy.radio_relay(config, STATION, NUMBERS["radio relay"])
        privacy.dial_error(config, NUMBERS["outbound"], cli=lambda _, command: sauti("asterisk", "cli", command))
        asterisk_pid = int((data / "asterisk/run/asterisk.pid").read_text())
    finally:
        # unshare's child is `sauti up` itself (sh and chroot exec into it).
        children = Path(f"/proc/{up.pid}/task/{up.pid}/children").read_text().split() if up.poll() is None else []
        for pid in children:
            os.kill(int(pid), signal.SIGTERM)
        code = up.wait(timeout=120)
    assert code == 0, output()
    assert "Sauti is down." in output()
    wait_for(lambda: not Path(f"/proc/{asterisk_pid}").exists(), 20, "Asterisk to be gone with the line")

    # Issue 19 on the system-Asterisk path: everything the line wrote, once it has stopped.
    folders = [root / folder for folder in ASTERISK_FOLDERS if (root / folder).is_dir()]
    found = privacy.numbers_in_clear(config, folders, NUMBERS)
    assert not found, f"caller numbers written in clear: {found}"
    events = privacy.security_events(config)
    assert 'RemoteAddress="IPV4/UDP/127.0.0.1/' in events and 'AccountID="<unknown>"' in events, events[-2000:]
    assert privacy.private(privacy.modes(config)) == {}
