"""The dialplans on a real Asterisk of this module's own (no IVR can be listening on its port)."""

import socket
import time

import pytest

import pbx
import phone
from core import dialplan
from tests.audio_match import normalised_xcorr
from tests.fixtures.asterisk import (
    PRIVATE_PORTS, AsteriskLine, FastAgiRecorder, free_ports, make_test_prompts, read_wav, rms, wait_for,
)

pytestmark = pytest.mark.asterisk

SILENCE = 0.003


@pytest.fixture(scope="module")
def line(tmp_path_factory):
    prompts = make_test_prompts(tmp_path_factory.mktemp("short-prompts"))
    data_dir = tmp_path_factory.mktemp("line") / "data"
    with AsteriskLine.started(data_dir, prompts, free_ports(PRIVATE_PORTS)) as started:
        yield started


def agi_port_free(config) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", config.ivr.agi_port)) != 0


def prompt_seconds(line, lang, prompt_id) -> float:
    return phone.wav_seconds(line.config.prompts_dir / lang / f"{prompt_id}.wav")


def read_meta(path):
    return dict(line.split("=", 1) for line in path.read_text().splitlines())


def test_boot_is_clean(line):
    boot = line.log_text().split("Asterisk Ready.")[0]
    problems = [text for text in boot.splitlines() if " WARNING[" in text or " ERROR[" in text]
    assert problems == []
    assert "22." in line.cli("core show version")


def test_ten_calls_at_once(line, caller_wav, tmp_path):
    script = f"wait beep; play {caller_wav}; dtmf 1; listen 8"
    calls = [line.start_call(dialplan.EXTEN_ECHO_TEST, f"test-phone-{n}", script, tmp_path / f"{n}.wav")
             for n in range(1, 11)]
    results = [call.result(timeout=60) for call in calls]
    welcome, _ = read_wav(line.config.prompts_dir / "sw" / "welcome.wav")
    for n, result in enumerate(results, 1):
        assert result.ok, (n, result.events)
        heard, _ = read_wav(tmp_path / f"{n}.wav")
        # Every phone heard the prompt intact (normalised cross-correlation; 1.0 is bit-exact).
        assert normalised_xcorr(heard, welcome).max() > 0.9, n
        # The echo test's Record() ends on 3 s of silence: the line hangs up during `listen`.
        assert result.remote_hangup and not result.premature_hangup


def test_the_line_hanging_up_early_fails_the_script(line):
    # '#' ends Record(), so the echo test hangs up while the script still has steps.
    result = line.call(dialplan.EXTEN_ECHO_TEST, script="wait beep; dtmf #; wait 10; dtmf 1")
    assert result.answered and result.remote_hangup and result.premature_hangup
    assert not result.ok
    beep_heard = next(t for t, text in result.events if text == "beep heard")
    assert result.ended_at < beep_heard + 5


def test_unknown_numbers_are_refused(line):
    result = line.call("abc", script="listen 1")
    assert not result.answered and result.status_code == 404


@pytest.mark.parametrize(
    "caller, number, source, station",
    [("test-phone-2", dialplan.EXTEN_ALERT, "phone", ""),
     ("radio-test", "5", "radio", "test")],
)
def test_agi_fail_records_the_caller_into_the_spool(line, caller_wav, caller, number, source, station):
    assert agi_port_free(line.config), "something listens on the AGI port"
    failed = line.paths.failed
    before = set(failed.iterdir())
    started = time.time()

    result = line.call(number, caller, script=f"wait beep; play {caller_wav}; hangup")

    assert result.ok, result.events
    [meta] = wait_for(lambda: [p for p in failed.glob("*.meta") if p not in before
                               and "ended=" in p.read_text()], 10, "the .meta with ended=")
    facts = read_meta(meta)
    assert facts["source"] == source and facts["station"] == station
    assert facts["caller"] == caller and facts["channel"].startswith(f"PJSIP/{caller}-")
    assert facts["language"] == ""
    assert started - 1 <= int(facts["started"]) <= int(facts["ended"]) <= time.time() + 1
    recording = meta.with_suffix(".wav")
    assert abs(phone.wav_seconds(recording) - phone.wav_seconds(caller_wav)) < 0.5
    assert rms(recording) > 5 * SILENCE


def test_agi_fail_keeps_the_language_already_chosen(line):
    # A flow that chose French, then failed: the apology is French only, and the
    # .meta says so. Without a language it would be Swahili then French.
    failed = line.paths.failed
    before = set(failed.iterdir())
    set_language = f"SET VARIABLE {dialplan.VAR_LANGUAGE} fr"
    debug_log = pbx.debuglog.start(line.config)  # the dialplan steps are logged only there
    try:
        with FastAgiRecorder("127.0.0.1", line.config.ivr.agi_port, commands=(set_language,)) as agi:
            # After the apology and the beep, no first word within first_word_seconds ends the take
            # and the line hangs up.
            result = line.call(dialplan.EXTEN_ALERT, "test-phone-5",
                               script=f"listen {line.config.ivr.first_word_seconds + 10}")
    finally:
        pbx.debuglog.stop(line.config)
    assert agi.replies == ["200 result=1"]
    assert result.ok and result.remote_hangup, result.events
    [meta] = wait_for(lambda: [p for p in failed.glob("*.meta") if p not in before
                               and "ended=" in p.read_text()], 10, "the .meta with ended=")
    assert read_meta(meta)["language"] == "fr"
    log = debug_log.read_text(errors="replace")
    debug_log.unlink()
    channel = read_meta(meta)["channel"]
    played = [text for text in log.splitlines()
              if channel in text and "Playback(" in text and "failure_apology" in text]
    assert len(played) == 1 and "/fr/failure_apology" in played[0]


def test_unknown_and_anonymous_callers_never_reach_a_flow(line):
    with FastAgiRecorder("127.0.0.1", line.config.ivr.agi_port) as agi:
        strangers = [
            line.start_call(number, caller, "listen 1")
            for number in (dialplan.EXTEN_ALERT, dialplan.EXTEN_RADIO, dialplan.EXTEN_BEEP)
            for caller in ("anonymous", "stranger", "radio-nowhere")
        ]
        bad = phone.start_call(line.config, dialplan.EXTEN_ALERT, "test-phone-3", "listen 1", password="nope")
        results = [call.result(timeout=30) for call in [*strangers, bad]]
        for result in results:
            assert not result.answered, result.events
            assert result.status_code in (401, 403), result.events
        # The listener works: a known phone does reach it.
        known = line.call(dialplan.EXTEN_BEEP, "test-phone-4", answer_timeout=10)
        wait_for(lambda: agi.connections, 10, "the known phone's AGI connection")
    assert not known.answered
    assert [c["agi_network_script"] for c in agi.connections] == [dialplan.FLOW_BEEP]
    assert agi.connections[0]["agi_channel"].startswith("PJSIP/test-phone-4-")


def test_the_line_can_call_a_phone_back(line, tmp_path):
    heard = tmp_path / "heard.wav"
    waiting = phone.start_answering(line.config, "test-phone-6", script="listen 10", record=heard,
                                    wait_timeout=20)
    try:
        wait_for(lambda: "test-phone-6/sip:" in line.cli("pjsip show contacts"), 10, "test-phone-6 to register")
        line.cli(f"channel originate PJSIP/test-phone-6 extension {dialplan.EXTEN_ECHO_TEST}@{dialplan.CONTEXT_PHONES}")
        result = waiting.result(timeout=30)
    finally:
        waiting.kill()
    assert result.ok and result.answered, result.events
    # The echo test played its prompt to the phone, then hung up after 3 s of silence.
    assert rms(heard, 0, prompt_seconds(line, "sw", "welcome")) > 5 * SILENCE
    assert result.remote_hangup
