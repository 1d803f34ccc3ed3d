"""`sauti install-service`: the units pass `systemd-analyze verify`, the log rotation runs
for real with logrotate and leaves Asterisk's logs 0600."""

from __future__ import annotations

import os
import pwd
import shutil
import stat
import subprocess
import sys

import pytest

from tests.fixtures.core import make_data_dir
from tests.fixtures.prompts import require_tools


def need(tool: str) -> str:
    require_tools(tool)
    return shutil.which(tool)


@pytest.fixture
def installed(tmp_path):
    config = make_data_dir(tmp_path / "data")
    user = pwd.getpwuid(os.getuid()).pw_name
    result = subprocess.run([sys.executable, "-m", "sauti", "--data", str(config.data_dir), "install-service",
                             "--root", str(tmp_path / "root"), "--user", user,
                             "--backup-dir", str(tmp_path / "backups")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    return config, tmp_path / "root"


def verify(*units) -> str:
    result = subprocess.run([need("systemd-analyze"), "verify", "--man=no", *map(str, units)],
                            capture_output=True, text=True, timeout=120)
    # verify exits 0 on unknown keys too: every complaint naming our files counts.
    return "\n".join(line for line in (result.stdout + result.stderr).splitlines()
                     if any(unit.name in line for unit in units)) + ("" if result.returncode == 0 else result.stderr)


def test_units_pass_systemd_analyze_verify(installed, tmp_path):
    config, root = installed
    units = root / "etc/systemd/system"
    line, maintenance, timer = units / "sauti.service", units / "sauti-maintenance.service", units / "sauti-maintenance.timer"
    assert verify(line, maintenance, timer) == ""
    text = line.read_text()
    assert f"--data {config.data_dir} up" in text and "Restart=on-failure" in text
    assert f"--data {config.data_dir} purge" in maintenance.read_text()
    assert f"--data {config.data_dir} backup" in maintenance.read_text()
    assert "OnCalendar=*-*-* 02:30" in timer.read_text() and "Persistent=true" in timer.read_text()
    # The check can fail: a misspelt key is reported.
    broken = tmp_path / "broken.service"
    broken.write_text(text.replace("Restart=on-failure", "Restrat=on-failure"))
    assert "Restrat" in verify(broken)


def test_logrotate_rotates_asterisks_logs_and_keeps_them_0600(installed, tmp_path):
    config, root = installed
    log_dir = config.data_dir / "asterisk" / "log"
    log_dir.mkdir(parents=True)
    for name in ("messages.log", "security.log"):
        (log_dir / name).write_text("line\n")
        os.chmod(log_dir / name, 0o600)
    conf = root / "etc/logrotate.d/sauti"
    state = tmp_path / "logrotate.state"
    debug = subprocess.run([need("logrotate"), "-d", "-s", str(state), str(conf)], capture_output=True, text=True)
    assert debug.returncode == 0 and "error" not in debug.stderr.lower(), debug.stderr
    forced = subprocess.run([need("logrotate"), "-f", "-s", str(state), str(conf)], capture_output=True, text=True)
    assert forced.returncode == 0, forced.stderr
    for name in ("messages.log", "security.log"):
        assert (log_dir / f"{name}.1").read_text() == "line\n"  # delaycompress: the newest old file stays plain
        fresh = (log_dir / name).stat()
        assert stat.S_IMODE(fresh.st_mode) == 0o600 and fresh.st_size == 0
        assert fresh.st_uid == os.getuid()
