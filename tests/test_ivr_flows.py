"""Call flows against a scripted fake AGI session."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from core.dialplan import VAR_LANGUAGE, VAR_SOURCE, VAR_STATION
from core.identity import is_valid_reference
from core.model import FLAG_PARTIAL, FLAG_SILENT, Source
from ivr.audio import read_wav
from ivr.flows.alert import alert
from ivr.flows.beep import beep
from ivr.flows.radio import radio
from tests.fixtures.audio import speechlike
from tests.fixtures.ivr import RATE, hiss


def stored(line, reference=None):
    return line.db.run(lambda s: s.alert_by_reference(reference) if reference else s.get_alert(1))


def test_caller_chooses_lingala_records_and_hears_reference_twice(run_flow, line):
    call, error = run_flow(
        alert,
        keys={"ln/language_menu": ["2"], "getdata:enter_locality": ["4021"]},
        recordings=[speechlike(6.0)],
        variables={VAR_SOURCE: "phone"},
    )
    assert error is None
    row = stored(line)
    assert row["language"] == "ln" and row["locality"] == "4021"
    assert row["source"] == Source.PHONE and row["flags"] == []
    assert row["caller_pseudonym"].startswith("C-") and "812345678" not in row["caller_pseudonym"]
    assert is_valid_reference(row["reference"])
    assert call.variables[VAR_LANGUAGE] == "ln"
    # Menu stopped at the Lingala option; the rest of the call is in Lingala.
    assert call.played[:2] == [("sw", "language_menu"), ("ln", "language_menu")]
    said = call.prompts_in("ln")
    # The keyed locality is read back, then the reference twice.
    assert said[said.index("locality_is") + 1: said.index("locality_is") + 5] == [f"digit_{d}" for d in "4021"]
    digits = [p.removeprefix("digit_") for p in said[said.index("locality_is") + 5:] if p.startswith("digit_")]
    assert "".join(digits) == row["reference"] * 2
    assert call.prompts_in("ln")[-1] == "goodbye"
    recording = line.db.run(lambda s: s.recordings_for(row["id"]))[0]
    assert abs(recording["duration"] - 6.0) < 0.01 and recording["sample_rate"] == RATE
    samples, rate = read_wav(line.config.data_dir / recording["path"])
    assert rate == RATE and len(samples) == 6 * RATE
    assert line.db.run(lambda s: s.jobs_for_alert(row["id"]))[0]["kind"] == "transcribe"
    call_row = line.db.run(lambda s: s.get_call(row["call_id"]))
    assert call_row["ended_at"] is not None


def test_no_choice_repeats_the_menu_then_uses_swahili(run_flow, line):
    call, _ = run_flow(alert, recordings=[speechlike(3.0)])
    assert [p for p in call.played if p[1] == "language_menu"] == [("sw", "language_menu"), ("ln", "language_menu"),
                                                                    ("fr", "language_menu")] * 2
    assert stored(line)["language"] == "sw"


def test_a_wrong_key_is_explained_and_the_menu_repeats(run_flow, line):
    # 7 in the pause after the first round, 3 in the listening window after an option of the second.
    call, _ = run_flow(alert, keys={"wait": ["7"]}, windows={"ln/language_menu": ["", "3"]},
                       recordings=[speechlike(3.0)])
    assert ("sw", "invalid_choice") in call.played
    assert stored(line)["language"] == "fr"


def test_hang_up_mid_recording_keeps_the_partial_alert(run_flow, line):
    call, error = run_flow(alert, keys={"wait": ["1"]}, recordings=[speechlike(2.5)], hang_up_during_recording=True)
    assert error is not None
    row = stored(line)
    assert row["flags"] == [FLAG_PARTIAL]
    assert abs(line.db.run(lambda s: s.recordings_for(row["id"]))[0]["duration"] - 2.5) < 0.01
    assert "reference_is" not in call.prompts_in("sw")
    assert line.db.run(lambda s: s.get_call(row["call_id"]))["ended_at"] is not None


def test_silence_twice_is_kept_flagged_and_the_caller_is_told_how_to_call_again(run_flow, line):
    call, error = run_flow(alert, keys={"wait": ["1"]}, recordings=[hiss(10.5), hiss(10.5, seed=3)])
    assert error is None
    alerts = line.db.run(lambda s: s.alerts_for_call(1))
    assert [a["flags"] for a in alerts] == [[FLAG_SILENT], [FLAG_SILENT]], "both kept for a person"
    durations = [line.db.run(lambda s, a=a: s.recordings_for(a["id"]))[0]["duration"] for a in alerts]
    assert durations == [10.5, 10.5], "a silent take is kept whole"
    said = call.prompts_in("sw")
    assert said[said.index("nothing_heard"):] == ["nothing_heard", "record_after_beep", "nothing_heard_again"]
    assert [p for _, p in call.played].count("beep") == 2, "one more try, with its own beep"
    assert "recorded_thanks" not in said and "reference_is" not in said, "never thanks for silence"


def test_a_silent_first_try_then_speech_leaves_the_alert_and_its_reference(run_flow, line):
    call, error = run_flow(alert, keys={"wait": ["1"]}, recordings=[hiss(10.5), speechlike(4.0)])
    assert error is None
    silent, spoken = line.db.run(lambda s: s.alerts_for_call(1))
    assert silent["flags"] == [FLAG_SILENT] and spoken["flags"] == []
    said = call.prompts_in("sw")
    assert said.index("nothing_heard") < said.index("recorded_thanks") < said.index("reference_is")
    digits = "".join(p.removeprefix("digit_") for p in said[said.index("reference_is"):] if p.startswith("digit_"))
    assert digits == spoken["reference"] * 2


def test_a_hesitant_caller_is_kept_whole_and_the_waiting_is_cut(run_flow, line):
    take = np.concatenate([hiss(7.5), speechlike(6.0), hiss(5.0, seed=4)])
    call, error = run_flow(alert, keys={"wait": ["1"]}, recordings=[take])
    assert error is None
    row = stored(line)
    assert row["flags"] == []
    recording = line.db.run(lambda s: s.recordings_for(row["id"]))[0]
    assert abs(recording["duration"] - 6.0) <= 1.0, recording
    assert abs(recording["offset_seconds"] - 7.5) <= 0.5, recording
    assert [e[0] for e in call.executed] == ["MixMonitor", "WaitForNoise", "StopMixMonitor"]


def test_hanging_up_before_the_beep_leaves_no_alert(run_flow, line):
    call, error = run_flow(alert, keys={"wait": ["1"]}, recordings=[np.zeros(100, dtype=np.int16)],
                           hang_up_during_recording=True)
    assert error is not None
    assert line.db.run(lambda s: s.count_alerts()) == 0


def test_unknown_locality_is_asked_once_more_then_skipped(run_flow, line):
    line.db.run(lambda s: s.add_locality("4021", "Eringeti", "Beni"))
    call, _ = run_flow(alert, keys={"wait": ["1"], "getdata:enter_locality": ["999", "998"]},
                       recordings=[speechlike(3.0)])
    assert call.prompts_in("sw").count("locality_not_found") == 2
    assert stored(line)["locality"] is None


def test_known_locality_after_one_mistake_is_kept(run_flow, line):
    line.db.run(lambda s: s.add_locality("4021", "Eringeti", "Beni"))
    run_flow(alert, keys={"wait": ["1"], "getdata:enter_locality": ["999", "4021"]}, recordings=[speechlike(3.0)])
    row = stored(line)
    assert row["locality"] == "4021"
    updates = [e for e in line.db.run(lambda s: s.audit_entries("alert", row["id"])) if e["action"] == "update"]
    assert updates[0]["after"] == {"locality": "4021"}


def with_ivr(line, **settings):
    line.config = replace(line.config, ivr=replace(line.config.ivr, **settings))
    return line


def test_a_radio_patch_is_recorded_from_answer_in_the_station_language(run_flow, line):
    with_ivr(line, radio_languages={"beni": "ln"})
    session = np.concatenate([hiss(0.5), speechlike(3.0), hiss(7.0, seed=1), speechlike(2.0), hiss(1.0)])
    call, error = run_flow(radio, recordings=[session], variables={VAR_STATION: "beni"},
                           hang_up_during_recording=True)
    alerts = line.db.run(lambda s: s.alerts_for_call(1))
    assert [(a["segment"], a["language"], a["station"], a["flags"]) for a in alerts] == [
        (1, "ln", "beni", []), (2, "ln", "beni", [])], "a patch ends by hanging up: nothing partial"
    assert call.played == [], "nothing is spoken over the air"
    assert call.executed[0][0] == "MixMonitor", "recorded from answer"


def test_radio_relay_of_three_reports_becomes_three_alerts(run_flow, line):
    with_ivr(line, radio_relays=["beni"])
    session = np.concatenate([
        hiss(1.0), speechlike(4.0), hiss(8.0, seed=1), speechlike(3.0), hiss(8.0, seed=2), speechlike(5.0), hiss(2.0),
    ])
    call, error = run_flow(radio, recordings=[session], variables={VAR_STATION: "beni"})
    assert error is None
    alerts = line.db.run(lambda s: s.alerts_for_call(1))
    assert [a["segment"] for a in alerts] == [1, 2, 3]
    assert {a["station"] for a in alerts} == {"beni"} and {a["source"] for a in alerts} == {"radio"}
    recordings = [line.db.run(lambda s, a=a: s.recordings_for(a["id"]))[0] for a in alerts]
    durations = [r["duration"] for r in recordings]
    for duration, expected in zip(durations, (4.0, 3.0, 5.0)):
        assert abs(duration - expected) < 0.8
    offsets = [r["offset_seconds"] for r in recordings]
    assert abs(offsets[0] - 1.0) < 0.5 and abs(offsets[1] - 13.0) < 0.5 and abs(offsets[2] - 24.0) < 0.5
    # The operator hears every reference read back.
    digits = "".join(p.removeprefix("digit_") for p in call.prompts_in("sw") if p.startswith("digit_"))
    assert digits == "".join(a["reference"] for a in alerts)
    assert not any(p == "language_menu" for _, p in call.played), "radio relays are voice only"


def test_radio_session_cut_by_hang_up_still_files_every_report(run_flow, line):
    with_ivr(line, radio_relays=["test"])
    session = np.concatenate([speechlike(3.0), hiss(7.0), speechlike(2.0)])
    _, error = run_flow(radio, recordings=[session], hang_up_during_recording=True, variables={VAR_STATION: "test"})
    assert error is not None
    alerts = line.db.run(lambda s: s.alerts_for_call(1))
    assert len(alerts) == 2 and alerts[-1]["flags"] == [FLAG_PARTIAL]


def test_beep_line_notes_the_missed_call_without_the_number(run_flow, line):
    call, _ = run_flow(beep)
    row = line.db.run(lambda s: s.get_call(1))
    assert row["source"] == Source.BEEP and row["caller_pseudonym"].startswith("C-")
    assert "243812345678" not in str(row)
    assert not call.hung_up, "the dialplan rejects the call once the flow has queued the call-back"
    (callback,) = line.db.run(lambda s: s.callbacks_for_caller(row["caller_pseudonym"]))
    assert callback["beep_call_id"] == row["id"] and callback["state"] == "queued"
    sealed = line.db.run(lambda s: s.conn.execute("SELECT sealed FROM contacts").fetchone()[0])
    assert line.contacts.open(sealed, row["caller_pseudonym"]) == "+243812345678"


def test_the_take_is_read_and_analysed_off_the_event_loop(run_flow, line, wav_reading_threads):
    """Under hundreds of callers, reading a take on the loop stalled every other call."""
    import threading

    _, error = run_flow(alert, keys={"language_menu": ["1"]}, recordings=[speechlike(3.0)])
    assert error is None and stored(line) is not None
    assert wav_reading_threads and threading.main_thread() not in wav_reading_threads
