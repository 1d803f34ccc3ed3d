"""The operator guide's installation, as written: its first commands, in a fresh shell (no
virtualenv, no SAUTI_* but the test's free ports) on a fresh clone of this checkout, reach a
running line: `sauti up` says "Sauti is up" only once every service answers, and
`sauti status` agrees."""

from __future__ import annotations

import os
import re
import signal
import subprocess
from pathlib import Path

import pytest

from tests.fixtures.asterisk import free_ports
from tests.fixtures.core import free_port, require_marker, wait_for

pytestmark = pytest.mark.asterisk

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "operator-guide.md"
FRESH_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def install_steps(language_heading: str, step_heading: str) -> list[str]:
    """The first shell block under `step_heading`, in the guide's `language_heading` part."""
    part = GUIDE.read_text().split(language_heading, 1)[1]
    section = part.split(step_heading, 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    return [line for line in block.splitlines() if line.strip()]


def test_both_languages_install_with_the_same_commands():
    assert install_steps("## Français", "### 1. Installer") == install_steps("## English", "### 1. Install")


@pytest.mark.timeout(1200)
def test_the_guides_installation_reaches_a_running_line(tmp_path):
    require_marker("asterisk", "a real Asterisk")
    steps = install_steps("## English", "### 1. Install")
    assert steps[-1] == "sauti --data /srv/sauti up", steps
    clone = tmp_path / "sauti"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    data = tmp_path / "data"
    ports = free_ports((5560, 5538, 5073, 21000))
    env = {"PATH": FRESH_PATH, "HOME": os.environ["HOME"], "LANG": "C.UTF-8",
           "SAUTI_ASTERISK_SIP_PORT": str(ports["asterisk"]["sip_port"]),
           "SAUTI_ASTERISK_AMI_PORT": str(ports["asterisk"]["ami_port"]),
           "SAUTI_ASTERISK_RTP_START": str(ports["asterisk"]["rtp_start"]),
           "SAUTI_ASTERISK_RTP_END": str(ports["asterisk"]["rtp_end"]),
           "SAUTI_IVR_AGI_PORT": str(ports["ivr"]["agi_port"]), "SAUTI_WEB_PORT": str(free_port())}
    script = "\n".join(step.replace("/srv/sauti", str(data)) for step in steps)
    log = tmp_path / "install.log"
    with log.open("wb") as out:
        # A shell of its own (its own process group), so Ctrl-C reaches `sauti up` as at a terminal.
        shell = subprocess.Popen(["bash", "-e", "-c", script], cwd=clone, env=env, stdout=out,
                                 stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_for(lambda: "Sauti is up" in log.read_text(errors="replace") or shell.poll() is not None, 900,
                 "the guide's steps to bring the line up")
        assert shell.poll() is None, log.read_text(errors="replace")[-4000:]
        status = subprocess.run(["bash", "-c", f'export PATH="$PWD/.venv/bin:$PATH"; sauti --data {data} status'],
                                cwd=clone, env=env, capture_output=True, text=True, timeout=120)
        assert status.returncode == 0, status.stdout + status.stderr
    finally:
        if shell.poll() is None:
            os.killpg(shell.pid, signal.SIGINT)
            try:
                shell.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(shell.pid, signal.SIGKILL)
                shell.wait()
    assert shell.returncode in (0, 130, -signal.SIGINT), log.read_text(errors="replace")[-4000:]
