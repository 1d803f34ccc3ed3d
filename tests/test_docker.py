"""The container, built and run for real by Docker: the checkout's docker/Dockerfile built on a
locally made debian:sid-slim (tests/fixtures/docker.py), then docker/compose.yaml brought up
as an operator would with `docker-compose up -d`, on a private dockerd with host networking.
The line must become healthy, take a call from a pjsua2 phone outside the container, show the
alert in the console through the TLS proxy, keep a recording cut by `docker stop`, come back
by its restart policy when its main process dies, and keep every alert in its volume across
`down` and `up`; it runs as `sauti` and no caller number is in `docker logs` or the volume.

One build and one compose project for the module; its tests run in file order. The line's
ports are chosen free (host networking: the container's ports are this machine's), given by
a compose override file as the `SAUTI_*` settings an operator would set.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import signal
import sqlite3
import ssl
import subprocess
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from core import config as config_module
from core.dialplan import EXTEN_ALERT
from core.model import FLAG_PARTIAL
from sauti.supervisor import STOP_GRACE_SECONDS
from tests.fixtures import privacy
from tests.fixtures.asterisk import free_ports
from tests.fixtures.core import free_port, wait_for
from tests.fixtures.docker import BUILD_TIMEOUT, COMPOSE_FILE, Engine
from tests.test_ivr_e2e import speech

# The first test's set-up builds the image: cold, a few minutes beyond the suite's 300 s.
pytestmark = [pytest.mark.docker, pytest.mark.timeout(BUILD_TIMEOUT + 300)]

DOCKER_PORTS = (5860, 5838, 5373, 24000)
PROJECT = "sauti-suite"
NUMBERS = {"console call": "+243817330001", "stopped call": "+243817330002", "after restart": "+243817330003"}
USER, PASSWORD = "vera", "docker-pass-word-1"
HEALTHY_TIMEOUT = 300


@dataclass
class Line:
    engine: Engine
    files: list[Path]
    settings: dict[str, str]
    https_port: int

    def compose(self, *args: str, **kwargs) -> subprocess.CompletedProcess:
        return self.engine.compose(PROJECT, self.files, *args, **kwargs)

    def container(self, service: str = "sauti") -> str:
        return self.compose("ps", "-q", service).stdout.strip()

    def inspect(self, service: str = "sauti") -> dict:
        return json.loads(self.engine.docker("inspect", self.container(service)).stdout)[0]

    def volume(self, name: str) -> Path:
        return Path(self.engine.docker("volume", "inspect", "--format", "{{.Mountpoint}}",
                                       f"{PROJECT}_{name}").stdout.strip())

    @property
    def config(self):
        """The line's config as the phone outside reads it, from the data volume's host path."""
        return config_module.load(self.volume("sauti-data"), env=self.settings)

    def sauti(self, *command: str, input: str | None = None) -> subprocess.CompletedProcess:
        """`sauti ...` inside the running container, as its own user."""
        return self.engine.docker("exec", "-i", self.container(), "sauti", *command, input=input, check=False)

    def wait_healthy(self, service: str = "sauti") -> None:
        def healthy() -> bool:
            state = self.inspect(service)["State"]
            return state["Running"] and state.get("Health", {}).get("Status") == "healthy"
        wait_for(healthy, HEALTHY_TIMEOUT, f"the {service} container to be healthy", interval=1)

    def logs(self) -> str:
        return "".join(self.engine.docker("logs", self.container(service)).stdout
                       + self.engine.docker("logs", self.container(service)).stderr
                       for service in ("sauti", "proxy"))

    def references(self) -> list[str]:
        listed = self.sauti("alerts", "list", "--csv")
        assert listed.returncode == 0, listed.stdout + listed.stderr
        return sorted(row.split(",", 1)[0] for row in listed.stdout.splitlines()[1:])


def stored(config, sql: str, *args) -> list[tuple]:
    """Rows read without writing: the database stays its owner's, `sauti` in the container."""
    db = sqlite3.connect(f"file:{config.db_path}?mode=ro", uri=True)
    try:
        return db.execute(sql, args).fetchall()
    finally:
        db.close()


@pytest.fixture(scope="module")
def line(docker_engine, tmp_path_factory):
    docker_engine.build()
    ports = free_ports(DOCKER_PORTS)
    web_port, https_port, http_port = free_port(), free_port(), free_port()
    settings = {"SAUTI_WEB_PORT": str(web_port), "SAUTI_ASTERISK_TRUNK_IP": privacy.TRUNK_ADDRESS}
    for section, values in ports.items():
        settings |= {f"SAUTI_{section.upper()}_{key.upper()}": str(value) for key, value in values.items()}
    # The proxy reads the console's port as the line does; the site is the address the test dials.
    override = {"services": {
        "sauti": {"environment": settings},
        "proxy": {"environment": {"SAUTI_WEB_PORT": str(web_port), "SAUTI_SITE": "127.0.0.1",
                                  "SAUTI_PROXY_HTTPS_PORT": str(https_port),
                                  "SAUTI_PROXY_HTTP_PORT": str(http_port)}},
    }}
    path = tmp_path_factory.mktemp("compose") / "ports.yaml"
    path.write_text(json.dumps(override))  # JSON is YAML
    line = Line(docker_engine, [COMPOSE_FILE, path], settings, https_port)
    line.compose("down", "--volumes", "--remove-orphans")  # what an interrupted run left
    try:
        yield line
    finally:
        line.compose("down", "--volumes", "--remove-orphans", check=False)


def console(line: Line) -> urllib.request.OpenerDirector:
    """A browser's session with the console through the proxy, trusting only the proxy's own authority."""
    root_cert = wait_for(lambda: (p := line.volume("sauti-caddy") / "pki/authorities/local/root.crt").exists() and p,
                         60, "the proxy's local authority")
    context = ssl.create_default_context(cafile=str(root_cert))
    opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=context),
                                         urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    base = f"https://127.0.0.1:{line.https_port}"

    def login_page() -> str | None:
        try:
            with opener.open(f"{base}/login", timeout=10) as response:
                return response.read().decode()
        except OSError:
            return None

    page = wait_for(login_page, 60, "the console's login page through the proxy", interval=0.5)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"username": USER, "password": PASSWORD, "csrf_token": token}).encode()
    with opener.open(f"{base}/login", data=form, timeout=10) as response:
        assert urllib.parse.urlparse(response.url).path == "/", "logged in, sent to the queue"
    return opener


def call(line: Line, name: str, tmp_path: Path):
    """An alert in Kiswahili from the trunk; the caller hangs up soon after keying the locality."""
    wav = speech(tmp_path, "sw", 4.0, name=name.replace(" ", "-"))
    return privacy.trunk_call(line.config, EXTEN_ALERT, NUMBERS[name],
                              f"wait 1; dtmf 1; wait beep; play {wav}; dtmf #; wait silence; dtmf 4021#; listen 5; hangup")


def test_up_healthy_and_running_as_sauti(line):
    up = line.compose("up", "--detach")
    assert "error" not in up.stderr.lower(), up.stderr
    line.wait_healthy("sauti")
    line.wait_healthy("proxy")
    for service in ("sauti", "proxy"):
        who = line.engine.docker("exec", line.container(service), "id", "-un").stdout.strip()
        assert who == "sauti", service
        # The main process itself, as the host sees it (no user namespace: the same uid).
        pid = line.inspect(service)["State"]["Pid"]
        uid = Path(f"/proc/{pid}/status").read_text().split("Uid:")[1].split()[0]
        assert uid != "0" and uid == line.engine.docker("exec", line.container(service), "id", "-u").stdout.strip()
    added = line.sauti("user", "add", USER, "--role", "verifier", input=f"{PASSWORD}\n{PASSWORD}\n")
    assert added.returncode == 0, added.stdout + added.stderr
    # The first admin's password is in the volume for the operator, never in the logs.
    admin = line.engine.docker("exec", line.container("sauti"), "cat", "/data/secrets/admin-password").stdout.strip()
    assert len(admin) >= 12 and admin not in line.logs()


def test_a_call_from_outside_is_in_the_console_through_the_proxy(line, tmp_path):
    result = call(line, "console call", tmp_path).result(timeout=150)
    assert result.answered, result.events
    (reference,) = wait_for(line.references, 30, "the alert to be stored")
    opener = console(line)
    # The console's search by reference opens the alert's page.
    query = urllib.parse.urlencode({"q": reference})
    with opener.open(f"https://127.0.0.1:{line.https_port}/?{query}", timeout=10) as response:
        page = response.read().decode()
        assert urllib.parse.urlparse(response.url).path.startswith("/alerts/"), response.url
    assert reference in page


def test_docker_stop_mid_recording_files_the_partial_alert(line, tmp_path):
    config = line.config
    before = set(line.references())
    recordings = config.recordings_dir
    known = set(recordings.rglob("*.wav"))
    # The caller speaks for longer than `sauti up` waits for calls to end.
    wav = speech(tmp_path, "sw", 14.0, name="stopped-call")
    assert 3 * 14.0 > STOP_GRACE_SECONDS
    running = privacy.trunk_call(config, EXTEN_ALERT, NUMBERS["stopped call"],
                                 f"wait 1; dtmf 1; wait beep; play {wav}; play {wav}; play {wav}; hangup")
    try:
        wait_for(lambda: [p for p in recordings.rglob("*.wav") if p not in known and p.stat().st_size > 16000],
                 60, "the caller to be recorded")
        # compose.yaml's stop_grace_period: `sauti up` lets the recording be filed.
        line.engine.docker("stop", "--time", "60", line.container(), timeout=120)
    finally:
        running.result(timeout=120)
    assert not line.inspect()["State"]["Running"], "stopped by the operator: the restart policy leaves it"
    line.engine.docker("start", line.container())
    line.wait_healthy()
    (new,) = set(wait_for(lambda: set(line.references()) - before, 30, "the partial alert")) - before
    ((flags,),) = stored(config, "SELECT flags FROM alerts WHERE reference = ?", new)
    assert FLAG_PARTIAL in json.loads(flags), flags
    # Nothing lost: every recording on disk is filed.
    filed = {path for (path,) in stored(config, "SELECT path FROM recordings")}
    on_disk = {str(p.relative_to(config.data_dir)) for p in recordings.rglob("*.wav")}
    assert on_disk <= filed, on_disk - filed


def test_a_killed_main_process_is_restarted_and_answers_the_next_call(line, tmp_path):
    state = line.inspect()
    os.kill(state["State"]["Pid"], signal.SIGKILL)
    wait_for(lambda: line.inspect()["RestartCount"] > state["RestartCount"], 60, "the restart policy", interval=0.5)
    line.wait_healthy()
    before = set(line.references())
    result = call(line, "after restart", tmp_path).result(timeout=150)
    assert result.answered, result.events
    wait_for(lambda: set(line.references()) - before, 30, "the alert after the restart")


def test_down_and_up_keep_every_alert_and_no_number_in_clear(line):
    references = line.references()
    assert len(references) == 3, references
    logs = line.logs()
    line.compose("down")
    line.compose("up", "--detach")
    line.wait_healthy()
    assert line.references() == references
    logs += line.logs()
    leaked = [name for name, number in NUMBERS.items() if privacy.digits(number).decode() in logs]
    assert not leaked, f"caller numbers in `docker logs`: {leaked}"
    found = privacy.numbers_in_clear(line.config, [], NUMBERS)
    assert not found, f"caller numbers written in clear in the volume: {found}"
