"""docker/compose.yaml and the Dockerfile, read statically: named volumes, health checks
with `sauti status`, restart policies, and nothing but SIP/RTP on the network."""

from __future__ import annotations

import dataclasses
import re
import tomllib
from pathlib import Path

import yaml

from core import config as config_module
from tests.fixtures.core import make_data_dir

DOCKER = Path(__file__).resolve().parent.parent / "docker"


def compose() -> dict:
    return yaml.safe_load((DOCKER / "compose.yaml").read_text())


def test_volumes_health_and_restart():
    spec = compose()
    line = spec["services"]["sauti"]
    assert {"sauti-data", "sauti-models"} <= set(spec["volumes"])
    assert "sauti-data:/data" in line["volumes"] and "sauti-models:/models" in line["volumes"]
    assert line["healthcheck"]["test"] == ["CMD", "sauti", "status"]
    assert spec["services"]["proxy"]["depends_on"]["sauti"]["condition"] == "service_healthy"
    for name, service in spec["services"].items():
        # Back after a crash or a reboot; an operator's stop is respected.
        assert service["restart"] == "unless-stopped", name
        assert "healthcheck" in service, name


def test_only_sip_and_rtp_reach_the_network(tmp_path):
    spec = compose()
    for name, service in spec["services"].items():
        assert "ports" not in service and "expose" not in service, name
    env = {key: str(value) for key, value in spec["services"]["sauti"]["environment"].items()}
    # Every listener's bind setting is pinned: SIP on the LAN, everything else on loopback.
    for section, cls in config_module.SECTIONS.items():
        for field in dataclasses.fields(cls):
            if field.name.endswith("bind"):
                key = f"SAUTI_{section.upper()}_{field.name.upper()}"
                assert key in env, f"compose.yaml leaves {key} to the default"
                assert env[key] == ("0.0.0.0" if key == "SAUTI_ASTERISK_SIP_BIND" else "127.0.0.1"), key
    # The values are ones Sauti reads: the console behind the proxy sends Secure cookies.
    config = make_data_dir(tmp_path / "data")
    loaded = config_module.load(config.data_dir, env=env)
    assert loaded.web.secure_cookies and loaded.web.behind_proxy and loaded.asterisk.sip_bind == "0.0.0.0"
    proxy = " ".join(spec["services"]["proxy"]["command"])
    assert "sauti tls-proxy" in proxy and "caddy run" in proxy


def test_image_runs_as_a_user_with_the_volumes():
    dockerfile = (DOCKER / "Dockerfile").read_text()
    users = re.findall(r"^USER\s+(\S+)", dockerfile, re.M)
    assert users and users[-1] not in ("root", "0")
    assert re.search(r'^VOLUME \["/data", "/models"\]', dockerfile, re.M)
    # Every package pyproject.toml installs, and the folders found beside the code.
    pyproject = tomllib.loads((DOCKER.parent / "pyproject.toml").read_text())
    packages = [name.rstrip("*") for name in pyproject["tool"]["setuptools"]["packages"]["find"]["include"]]
    for folder in (*packages, "prompts", "dialplans", "deploy"):
        assert f"COPY {folder} {folder}" in dockerfile, folder
    # The Dockerfile copies what the root recipe copies and runs the recipe's own steps: the
    # dependencies from pyproject.toml and the recipe alone (a layer the code does not change).
    recipe = (DOCKER / "image-root.sh").read_text()
    sources = re.search(r'^SOURCES="([^"]+)"', recipe, re.M).group(1).split()
    copied = re.findall(r"^COPY (\S+)", dockerfile, re.M)
    first = copied.index("README.md")
    assert copied[:first] == ["pyproject.toml", "docker/image-root.sh"]
    assert set(sources) == {"pyproject.toml", "README.md"} | set(copied[first:])
    assert re.findall(r"^RUN (.*)", dockerfile, re.M) == ["/bin/sh docker/image-root.sh dependencies",
                                                          "/bin/sh docker/image-root.sh install"]
