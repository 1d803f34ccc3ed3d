"""References that never run out: the length grows with the alerts, old ones stay valid.

The space is made small by the setting ([ivr] reference_digits, passed to Store.open),
so filling it takes a second instead of a million calls."""

from __future__ import annotations

import time

import pytest

from core.identity import REFERENCE_FILL, damm_check_digit, is_valid_reference, reference_digits
from core.store import RecordingFacts, Store


def file_one(store: Store) -> dict:
    call_id = store.create_call("phone", channel="PJSIP/test-phone-1-00000001", caller_pseudonym="C-TEST")
    recording = RecordingFacts(f"recordings/{time.monotonic_ns()}.wav", "wav", 6.0, 8000, 96044, "0" * 64)
    return store.file_alert(call_id, recording)


@pytest.mark.parametrize("fewest", [1, 2, 3])
def test_a_small_space_filled_to_95_percent_files_every_alert(tmp_path, fewest):
    store = Store.open(tmp_path / "small.db", reference_digits=fewest)
    space = 10**fewest
    references = []
    for number in range(int(space * 0.95)):
        alert = file_one(store)
        references.append(alert["reference"])
        # The length each alert gets: the fewest digits that keep their space a tenth full.
        assert len(alert["reference"]) == reference_digits(number, fewest) + 1
    assert len(set(references)) == len(references) == int(space * 0.95)
    assert all(is_valid_reference(r, fewest) for r in references)
    # Each is found again by what a caller keys, whatever its length.
    for reference in references[:: max(1, len(references) // 20)]:
        assert store.alert_by_reference(reference)["reference"] == reference
    store.close()


def test_a_space_already_full_at_its_length_goes_on_one_digit_longer(tmp_path):
    """An installation upgraded with its 2-digit space 95% full (as the old scheme left one
    near 900,000 alerts): the next alerts are filed at a longer length, none fails."""
    store = Store.open(tmp_path / "legacy.db", reference_digits=2)
    bodies = [f"{n:02d}" for n in range(95)]
    for body in bodies:
        file_one(store)
    # Give the first 95 alerts every 2-digit reference but five, as random draws would have.
    with store.transaction():
        store.conn.execute("UPDATE alerts SET reference = 'x' || id")
        for alert_id, body in enumerate(bodies, start=1):
            store.conn.execute("UPDATE alerts SET reference = ? WHERE id = ?", (body + damm_check_digit(body), alert_id))
    more = [file_one(store)["reference"] for _ in range(200)]
    assert all(is_valid_reference(r, 2) for r in more)
    assert len(set(more) | {b + damm_check_digit(b) for b in bodies}) == 295
    assert min(len(r) for r in more) >= 4   # 95 filed: 3 random digits at least
    store.close()


def test_the_fill_bound_holds_at_every_length():
    for fewest in (1, 2, 6):
        for filed in (0, 9, 10, 99, 100, 999_999, 1_000_000, 12_345_678):
            digits = reference_digits(filed, fewest)
            assert filed < REFERENCE_FILL * 10**digits       # at most a tenth full: >= 9 draws in 10 are free
            assert digits == fewest or filed >= REFERENCE_FILL * 10 ** (digits - 1)   # and no longer than needed


def test_todays_seven_digit_references_stay_valid_and_found(fresh_db):
    legacy = "402155" + damm_check_digit("402155")
    alert = file_one(fresh_db)
    with fresh_db.transaction():
        fresh_db.conn.execute("UPDATE alerts SET reference = ? WHERE id = ?", (legacy, alert["id"]))
    assert is_valid_reference(legacy)
    assert fresh_db.alert_by_reference(legacy)["id"] == alert["id"]
    assert fresh_db.find_alert_id(legacy) == alert["id"]
    assert not is_valid_reference(legacy[:-1] + str((int(legacy[-1]) + 1) % 10))


def test_complaint_references_never_run_out(fresh_db):
    taken = []
    for _ in range(95):
        reference = fresh_db.free_complaint_reference(fewest=2)
        fresh_db.file_complaint(reference, "sw", None, None)
        taken.append(reference)
    assert len(set(taken)) == 95
    assert {len(r) for r in taken} == {2, 3}   # 2 digits for the first 10, then 3
    assert fresh_db.complaint_reference_digits(fewest=2) == 3
    assert fresh_db.complaint_reference_digits() == 8   # what a caller keys today
