"""The SMS gateway: Kannel's configuration as rendered, SMS connections, and the real
bearerbox + smsbox started, seen by fakesmsc, and stopped."""

from __future__ import annotations

import stat

import pytest
from click.testing import CliRunner

import smsgw
from core import secrets
from sauti.cli import main
from tests.fixtures.core import make_data_dir, wait_for
from tests.fixtures.kannel import sms_settings


def groups(text: str) -> list[dict]:
    """Kannel's configuration as a list of groups of key -> value (quotes removed)."""
    found = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, _, value = (part.strip() for part in line.partition("="))
        value = value.strip('"')
        if key == "group":
            found.append({"group": value})
        elif key == "include":
            found.append({"include": value})
        else:
            found[-1][key] = value
    return found


def group(text: str, name: str) -> dict:
    return next(g for g in groups(text) if g.get("group") == name)


@pytest.fixture
def sms_config(tmp_path):
    return make_data_dir(tmp_path / "data", sms_settings())


def test_rendered_config_listens_on_loopback_with_secrets_and_logs_no_numbers(sms_config):
    p = smsgw.render(sms_config)
    text = p.config_file.read_text()
    core, smsbox = group(text, "core"), group(text, "smsbox")
    assert core["admin-interface"] == core["smsbox-interface"] == smsbox["sendsms-interface"] == "127.0.0.1"
    assert core["admin-password"] == secrets.sms_password(sms_config, "admin")
    assert core["admin-allow-ip"] == core["box-allow-ip"] == "127.0.0.1"
    assert core["admin-deny-ip"] == core["box-deny-ip"] == "*.*.*.*"
    assert len(core["admin-password"]) == 20 and core["admin-password"] != core["status-password"]
    # Errors only (at info Kannel logs each message's sender), and no access log at all.
    assert core["log-level"] == smsbox["log-level"] == "3"
    assert "access-log" not in text
    assert (core["store-type"], core["store-location"]) == ("spool", str(p.store))   # one file a message, deleted when done
    user = group(text, "sendsms-user")
    assert user["password"] == secrets.sms_password(sms_config, "sendsms") and user["user-allow-ip"] == "127.0.0.1"
    service = group(text, "sms-service")
    assert service["post-url"].endswith(f"?secret={secrets.sms_password(sms_config, 'receiver')}")
    assert service["post-url"].startswith(f"http://127.0.0.1:{sms_config.sms.receiver_port}/")
    assert service["max-messages"] == "0" and service["send-sender"] == "true"
    fake = group(text, "smsc")
    assert fake == {"group": "smsc", "smsc": "fake", "smsc-id": "test", "port": str(sms_config.sms.test_smsc_port),
                    "our-host": "127.0.0.1", "connect-allow-ip": "127.0.0.1"}
    modes = {path: stat.S_IMODE(path.stat().st_mode) for path in (p.base, p.log, p.store, p.run, p.connections)}
    assert set(modes.values()) == {0o700}, modes
    assert stat.S_IMODE(p.config_file.stat().st_mode) == 0o600


def test_no_test_centre_unless_configured(tmp_path):
    config = make_data_dir(tmp_path / "data", sms_settings(test_smsc_port=0))
    text = smsgw.render(config).config_file.read_text()
    assert not [g for g in groups(text) if g.get("group") == "smsc"]
    assert not smsgw.connections.configured(config)


def test_smpp_and_modem_connections_are_included(sms_config):
    runner = CliRunner()
    data = ["--data", str(sms_config.data_dir)]
    result = runner.invoke(main, [*data, "trunk", "sms-smpp", "airtel", "--host", "10.9.8.7", "--port", "2776",
                                  "--system-id", "sauti", "--password", "pw-123", "--system-type", "VMA"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, [*data, "trunk", "sms-modem", "sim1", "--device", "/dev/ttyUSB0", "--pin", "1234"])
    assert result.exit_code == 0, result.output
    p = smsgw.render(sms_config)
    includes = [g["include"] for g in groups(p.config_file.read_text()) if "include" in g]
    assert includes == [str(p.connections / "airtel.conf"), str(p.connections / "sim1.conf")]
    smpp = groups((p.connections / "airtel.conf").read_text())[0]
    assert smpp == {"group": "smsc", "smsc": "smpp", "smsc-id": "airtel", "host": "10.9.8.7", "port": "2776",
                    "transceiver-mode": "true", "smsc-username": "sauti", "smsc-password": "pw-123",
                    "system-type": "VMA", "enquire-link-interval": "30", "reconnect-delay": "10",
                    "max-pending-submits": "10"}
    modem = groups((p.connections / "sim1.conf").read_text())[0]
    assert (modem["smsc"], modem["device"], modem["pin"], modem["modemtype"]) == ("at", "/dev/ttyUSB0", "1234", "auto")
    for path in p.connections.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    listed = runner.invoke(main, [*data, "trunk", "list"])
    assert listed.output.splitlines() == ["airtel (sms)", "sim1 (sms)"]
    assert "pw-123" in runner.invoke(main, [*data, "trunk", "show", "airtel"]).output
    assert runner.invoke(main, [*data, "trunk", "remove", "sim1"]).exit_code == 0
    assert smsgw.connections.names(sms_config) == ["airtel"]


@pytest.mark.parametrize("args, error", [
    (["sms-smpp", "x", "--host", "h", "--system-id", "s", "--password", 'a"b'], "quotes"),
    (["sms-smpp", "Bad Name", "--host", "h", "--system-id", "s", "--password", "p"], "connection name"),
    (["sms-smpp", "test", "--host", "h", "--system-id", "s", "--password", "p"], "connection name"),
    (["sms-modem", "m", "--device", "ttyUSB0"], "--device"),
    (["sms-modem", "m", "--device", "/dev/ttyUSB0", "--pin", "12a4"], "--pin"),
])
def test_bad_connections_are_refused_clearly(sms_config, args, error):
    result = CliRunner().invoke(main, ["--data", str(sms_config.data_dir), "trunk", *args])
    assert result.exit_code == 1 and error in result.output, result.output
    assert smsgw.connections.names(sms_config) == []


def test_status_page_parsing():
    text = ("SMS: received 5 (0 queued), sent 4 (2 queued), store size 2\n\nSMSC connections:\n"
            "    test[test]    FAKE:4000 (online 12s, rcvd: sms 5 (0.00,0.00,0.00) / dlr 0, failed 0, queued 1 msgs)\n"
            "    airtel[airtel]    SMPP:10.0.0.1:2775/2775:sauti:VMA (connecting, rcvd: sms 0 / dlr 0, failed 0,"
            " queued 1 msgs)\n")
    queued, connections = smsgw.parse_status(text)
    assert queued == 2
    assert [(c.name, c.state, c.queued) for c in connections] == [("test", "online", 1), ("airtel", "connecting", 1)]
    with pytest.raises(ValueError):
        smsgw.parse_status("<html>not Kannel</html>")


@pytest.mark.kannel
def test_gateway_runs_and_the_operator_connects(kannel):
    config, operator = kannel
    status = smsgw.status(config)
    assert status.running and set(status.pids) == {"bearerbox", "smsbox"}, status
    operator.send("+243810000001", "habari")
    wait_for(lambda: [c.state for c in smsgw.status(config).connections] == ["online"], 10, "the test centre online")
    runner = CliRunner()
    result = runner.invoke(main, ["--data", str(config.data_dir), "sms", "status"])
    assert result.exit_code == 0 and "test: online" in result.output, result.output
    again = runner.invoke(main, ["--data", str(config.data_dir), "sms", "start"])
    assert "already running" in again.output and smsgw.status(config).pids == status.pids
    operator.stop()
    assert runner.invoke(main, ["--data", str(config.data_dir), "sms", "stop"]).output.strip() == "stopped"
    for pid in status.pids.values():
        wait_for(lambda: not smsgw.service._alive(pid, smsgw.paths(config)), 10, "the boxes to exit")
    stopped = runner.invoke(main, ["--data", str(config.data_dir), "sms", "status"])
    assert stopped.exit_code == 3 and stopped.output.strip() == "stopped"


@pytest.mark.kannel
def test_a_busy_port_is_named(kannel, tmp_path):
    config, _ = kannel
    other = make_data_dir(tmp_path / "other", {"sms": {**{k: getattr(config.sms, k) for k in (
        "admin_port", "smsbox_port", "sendsms_port", "receiver_port", "test_smsc_port")}}})
    with pytest.raises(smsgw.GatewayError, match=r"admin port 127.0.0.1:\d+ is already in use \(change \[sms\] admin_port\)"):
        smsgw.start(other)
