"""Callers as they really are, through the real Asterisk and IVR with pjsua2 phones.

A caller who needs seconds to begin, one who says nothing, a radio patch whose
reports start as soon as the call is answered, a phone that stops sending audio
without hanging up. The speech here is new to the line: other words and other
lengths than the fixtures it was built with.
"""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import numpy as np
import pytest

from core import prompts
from core.dialplan import END_DETECTOR_SUFFIX, EXTEN_ALERT, EXTEN_RADIO, SPOOL_FAILED
from core.model import FLAG_FAILOVER, FLAG_PARTIAL, FLAG_SILENT, Source
from core.store import Store
from tests.audio_match import find_prompts
from tests.fixtures.asterisk import SESSION_RADIO_LANGUAGE, read_wav, rms, voiced_span, wait_for
from tests.test_ivr_e2e import last_alert_id, newest_alerts

pytestmark = pytest.mark.asterisk

WORDS = {
    "late": ("sw", "Maji ya mto yamepanda sana usiku. Daraja la Mutwanga limevunjika, "
                   "na magari hayawezi kupita. Watoto kumi wamekwama upande wa pili."),
    "second": ("fr", "Une épidémie de choléra a commencé au marché de Kasindi. "
                     "Trois personnes sont mortes hier soir."),
    "radio1": ("sw", "Kituo cha Oicha kinaripoti moto mkubwa kwenye ghala la mchele."),
    "radio2": ("fr", "Deux camions de vivres ont été arrêtés sur la route de Mangina."),
    "radio3": ("sw", "Mvua ya mawe imeharibu mashamba ya maharagwe huko Kyondo na Vuhovi."),
    "frozen": ("fr", "Ici Lubero, la route nationale est bloquée par des arbres coupés."),
    "hesitant": ("sw", "Samahani, nilikuwa naangalia kama barabara iko salama. Askari wamefunga njia ya Kasindi."),
}


def speech(tmp_path: Path, name: str, seconds: float) -> tuple[Path, float]:
    """`seconds` of espeak-ng speech (8 kHz mono), and how long its voice actually lasts."""
    voice, text = WORDS[name]
    raw, target = tmp_path / f"{name}-raw.wav", tmp_path / f"{name}.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-s", "160", "-w", str(raw), text], check=True)
    subprocess.run(["sox", str(raw), "-r", "8000", "-b", "16", "-c", "1", str(target), "trim", "0", str(seconds)],
                   check=True)
    start, end = voiced_span(target)
    return target, end - start


def heard_at(config, recording: Path, language: str, prompt_id: str) -> float | None:
    """When the phone heard the prompt's first 1.5 s of voice (normalised cross-correlation);
    a short stretch, because on a loaded machine the jitter buffer may shift a long one by a frame."""
    samples, rate = read_wav(recording)
    template, template_rate = read_wav(prompts.audio_path(config.prompts_dir, language, prompt_id))
    onset = int(np.flatnonzero(np.abs(template) > 0.01)[0])
    head = template[onset: onset + int(1.5 * template_rate)]
    hits = find_prompts(samples, rate, {prompt_id: (head, template_rate)})
    return hits[0][0] if hits else None


def test_a_caller_who_starts_8_s_after_the_beep_leaves_one_whole_alert(asterisk, ivr_running, tmp_path):
    config = asterisk.config
    before = last_alert_id(config)
    wav, voiced = speech(tmp_path, "late", 7.3)
    # No `#`: the line ends the recording on the silence after the last word.
    heard = tmp_path / "heard.wav"
    script = f"wait 1; dtmf 1; wait beep; wait 8; play {wav}; wait silence 30; dtmf #; listen 40; hangup"
    result = asterisk.call(EXTEN_ALERT, "test-phone-4", script, record=heard, timeout=150)
    assert result.ok, (result.events, ivr_running.log()[-3000:])
    # Keyed at once: the complaints offer, later in the menu, is never heard.
    assert heard_at(config, heard, "sw", "complaint_option") is None
    (alert,) = newest_alerts(config, before)
    assert alert["flags"] == [] and alert["language"] == "sw"
    duration = alert["recordings"][0]["duration"]
    assert abs(duration - voiced) <= 1.0, (duration, voiced)
    assert rms(config.data_dir / alert["recordings"][0]["path"]) > 0.02


def test_a_caller_who_keys_nothing_hears_the_complaints_offered_once_then_leaves_an_alert(
        asterisk, ivr_running, tmp_path):
    """No key at all: the menu's rounds (the complaints offered after the languages in the first),
    then Swahili; the alert is filed as any other."""
    config = asterisk.config
    before = last_alert_id(config)
    heard = tmp_path / "heard.wav"
    wav, voiced = speech(tmp_path, "radio3", 3.3)
    script = f"wait beep 150; play {wav}; dtmf #; wait silence 30; listen 40; hangup"
    result = asterisk.call(EXTEN_ALERT, "test-phone-9", script, record=heard, timeout=220)
    assert result.ok, (result.events, ivr_running.log()[-3000:])
    offers = [heard_at(config, heard, language, "complaint_option") for language in ("sw", "ln", "fr")]
    assert None not in offers and offers == sorted(offers), offers
    welcome = heard_at(config, heard, "sw", "welcome")
    assert welcome is not None and welcome > offers[-1]
    (alert,) = newest_alerts(config, before)
    assert alert["language"] == "sw" and alert["flags"] == []
    assert abs(alert["recordings"][0]["duration"] - voiced) <= 1.0


def test_a_silent_caller_hears_nothing_was_heard_and_gets_a_second_beep(asterisk, ivr_running, tmp_path):
    config = asterisk.config
    before = last_alert_id(config)
    heard = tmp_path / "heard.wav"
    wav, voiced = speech(tmp_path, "second", 5.1)
    script = (f"wait 1; dtmf 3; wait beep; wait beep 40; play {wav}; dtmf #; wait silence; dtmf #; "
              "listen 40; hangup")
    result = asterisk.call(EXTEN_ALERT, "test-phone-5", script, record=heard, timeout=150)
    assert result.ok, (result.events, ivr_running.log()[-3000:])
    assert sum(text == "beep heard" for _, text in result.events) == 2
    nothing_heard = heard_at(config, heard, "fr", "nothing_heard")
    assert nothing_heard is not None, "the caller is told nothing was heard"
    silent, spoken = newest_alerts(config, before)
    assert silent["flags"] == [FLAG_SILENT], "the silent try is kept for a person"
    assert spoken["flags"] == [] and spoken["language"] == "fr"
    assert abs(spoken["recordings"][0]["duration"] - voiced) <= 1.0
    thanks = heard_at(config, heard, "fr", "recorded_thanks")
    assert thanks is not None and thanks > nothing_heard, "thanks only for the spoken try"


def test_a_radio_patch_from_answer_leaves_one_alert_per_report(asterisk, ivr_running, tmp_path):
    config = asterisk.config
    before = last_alert_id(config)
    reports = [speech(tmp_path, "radio1", 3.6), speech(tmp_path, "radio2", 4.4), speech(tmp_path, "radio3", 2.9)]
    gap = tmp_path / "gap.wav"
    subprocess.run(["sox", "-n", "-r", "8000", "-b", "16", "-c", "1", str(gap), "trim", "0", "7"], check=True)
    session = tmp_path / "session.wav"
    subprocess.run(["sox", str(reports[0][0]), str(gap), str(reports[1][0]), str(gap), str(reports[2][0]),
                    str(session)], check=True)
    # The HF traffic flows from answer: the first report 1 s in, nothing waits for a prompt.
    result = asterisk.call(EXTEN_RADIO, "radio-test", f"wait 1; play {session}; wait 1; hangup", timeout=150)
    assert result.answered and not result.remote_hangup, result.events
    alerts = wait_for(lambda: (a := newest_alerts(config, before)) and len(a) >= 3 and a, 20, "three alerts")
    assert len(alerts) == 3 and len({a["call_id"] for a in alerts}) == 1
    assert [a["segment"] for a in alerts] == [1, 2, 3]
    assert {(a["source"], a["station"], a["language"]) for a in alerts} == {
        (Source.RADIO, "test", SESSION_RADIO_LANGUAGE)}
    for alert, (_, voiced) in zip(alerts, reports):
        duration = alert["recordings"][0]["duration"]
        assert abs(duration - voiced) <= 1.0, (alert["segment"], duration, voiced)
        assert alert["flags"] == []
    first_offset = alerts[0]["recordings"][0]["offset_seconds"]
    assert first_offset < 1.5, "the first report, 1 s after answer, is whole"


def test_a_phone_that_stops_sending_audio_is_cut_off_and_its_alert_filed(asterisk, ivr_running, tmp_path):
    config = asterisk.config
    before = last_alert_id(config)
    wav, voiced = speech(tmp_path, "frozen", 3.4)
    call = asterisk.start_call(EXTEN_ALERT, "test-phone-6", f"wait 1; dtmf 3; wait beep; play {wav}; freeze")
    try:
        wait_for(lambda: _stopped(call.proc.pid), 60, "the phone to freeze")
        frozen_at = dt.datetime.now(dt.timezone.utc)
        timeout = config.asterisk.rtp_timeout_seconds
        (alert,) = wait_for(lambda: newest_alerts(config, before), timeout + 15, "the partial alert")
        wait_for(lambda: not [c for c in asterisk.channels() if "test-phone-6" in c], 20,
                 "the call to leave Asterisk")
    finally:
        call.kill()
    with Store.open(config.db_path) as store:
        ended = dt.datetime.fromisoformat(store.get_call(alert["call_id"])["ended_at"])
    # Ended by Asterisk's RTP timeout (not sooner), then filed; the phone never hung up.
    cut_after = (ended - frozen_at).total_seconds()
    assert timeout - 1 <= cut_after <= timeout + 4, cut_after
    assert alert["flags"] == [FLAG_PARTIAL] and alert["language"] == "fr"
    assert abs(alert["recordings"][0]["duration"] - voiced) <= 1.0


def test_with_the_ivr_down_a_caller_who_hesitates_7_s_at_the_beep_is_recorded_whole(asterisk, ivr_running, tmp_path):
    """The failure path waits for the first word as the IVR does: its Record() no longer counts
    its silence from the beep, so 7 s of hesitation do not end the call."""
    config = asterisk.config
    before = last_alert_id(config)
    wav, voiced = speech(tmp_path, "hesitant", 4.7)
    spool = config.spool_dir / SPOOL_FAILED
    metas_before = set(spool.glob("*.meta"))
    ivr_running.stop()
    # Apologies, the beep, 7 s of nothing, the words, then silence until the line ends the take.
    result = asterisk.call(EXTEN_ALERT, "test-phone-10", f"wait beep 60; wait 7; play {wav}; listen 30; hangup",
                           timeout=120)
    assert result.ok and result.remote_hangup, (result.events, "the line ends the take on the silence")
    (meta,) = wait_for(lambda: [m for m in spool.glob("*.meta") if m not in metas_before
                                and "ended=" in m.read_text()], 10, "the failure path's record of the call")
    spooled = meta.with_suffix(".wav")
    start, end = voiced_span(spooled)
    assert 6.0 <= start <= 8.5, (start, "the words came 7 s after the beep")
    assert abs((end - start) - voiced) <= 1.0, (end - start, voiced)
    samples, rate = read_wav(spooled)
    template, template_rate = read_wav(wav)
    onset, _ = voiced_span(wav)
    words = template[int(onset * template_rate):]
    halves = {"first words": (words[: int(1.5 * template_rate)], template_rate),
              "last words": (words[-int(1.5 * template_rate):], template_rate)}
    assert {name for _, name, _ in find_prompts(samples, rate, halves, threshold=0.5)} == set(halves), \
        "the spooled take holds the caller's first and last words"

    ivr_running.start()
    (alert,) = wait_for(lambda: newest_alerts(config, before), 20, "the import")
    assert FLAG_FAILOVER in alert["flags"] and FLAG_SILENT not in alert["flags"]
    assert not list(spool.glob(f"*{END_DETECTOR_SUFFIX}.wav")), "the end detector's copy is deleted at import"


def _stopped(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] == "T"

