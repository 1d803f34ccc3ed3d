"""The back-off of `sauti up`'s Asterisk watchdog, and what `sauti status` shows of it.

(The watchdog itself, against a real Asterisk that gets killed: tests/test_up.py.)
"""

from __future__ import annotations

from sauti.watchdog import Backoff, State, clear_stopped, describe, mark_stopped, read_state, stopped_marker


def test_a_crash_loop_waits_longer_each_time_up_to_the_cap():
    backoff = Backoff(first=1, cap=30, stable_seconds=60)
    assert [backoff.next_delay(ran_for=2) for _ in range(8)] == [1, 2, 4, 8, 16, 30, 30, 30]


def test_a_failed_start_counts_as_a_crash_and_a_long_run_starts_afresh():
    backoff = Backoff(first=1, cap=30, stable_seconds=60)
    assert [backoff.next_delay(ran_for) for ran_for in (3600, 0, 0, 59)] == [1, 2, 4, 8]
    assert backoff.next_delay(ran_for=60) == 1, "up a minute: the next crash waits the least again"
    assert backoff.next_delay(ran_for=1) == 2


def test_status_says_how_often_and_when_and_why_not(tmp_path):
    assert read_state(tmp_path) is None
    assert describe(State()) == ""
    once = describe(State(restarts=1, last_restart="2026-11-26T08:30:00+00:00"))
    assert once == "restarted by `sauti up` once, last at 2026-11-26T08:30:00+00:00"
    alarm = describe(State(restarts=3, last_restart="t", alarm="ASTERISK ALARM: port busy"))
    assert "3 times" in alarm and alarm.endswith("ASTERISK ALARM: port busy")
    assert "until `sauti asterisk start`" in describe(State(stopped_on_purpose=True))


def test_the_stop_marker_comes_and_goes(tmp_path):
    mark_stopped(tmp_path)
    assert stopped_marker(tmp_path).exists()
    clear_stopped(tmp_path)
    clear_stopped(tmp_path)
    assert not stopped_marker(tmp_path).exists()
