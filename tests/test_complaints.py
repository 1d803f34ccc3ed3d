"""Confidential complaints: sealing, the IVR flows against a scripted call, the store and retention."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import time

import pytest

from core import complaints, retention
from core.complaints import ComplaintOpener, ComplaintSeal, ComplaintSealError
from core.dialplan import VAR_COMPLAINT, VAR_SOURCE
from core.store import Store
from ivr.flows.alert import COMPLAINT_GRACE_MS, alert
from ivr.audio import write_wav
from ivr.complaint_takes import LeftoverTakes, new_take, take_facts, takes_dir
from ivr.flows.complaint import complaint
from ivr.spool import ABANDONED_SECONDS
from tests.fixtures.audio import speechlike
from tests.fixtures.ivr import RATE


def file_by_menu(run_flow, language_key="3"):
    """A caller on the alert line keys 9 after the welcome, then 1, and speaks."""
    return run_flow(alert, keys={"language_menu": [language_key], "complaint_option": ["9"], "complaint_menu": ["1"]},
                    recordings=[speechlike(4.0)], variables={VAR_SOURCE: "phone"})


def test_sealing_opens_only_with_the_private_key_and_the_same_reference(config):
    sealed = ComplaintSeal.from_config(config).seal(b"RIFF...audio", "12345678")
    opener = ComplaintOpener.from_config(config)
    assert opener.open(sealed, "12345678") == b"RIFF...audio"
    with pytest.raises(ComplaintSealError):
        opener.open(sealed, "87654321")
    public = (config.secrets_dir / complaints.PUBLIC_KEY).read_bytes()
    assert len(public) == 32 and public not in sealed


def test_a_complaint_through_the_alert_menu_is_sealed_and_never_an_alert(run_flow, line, config):
    call, error = file_by_menu(run_flow)
    assert error is None
    said = call.prompts_in("fr")
    assert said[:4] == ["welcome", "complaint_option", "complaint_menu", "complaint_intro"]
    assert call.variables[VAR_COMPLAINT] == "1"
    (row,) = line.db.run(lambda s: s.complaints())
    digits = [p.removeprefix("digit_") for p in said if p.startswith("digit_")]
    assert "".join(digits) == row["reference"] * 2, "the reference read twice"
    assert said[-2:] == ["complaint_follow_up", "goodbye"]
    assert line.db.run(lambda s: s.conn.execute("SELECT count(*) FROM alerts").fetchone()[0]) == 0
    assert line.db.run(lambda s: s.get_call(1))["caller_pseudonym"] is None, "no trace of who called"
    stored = line.db.run(lambda s: s.complaint(row["id"]))
    sealed = (config.data_dir / stored["path"]).read_bytes()
    assert not sealed.startswith(b"RIFF")
    assert ComplaintOpener.from_config(config).open(sealed, row["reference"]).startswith(b"RIFF")
    assert not list((config.spool_dir / "complaint-takes").glob("*")), "no plain take left"


def test_following_up_plays_the_teams_message_or_says_there_is_none_yet(run_flow, line, config):
    file_by_menu(run_flow)
    (row,) = line.db.run(lambda s: s.complaints())
    call, _ = run_flow(complaint, keys={"language_menu": ["3"], "complaint_menu": ["2"],
                                        "getdata:complaint_enter_reference": ["00000000", row["reference"]]})
    assert call.prompts_in("fr")[-4:] == ["complaint_unknown", "complaint_enter_reference", "complaint_no_answer",
                                          "goodbye"]
    line.db.run(lambda s: s.update_complaint(row["id"], "cora", status_message="complaints/status/answer.wav"))
    call, _ = run_flow(complaint, keys={"language_menu": ["3"], "complaint_menu": ["2"],
                                        "getdata:complaint_enter_reference": [row["reference"]]})
    assert ("status", "answer") in call.played
    actions = [e["action"] for e in line.db.run(lambda s: s.complaint_audit(row["id"]))]
    assert actions.count("follow_up") == 2


def test_retention_drops_old_complaint_recordings_and_keeps_recent_ones(run_flow, line, config):
    file_by_menu(run_flow)
    file_by_menu(run_flow)
    old, recent = sorted(line.db.run(lambda s: s.complaints()), key=lambda r: r["id"])
    line.db.run(lambda s: s.conn.execute("UPDATE complaints SET updated_at = '2000-01-01' WHERE id = ?", (old["id"],)))
    old_path = config.data_dir / line.db.run(lambda s: s.complaint(old["id"]))["path"]
    with Store.open(config.db_path) as store:
        summary = retention.purge(config, store, now=dt.datetime.now(dt.timezone.utc))
        assert summary["complaints"] == [old["id"]]
        assert store.complaint(old["id"])["path"] is None and store.complaint(recent["id"])["path"]
    assert not old_path.exists()


def test_nine_during_the_welcome_goes_straight_to_the_complaints(run_flow, line):
    call, error = run_flow(alert, keys={"language_menu": ["3"], "welcome": ["9"], "complaint_menu": ["1"]},
                           recordings=[speechlike(3.0)], variables={VAR_SOURCE: "phone"})
    assert error is None and "complaint_option" not in call.prompts_in("fr")
    assert len(line.db.run(lambda s: s.complaints())) == 1


def test_the_ivr_side_reads_only_the_public_key(config):
    """Sealing needs no private key on disk: an IVR that can read it could open every complaint."""
    private = config.secrets_dir / complaints.PRIVATE_KEY
    kept = private.read_bytes()
    assert private.stat().st_mode & 0o777 == 0o600
    private.unlink()
    sealed = ComplaintSeal.from_config(config).seal(b"RIFF...audio", "11223344")
    assert not private.exists(), "sealing must not create the private key"
    private.write_bytes(kept)
    assert ComplaintOpener.from_config(config).open(sealed, "11223344") == b"RIFF...audio"


def test_sealing_without_keys_refuses_rather_than_making_them(config):
    for name in (complaints.PRIVATE_KEY, complaints.PUBLIC_KEY):
        (config.secrets_dir / name).unlink()
    with pytest.raises(ComplaintSealError):
        ComplaintSeal.from_config(config)
    assert not (config.secrets_dir / complaints.PRIVATE_KEY).exists()


def test_a_complaint_take_is_read_and_sealed_off_the_event_loop(run_flow, line, wav_reading_threads):
    import threading

    _, error = file_by_menu(run_flow)
    assert error is None and line.db.run(lambda s: s.complaints())
    assert wav_reading_threads and threading.main_thread() not in wav_reading_threads


def test_an_alert_caller_waits_only_a_short_grace_after_the_complaints_option(run_flow, line):
    call, error = run_flow(alert, keys={"language_menu": ["3"]}, recordings=[speechlike(3.0)])
    assert error is None and line.db.run(lambda s: s.get_alert(1)) is not None
    said = call.prompts_in("fr")
    assert said[:3] == ["welcome", "complaint_option", "record_after_beep"]
    assert said.count("record_after_beep") == 1, "the recording is announced once"
    assert call.played[call.played.index(("fr", "record_after_beep")) + 1] == ("common", "beep")
    # The only silence added before the beep is the grace after the option.
    assert call.waited_ms[:1] == [COMPLAINT_GRACE_MS] and COMPLAINT_GRACE_MS <= 1000


@pytest.mark.parametrize("prompt", ["welcome", "record_after_beep"])
def test_nine_during_the_welcome_or_the_recording_announcement_reaches_the_complaints(run_flow, line, prompt):
    call, error = run_flow(alert, keys={"language_menu": ["3"], prompt: ["9"], "complaint_menu": ["1"]},
                           recordings=[speechlike(4.0)], variables={VAR_SOURCE: "phone"})
    assert error is None
    assert "complaint_intro" in call.prompts_in("fr")
    assert line.db.run(lambda s: s.get_alert(1)) is None
    assert len(line.db.run(lambda s: s.complaints())) == 1


def test_a_complaint_that_cannot_be_sealed_is_told_kept_and_filed_once_sealing_works(run_flow, line, config):
    public = config.secrets_dir / complaints.PUBLIC_KEY
    key = public.read_bytes()
    public.unlink()
    call, error = file_by_menu(run_flow)
    assert error is None, "the flow goes on: the caller is told, not dropped into a hang-up"
    assert call.prompts_in("fr")[-2:] == ["complaint_not_saved", "goodbye"]
    assert "complaint_recorded" not in call.prompts_in("fr")
    assert line.db.run(lambda s: s.complaints()) == []
    (kept,) = takes_dir(config).glob("*.wav")
    assert kept.name.endswith(".unsealed.wav") and kept.stat().st_size > 16000, "the caller's words are kept"
    leftovers = LeftoverTakes(line)
    assert asyncio.run(leftovers.seal()) == [] and kept.exists(), "still no key: still kept"

    public.write_bytes(key)
    (filed,) = asyncio.run(leftovers.seal())
    assert not kept.exists()
    assert filed["language"] == "fr"
    began = dt.datetime.fromisoformat(filed["created_at"])
    assert dt.timedelta(0) <= dt.datetime.now(dt.timezone.utc) - began < dt.timedelta(minutes=1)
    (audit,) = line.db.run(lambda s: s.complaint_audit(filed["id"]))
    assert (audit["action"], audit["detail"]) == ("file", f"recorded {filed['created_at']}")
    sealed = (config.data_dir / line.db.run(lambda s: s.complaint(filed["id"]))["path"]).read_bytes()
    assert ComplaintOpener.from_config(config).open(sealed, filed["reference"]).startswith(b"RIFF")


def test_a_take_left_by_a_dead_call_is_filed_with_its_own_time_and_language(line, config):
    """A take no call writes any more (the IVR killed mid-complaint) is a leftover too."""
    take = new_take(config, "ln").with_suffix(".wav")
    write_wav(take, speechlike(3.0), RATE)
    old = time.time() - ABANDONED_SECONDS - 5
    os.utime(take, (old, old))
    live = new_take(config, "sw").with_suffix(".wav")
    write_wav(live, speechlike(3.0), RATE)  # being written by a call now: not touched
    (filed,) = asyncio.run(LeftoverTakes(line).seal())
    assert filed["language"] == "ln" and not take.exists() and live.exists()
    assert dt.datetime.fromisoformat(filed["created_at"]) == take_facts(take, "sw")[1], "when it was recorded"
