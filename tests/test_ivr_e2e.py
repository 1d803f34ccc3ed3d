"""Real calls through the real Asterisk into the real IVR, placed by pjsua2 phones.

The phone follows the line as a person would: it speaks once it has heard the
beep and keys once the line has stopped talking (`wait beep`, `wait silence`),
so prompts re-recorded at another length change nothing here.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from core import prompts
from core.dialplan import EXTEN_ALERT, SPOOL_FAILED
from core.model import FLAG_FAILOVER, FLAG_PARTIAL, Source
from core.store import Store
from phone import wav_seconds
from tests.audio_match import find_prompts
from tests.fixtures.asterisk import read_wav, rms, wait_for

pytestmark = pytest.mark.asterisk

KEYS = {"sw": "1", "ln": "2", "fr": "3"}
SPEECH = {
    "sw": ("sw", "Watu wenye silaha wameonekana karibu na kijiji cha Eringeti asubuhi hii. "
                 "Wamechoma nyumba mbili na wanawake wanakimbia kuelekea mjini. Tunaomba msaada haraka."),
    "ln": ("sw", "Bato ya mandoki bamonani pene na mboka ya Eringeti na ntongo. "
                 "Batumbi ndako mibale mpe basi bakimi na engumba. Tosengi lisalisi noki."),
    "fr": ("fr", "Des hommes armés ont été vus près du village d'Eringeti ce matin. "
                 "Ils ont brûlé deux maisons et les femmes fuient vers la ville. Nous demandons de l'aide."),
}
def speech(tmp_path: Path, language: str, seconds: float, name: str | None = None) -> Path:
    """Exactly `seconds` of espeak-ng speech in `language`, 8 kHz 16-bit mono."""
    voice, text = SPEECH[language]
    raw = tmp_path / f"{name or language}-raw.wav"
    target = tmp_path / f"{name or language}-{seconds:g}s.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-s", "150", "-w", str(raw), text], check=True)
    subprocess.run(["sox", str(raw), "-r", "8000", "-b", "16", "-c", "1", str(target), "trim", "0", str(seconds)],
                   check=True)
    assert abs(wav_seconds(target) - seconds) < 0.01
    return target


def alert_script(language: str, wav: Path, locality: str = "4021", end: str = "dtmf #") -> str:
    """Choose the language, speak after the beep, end with `end`, key the locality once asked."""
    return (f"wait 1; dtmf {KEYS[language]}; wait beep; play {wav}; {end}; wait silence; "
            f"dtmf {locality}#; listen 45; hangup")


def newest_alerts(config, after_id: int) -> list[dict]:
    store = Store.open(config.db_path)
    try:
        ids = [r[0] for r in store.conn.execute("SELECT id FROM alerts WHERE id > ? ORDER BY id", (after_id,))]
        return [store.get_alert(i) | {"recordings": store.recordings_for(i)} for i in ids]
    finally:
        store.close()


def last_alert_id(config) -> int:
    store = Store.open(config.db_path)
    try:
        return store.conn.execute("SELECT coalesce(max(id), 0) FROM alerts").fetchone()[0]
    finally:
        store.close()


def heard_digits(config, language: str, recording: Path) -> str:
    samples, rate = read_wav(recording)
    templates = {}
    for digit in "0123456789":
        template, template_rate = read_wav(prompts.audio_path(config.prompts_dir, language, f"digit_{digit}"))
        templates[digit] = (template, template_rate)
    return "".join(name for _, name, _ in find_prompts(samples, rate, templates))


@pytest.mark.parametrize("language", ["sw", "ln", "fr"])
def test_a_caller_leaves_an_alert_and_hears_its_reference(asterisk, ivr_running, tmp_path, language):
    config = asterisk.config
    before = last_alert_id(config)
    heard = tmp_path / "heard.wav"
    result = asterisk.call(EXTEN_ALERT, "test-phone-1", alert_script(language, speech(tmp_path, language, 6.0)),
                           record=heard, timeout=150)
    assert result.ok, (result.events, ivr_running.log()[-3000:])
    assert result.remote_hangup, "the line hangs up after goodbye"
    (alert,) = newest_alerts(config, before)
    assert alert["language"] == language and alert["locality"] == "4021"
    assert alert["source"] == Source.PHONE and alert["caller_pseudonym"].startswith("C-")
    assert alert["flags"] == []
    (recording,) = alert["recordings"]
    assert abs(recording["duration"] - 6.0) <= 0.5, recording
    assert recording["sample_rate"] == 8000
    assert rms(config.data_dir / recording["path"]) > 0.02, "the caller's speech, not silence"
    # The consent prompt that follows names keys ("appuyez sur deux"): look for the run.
    assert "4021" + alert["reference"] * 2 in heard_digits(config, language, heard), "locality read back, then reference"


def test_hanging_up_mid_recording_leaves_the_partial_alert(asterisk, ivr_running, tmp_path):
    config = asterisk.config
    before = last_alert_id(config)
    script = f"wait 1; dtmf 1; wait beep; play {speech(tmp_path, 'sw', 3.0)}; hangup"
    result = asterisk.call(EXTEN_ALERT, "test-phone-2", script)
    assert result.answered and not result.remote_hangup
    (alert,) = wait_for(lambda: newest_alerts(config, before), 15, "the partial alert to be filed")
    assert alert["flags"] == [FLAG_PARTIAL] and alert["language"] == "sw"
    assert 2.4 <= alert["recordings"][0]["duration"] <= 3.6


def test_with_the_ivr_down_the_failure_path_records_and_the_ivr_imports_once(asterisk, ivr_running, tmp_path):
    config = asterisk.config
    before = last_alert_id(config)
    ivr_running.stop()
    # Both apologies, then the failure path's beep.
    result = asterisk.call(EXTEN_ALERT, "test-phone-3", f"wait beep; play {speech(tmp_path, 'sw', 4.0)}; hangup")
    assert result.answered, result.events
    spool = config.spool_dir / SPOOL_FAILED
    meta = wait_for(lambda: [m for m in spool.glob("*.meta") if "ended=" in m.read_text()], 10, "the spool meta")
    assert meta[0].with_suffix(".wav").exists()
    assert newest_alerts(config, before) == []
    # Kept aside, to hand the same call to the importer again afterwards.
    aside = tmp_path / "spool-copy"
    aside.mkdir()
    copies = [Path(shutil.copy2(f, aside)) for f in (meta[0], meta[0].with_suffix(".wav"))]

    ivr_running.start()
    (alert,) = wait_for(lambda: newest_alerts(config, before), 15, "the import")
    assert alert["flags"] == [FLAG_FAILOVER] and alert["source"] == Source.FAILOVER
    assert alert["caller_pseudonym"].startswith("C-")
    assert 3.0 <= alert["recordings"][0]["duration"] <= 5.0
    assert rms(config.data_dir / alert["recordings"][0]["path"]) > 0.02
    assert not list(spool.glob("*.meta")), "the meta file with the caller's number is gone"
    # A crash after the import's transaction but before the meta file's deletion leaves
    # the call in the spool: the restarted IVR must see it was imported already.
    ivr_running.stop()
    for copy in copies:
        shutil.copy2(copy, spool / copy.name)
    ivr_running.start()
    wait_for(lambda: not list(spool.glob("*.meta")), 15, "the restarted IVR to go through the spool")
    assert len(newest_alerts(config, before)) == 1, "imported exactly once"


def test_ten_callers_at_once_leave_ten_alerts(asterisk, ivr_running, tmp_path):
    config = asterisk.config
    before = last_alert_id(config)
    wav = speech(tmp_path, "sw", 3.0)
    calls = [asterisk.start_call(EXTEN_ALERT, f"test-phone-{n}", alert_script("sw", wav, locality=f"{n}0"))
             for n in range(1, 11)]
    results = [call.result(timeout=180) for call in calls]
    assert all(r.ok for r in results), [r.events for r in results if not r.ok]
    alerts = wait_for(lambda: (a := newest_alerts(config, before)) and len(a) >= 10 and a, 20, "ten alerts")
    assert len(alerts) == 10
    assert len({a["reference"] for a in alerts}) == 10
    assert sorted(a["locality"] for a in alerts) == sorted(f"{n}0" for n in range(1, 11))
    assert all(2.5 <= a["recordings"][0]["duration"] <= 3.5 and not a["flags"] for a in alerts)
