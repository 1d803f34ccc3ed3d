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
from ivr.flows.acknowledgement import CONSENT_WAIT_MS
from ivr.flows.alert import alert
from ivr.agi import CONCEALED_CHANNEL
from ivr.audio import write_wav
from ivr.complaint_takes import leftover_complaints, new_take, take_facts, takes_dir
from ivr.flows.complaint import complaint
from ivr.spool import ABANDONED_SECONDS
from tests.fixtures.audio import speechlike
from tests.fixtures.ivr import RATE


def file_by_menu(run_flow, language="fr"):
    """A caller on the alert line keys 9 while the menu offers the complaints in `language`,
    then 1, and speaks."""
    return run_flow(alert, keys={f"{language}/complaint_option": ["9"], "complaint_menu": ["1"]},
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
    assert said[:4] == ["language_menu", "complaint_option", "complaint_menu", "complaint_intro"]
    assert "welcome" not in said, "no alert welcome for a complainant"
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


def test_a_complaints_call_row_and_log_keep_nothing_that_links_it_to_its_caller(run_flow, line):
    call, error = file_by_menu(run_flow)
    assert error is None
    (complaint_row,) = line.db.run(lambda s: s.complaints())
    row = line.db.run(lambda s: s.get_call(1))
    assert (row["channel"], row["uniqueid"], row["caller_pseudonym"]) == (None, None, None)
    day = complaint_row["created_at"][:10]
    assert row["started_at"] == row["ended_at"] == f"{day}T00:00:00.000+00:00", "the day only"
    assert call.channel == CONCEALED_CHANNEL, "the log names the rest of the call 'confidential'"
    # An alert's call keeps its channel and times: only a complaint's is coarsened.
    run_flow(alert, keys={"language_menu": ["3"]}, recordings=[speechlike(3.0)], variables={VAR_SOURCE: "phone"})
    alert_call = line.db.run(lambda s: s.get_call(2))
    assert alert_call["channel"] == "PJSIP/test-phone-1-00000001" and alert_call["ended_at"] > alert_call["started_at"]


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


def test_an_alert_caller_who_keys_their_language_hears_no_option_and_waits_for_nothing(run_flow, line):
    call, error = run_flow(alert, keys={"language_menu": ["3"]}, recordings=[speechlike(3.0)])
    assert error is None and line.db.run(lambda s: s.get_alert(1)) is not None
    assert call.played[:4] == [("sw", "language_menu"), ("fr", "welcome"), ("fr", "record_after_beep"),
                               ("common", "beep")], "the welcome, the announcement, the beep: nothing else"
    assert call.waited_ms == [CONSENT_WAIT_MS], "no wait for a key but the acknowledgement's, after the reference"
    assert not any(p == "complaint_option" for _, p in call.played)


def test_an_alert_caller_who_keys_nothing_hears_the_option_once_in_each_language(run_flow, line):
    call, error = run_flow(alert, recordings=[speechlike(3.0)], variables={VAR_SOURCE: "phone"})
    assert error is None and line.db.run(lambda s: s.get_alert(1))["language"] == "sw"
    menu = [(lang, p) for lang, p in call.played if p in ("language_menu", "complaint_option")]
    languages = [("sw", "language_menu"), ("ln", "language_menu"), ("fr", "language_menu")]
    assert menu == languages + [(lang, "complaint_option") for lang in ("sw", "ln", "fr")] + languages
    assert line.db.run(lambda s: s.complaints()) == []


# Every moment 9 is taken: the menu's prompts (the language is the prompt's), its silences (the
# pause after the first round, the listening window after an option: the language is asked
# then, here keyed in the asking menu's Lingala window), the welcome and the recording's announcement.
ASKED_IN_LN_WINDOW = {"windows": {"ln/language_menu": ["", "2"]}}
NINE_AT = {
    "sw-option": ({"sw/language_menu": ["9"]}, "sw"),
    "ln-option": ({"ln/language_menu": ["9"]}, "ln"),
    "fr-option": ({"fr/language_menu": ["9"]}, "fr"),
    "sw-offer": ({"sw/complaint_option": ["9"]}, "sw"),
    "ln-offer": ({"ln/complaint_option": ["9"]}, "ln"),
    "fr-offer": ({"fr/complaint_option": ["9"]}, "fr"),
    "menu-silence": ({"wait": ["9"]} | ASKED_IN_LN_WINDOW, "ln"),
    "menu-window": ({"windows": {"sw/language_menu": ["9"], "ln/language_menu": ["2"]}}, "ln"),
    "welcome": ({"language_menu": ["3"], "welcome": ["9"]}, "fr"),
    "record-after-beep": ({"language_menu": ["1"], "record_after_beep": ["9"]}, "sw"),
}


@pytest.mark.parametrize(("keys", "language"), NINE_AT.values(), ids=NINE_AT.keys())
def test_nine_at_every_point_it_is_taken_reaches_the_complaints(run_flow, line, keys, language):
    keys = dict(keys)
    windows = keys.pop("windows", {})
    call, error = run_flow(alert, keys=keys | {"complaint_menu": ["1"]}, windows=windows,
                           recordings=[speechlike(4.0)], variables={VAR_SOURCE: "phone"})
    assert error is None
    assert call.prompts_in(language)[-2:] == ["complaint_follow_up", "goodbye"]
    assert "complaint_intro" in call.prompts_in(language)
    assert line.db.run(lambda s: s.get_alert(1)) is None
    (row,) = line.db.run(lambda s: s.complaints())
    assert row["language"] == language
    assert call.variables[VAR_COMPLAINT] == "1"


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
    leftovers = leftover_complaints(line)
    assert asyncio.run(leftovers.run()) == [] and kept.exists(), "still no key: still kept"

    public.write_bytes(key)
    (filed,) = asyncio.run(leftovers.run())
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
    (filed,) = asyncio.run(leftover_complaints(line).run())
    assert filed["language"] == "ln" and not take.exists() and live.exists()
    assert dt.datetime.fromisoformat(filed["created_at"]) == take_facts(take, "sw")[1], "when it was recorded"
