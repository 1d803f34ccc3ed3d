"""Reporter safety: keyed pseudonyms and secrets."""

import stat

from core import secrets
from core.identity import create_secret, normalise_number, pseudonym, read_secret
from tests.fixtures.core import make_data_dir


def test_pseudonym_is_stable_and_hides_the_number(config):
    key = secrets.pseudonym_key(config)
    first = pseudonym(key, "+243 81 234 5678")
    assert first == pseudonym(key, "+243812345678")
    # The forms a number reaches the line in, from trunks and the SMS gateway alike.
    for form in ("243812345678", "00243 812 345 678", "0812345678", "081-234-5678", "243 81 234 5678"):
        assert pseudonym(key, form) == first, form
    assert normalise_number("0812345678") == "+243812345678"
    assert normalise_number("+33612345678") == "+33612345678"    # foreign: as written
    assert normalise_number("1234") == "1234"                    # a short code
    assert normalise_number("612345678") == "612345678"          # too short for a national number: unchanged
    assert first.startswith("C-") and len(first) == 10
    assert "812345678" not in first
    assert pseudonym(key, "+243 99 000 0000") != first
    assert pseudonym(key, "anonymous") is None


def test_pseudonyms_differ_across_installations(tmp_path):
    one = make_data_dir(tmp_path / "one")
    two = make_data_dir(tmp_path / "two")
    number = "+243812345678"
    assert pseudonym(secrets.pseudonym_key(one), number) != pseudonym(secrets.pseudonym_key(two), number)


def test_secret_files_are_private_and_never_replaced(tmp_path):
    path = tmp_path / "secrets" / "k"
    assert create_secret(path)
    original = read_secret(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert not create_secret(path)
    assert read_secret(path) == original
