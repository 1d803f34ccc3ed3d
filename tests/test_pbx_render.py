"""The rendered Asterisk configuration (no Asterisk needed)."""

import re

import pytest

import pbx
from core import dialplan, secrets
from tests.fixtures.core import make_data_dir


@pytest.fixture
def rendered(tmp_path):
    config = make_data_dir(
        tmp_path / "data",
        {"asterisk": {"radio_stations": ["bunia", "beni"], "test_phones": 3, "trunk_ip": "10.1.2.3"}},
    )
    return config, pbx.render(config, "/usr/lib/x86_64-linux-gnu/asterisk/modules")


def read(p, name):
    return (p.etc / name).read_text()


def sections(text):
    """{(name, type): {key: [values]}} of a pjsip.conf."""
    found, templates, current = {}, {}, None
    for line in text.splitlines():
        line = line.split(";")[0].strip()
        if match := re.match(r"^\[([^\]]+)\](?:\((.*)\))?$", line):
            name, parent = match.group(1), match.group(2) or ""
            if parent == "!":
                current = templates[name] = {}
            else:
                current = {key: list(values) for key, values in templates.get(parent, {}).items()}
                if "type" in current:
                    found[(name, current["type"][0])] = current
        elif "=" in line and current is not None:
            key, value = (part.strip() for part in line.split("=", 1))
            current.setdefault(key, []).append(value)
            if key == "type":
                found[(name, value)] = current
    return found


def test_endpoints_use_digest_auth_and_the_right_context(rendered):
    config, p = rendered
    conf = sections(read(p, "pjsip.conf"))
    for n in (1, 2, 3):
        name = f"{dialplan.TEST_PHONE_PREFIX}{n}"
        assert conf[(name, "endpoint")]["context"] == [dialplan.CONTEXT_PHONES]
        assert conf[(name, "auth")]["password"] == [secrets.endpoint_password(config, name)]
    assert ("test-phone-4", "endpoint") not in conf
    for station in ("bunia", "beni"):
        radio = conf[(f"{dialplan.RADIO_PREFIX}{station}", "endpoint")]
        assert radio["context"] == [dialplan.CONTEXT_RADIO]
        assert radio["set_var"] == [f"{dialplan.VAR_STATION}={station}"]
    assert conf[("trunk", "identify")]["match"] == ["10.1.2.3"]
    assert "auth" not in conf[("trunk", "endpoint")]
    assert conf[("transport-udp", "transport")]["bind"] == ["127.0.0.1:5160"]
    assert not any(name == "anonymous" for name, _ in conf)


def test_no_trunk_without_an_address(tmp_path):
    config = make_data_dir(tmp_path / "data")
    p = pbx.render(config, "/x")
    assert ("trunk", "endpoint") not in sections(read(p, "pjsip.conf"))


def test_explicit_module_list_without_anonymous_identifier(rendered):
    _, p = rendered
    text = read(p, "modules.conf")
    assert "autoload = no" in text
    loaded = re.findall(r"^load = (\S+)", text, re.M)
    assert "res_pjsip_pubsub.so" in loaded and "chan_pjsip.so" in loaded and "res_agi.so" in loaded
    assert not any("anonymous" in m for m in loaded)


def test_every_flow_goes_through_fastagi_with_the_failure_path(rendered):
    config, p = rendered
    text = read(p, "extensions.conf")
    url = f"agi://127.0.0.1:{config.ivr.agi_port}"
    for flow in (dialplan.FLOW_ALERT, dialplan.FLOW_RADIO, dialplan.FLOW_PROMPT_RECORD, dialplan.FLOW_BEEP,
                 dialplan.FLOW_CALLBACK):
        assert f"AGI({url}/{flow})" in text
    checks = text.count(f'"${{{dialplan.VAR_RESULT}}}" != "{dialplan.RESULT_OK}"]?{dialplan.CONTEXT_AGI_FAIL},s,1)')
    assert checks == 4  # alert, radio, prompt recording, call-back; the beep line is never answered
    assert f"[{dialplan.CONTEXT_AGI_FAIL}]" in text and "System(" not in text
    assert f"{config.spool_dir / dialplan.SPOOL_FAILED}" in text
    beep = text.split(f"exten => {dialplan.EXTEN_BEEP},")[1].split("exten =>")[0]
    assert "Answer" not in beep


def test_paths_and_secrets(rendered):
    config, p = rendered
    conf = read(p, "asterisk.conf")
    assert f"astrundir => {config.data_dir}/asterisk/run" in conf
    manager = read(p, "manager.conf")
    assert secrets.text_secret(config, secrets.AMI_SECRET) in manager
    assert oct((p.etc / "manager.conf").stat().st_mode & 0o777) == "0o600"
    assert "rtpstart = 17000" in read(p, "rtp.conf")
    assert p.failed.is_dir() and p.echo.is_dir()


def test_bad_station_name_is_refused(tmp_path):
    config = make_data_dir(tmp_path / "data", {"asterisk": {"radio_stations": ["bad name"]}})
    with pytest.raises(pbx.PbxError, match="radio station name"):
        pbx.render(config, "/x")


def test_install_without_root_says_so_in_one_line(tmp_path, monkeypatch):
    config = make_data_dir(tmp_path / "data", {"asterisk": {"root": str(tmp_path / "no-root")}})
    monkeypatch.setattr(pbx.runtime, "system_runtime", lambda: None)
    monkeypatch.setattr(pbx.runtime.os, "geteuid", lambda: 1000)
    with pytest.raises(pbx.PbxError) as info:
        pbx.install(config, echo=lambda line: None)
    assert "needs root" in str(info.value) and "\n" not in str(info.value)


def test_start_without_install_says_what_to_run(tmp_path, monkeypatch):
    config = make_data_dir(tmp_path / "data", {"asterisk": {"root": str(tmp_path / "no-root")}})
    monkeypatch.setattr(pbx.runtime, "system_runtime", lambda: None)
    with pytest.raises(pbx.PbxError, match="sauti asterisk install"):
        pbx.start(config)
    assert "not installed" in str(pbx.status(config))


def test_dead_and_endless_calls_are_ended_by_asterisk(tmp_path):
    config = make_data_dir(tmp_path / "data", {"asterisk": {"rtp_timeout_seconds": 12, "test_phones": 1},
                                               "ivr": {"max_call_seconds": 700}})
    p = pbx.render(config, "/usr/lib/x86_64-linux-gnu/asterisk/modules")
    endpoints = sections(read(p, "pjsip.conf"))
    assert endpoints[("test-phone-1", "endpoint")]["rtp_timeout"] == ["12"]
    assert endpoints[("radio-test", "endpoint")]["rtp_timeout"] == ["12"]
    # The alert, prompt, response, voice-alert, complaints, committee, survey, verifier and radio lines set
    # their time limit just before answering.
    lines = read(p, "extensions.conf").splitlines()
    timed = [n for n, line in enumerate(lines) if "Set(TIMEOUT(absolute)=700)" in line]
    assert len(timed) == 9 and all(lines[n + 1].strip() == "same => n,Answer()" for n in timed)
    modules = read(p, "modules.conf")
    for module in ("app_mixmonitor.so", "app_waitforsilence.so", "func_timeout.so"):
        assert f"load = {module}" in modules


def test_asterisk_writes_its_logs_only_into_the_filter_s_fifo_and_keeps_no_call_records(rendered, monkeypatch):
    """One configuration for the chroot and the system Asterisk (Docker image, Debian host): render
    takes no runtime but the module folder, so both paths get exactly these files."""
    config, p = rendered
    logger = read(p, "logger.conf")
    channels = re.findall(r"^(\S+) => (\S+)$", logger.split("[logfiles]")[1], re.M)
    assert channels == [("console", "error,warning,notice"),
                        (str(p.run / pbx.logfilter.FIFO_NAME), "error,warning,security")]
    assert re.search(r"^rotatestrategy = none$", logger, re.M), "a rotation would rename the FIFO away"
    assert re.search(r"^queue_log = no$", logger, re.M)
    tag = pbx.logfilter.read_tag(p.etc / "logger.conf")
    assert len(tag) == 16 and oct((p.etc / "logger.conf").stat().st_mode & 0o777) == "0o600"
    for name in ("cdr.conf", "cel.conf"):
        assert re.search(r"^enable = no$", read(p, name), re.M), name
    assert f"astlogdir => {p.log}" in read(p, "asterisk.conf")
    pbx.render(config, "/usr/lib/asterisk/modules")  # as on a host with another module folder
    assert pbx.logfilter.read_tag(p.etc / "logger.conf") != tag, "a new tag at every start"


def extension_block(text: str, exten: str) -> str:
    return text.split(f"exten => {exten},1,")[1].split("\nexten =>")[0]


def test_inbound_lines_ring_until_the_ivr_serves_then_answer(rendered):
    config, p = rendered
    text = read(p, "extensions.conf")
    probe = f"AGI(agi://127.0.0.1:{config.ivr.agi_port}/{dialplan.FLOW_READY})"
    answered = [dialplan.EXTEN_ALERT, dialplan.EXTEN_PROMPTS, dialplan.EXTEN_RESPONSE, dialplan.EXTEN_COMPLAINTS,
                dialplan.EXTEN_COMMITTEE, dialplan.EXTEN_SURVEY, dialplan.EXTEN_BROADCAST_RECORD]
    radio = text.split(f"[{dialplan.CONTEXT_RADIO}]")[1]
    blocks = [extension_block(text, exten) for exten in answered] + [extension_block(radio, dialplan.EXTEN_RADIO)]
    for block in blocks:
        assert block.index("Ringing()") < block.index(probe) < block.index("Answer()"), block
        assert f"EPOCH}} + {config.ivr.hold_seconds}" in block, "bounded by the clock"
        # The probe's own result must not pass for the flow's.
        assert block.index(f"Set({dialplan.VAR_RESULT}=)") < block.index("Answer()"), block
    # Calls the line places (call-backs, acknowledgements...) are answered already: no probe there.
    for context in (dialplan.CONTEXT_CALLBACK, dialplan.CONTEXT_ACKNOWLEDGEMENT, dialplan.CONTEXT_RESPONDER,
                    dialplan.CONTEXT_BROADCAST):
        assert probe not in text.split(f"[{context}]")[1].split("\n[")[0]


def test_the_beep_line_notes_a_beep_the_ivr_could_not_take(rendered):
    config, p = rendered
    beep = extension_block(read(p, "extensions.conf"), dialplan.EXTEN_BEEP)
    assert "Answer" not in beep, "never answered: the caller pays nothing"
    lines = [line.strip() for line in beep.splitlines() if line.strip() and not line.startswith(";")]
    flow = lines.index(f"same => n,AGI(agi://127.0.0.1:{config.ivr.agi_port}/{dialplan.FLOW_BEEP})")
    note = [line for line in lines[flow:] if "Set(FILE(${BEEP}" in line]
    assert [re.search(r"=(\w+)=", line).group(1) for line in note[1:]] == ["caller", "channel", "started", "noted"]
    assert f"SAUTI_BEEPS = {config.spool_dir / dialplan.SPOOL_BEEPS}" in read(p, "extensions.conf")
    assert lines[-1] == "same => n(rejected),Hangup(21)"
    assert (config.spool_dir / dialplan.SPOOL_BEEPS).is_dir(), "made before Asterisk starts, as the failure spool"
