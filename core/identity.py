"""Reporter safety and speakable references.

A caller's number is never stored: only a keyed pseudonym (HMAC-SHA256 with a
per-installation secret), so repeat callers are recognised without being exposed.
Reference numbers are read to callers over bad lines, so they are digits only,
with a Damm check digit that catches every single-digit error and every
transposition of adjacent digits.

References never run out: a new one has REFERENCE_BODY_DIGITS random digits (6, as
Sauti always made them) until the alerts filed pass REFERENCE_FILL of that space,
then one digit more, and so on. Random draws at a length never see that length's
space more than REFERENCE_FILL full, so a draw is free at least 9 times in 10
(about 1.1 draws per reference) and a guessed reference names an alert at most
1 time in 10: a caller cannot walk through others' alerts. Every reference ever
given stays valid: a reference is any run of digits whose Damm check is 0.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
from pathlib import Path

SECRET_BYTES = 32

_DAMM = (
    (0, 3, 1, 7, 5, 9, 8, 6, 4, 2),
    (7, 0, 9, 2, 1, 5, 4, 8, 6, 3),
    (4, 2, 0, 6, 8, 7, 1, 3, 5, 9),
    (1, 7, 5, 0, 9, 8, 3, 4, 2, 6),
    (6, 1, 2, 3, 0, 4, 5, 9, 7, 8),
    (3, 6, 7, 4, 2, 0, 9, 5, 8, 1),
    (5, 8, 6, 9, 7, 2, 0, 1, 3, 4),
    (8, 9, 4, 5, 3, 6, 2, 0, 1, 7),
    (9, 4, 3, 8, 6, 1, 7, 2, 0, 5),
    (2, 5, 8, 1, 4, 3, 6, 7, 9, 0),
)

REFERENCE_BODY_DIGITS = 6
# Grow a digit once this share of the space at the current length is taken (see above).
REFERENCE_FILL = 0.1
# Draws at one length before trying the next: with the space at most REFERENCE_FILL full,
# 20 taken draws in a row happen once in 10**20 references.
DRAWS_PER_LENGTH = 20
# The longest reference a caller keys (ivr/flows: get_data's maximum); 10**15 alerts away.
REFERENCE_MAX_DIGITS = 16


def create_secret(path: Path, content: bytes | None = None) -> bool:
    """Create a secret file (random bytes unless `content` is given) with mode 0600.

    Returns False, changing nothing, if it already exists.
    """
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "wb") as handle:
        handle.write(secrets.token_bytes(SECRET_BYTES) if content is None else content)
    return True


def read_secret(path: Path) -> bytes:
    data = path.read_bytes()
    if len(data) < 16:
        raise ValueError(f"secret {path} is too short; recreate it with `sauti init`")
    return data


# DR Congo: +243, then a 9-digit national number that is written 0 + 9 digits at home.
COUNTRY_CODE = "243"
NATIONAL_DIGITS = 9


def normalise_number(number: str) -> str:
    """One form for a Congolese mobile number however it reaches the line (a trunk's From,
    a GSM gateway, the SMS gateway): '+243 81 234 5678', '243812345678', '00243812345678'
    and '0812345678' are all '+243812345678'. Anything else keeps its digits and a leading +
    (a foreign number, a short code, a test phone's digits)."""
    number = number.strip()
    digits = re.sub(r"\D", "", number)
    international = number.startswith("+")
    if not international and digits.startswith("00"):
        digits, international = digits[2:], True
    if not international and len(digits) == len(COUNTRY_CODE) + NATIONAL_DIGITS and digits.startswith(COUNTRY_CODE):
        international = True
    elif not international and len(digits) == 1 + NATIONAL_DIGITS and digits.startswith("0"):
        digits, international = COUNTRY_CODE + digits[1:], True
    return ("+" if international else "") + digits


# What pseudonym() makes, for checks that no pseudonym left in a file (the speech corpus).
PSEUDONYM_PATTERN = re.compile(r"\bC-[A-Z2-7]{8}\b")


def pseudonym(secret: bytes, number: str) -> str | None:
    """A stable, non-reversible caller pseudonym such as 'C-4KQ2M7XA'."""
    number = normalise_number(number or "")
    if not re.search(r"\d", number):
        return None
    digest = hmac.new(secret, number.encode(), hashlib.sha256).digest()
    return "C-" + base64.b32encode(digest)[:8].decode()


def damm_check_digit(digits: str) -> str:
    interim = 0
    for char in digits:
        interim = _DAMM[interim][int(char)]
    return str(interim)


def is_valid_reference(reference: str, fewest_digits: int = REFERENCE_BODY_DIGITS) -> bool:
    """Digits (fewest_digits random ones or more, then the check digit) whose Damm check is 0."""
    # isascii: str.isdigit() also accepts superscripts and other scripts' digits.
    return (reference.isascii() and reference.isdigit()
            and fewest_digits + 1 <= len(reference) <= REFERENCE_MAX_DIGITS
            and damm_check_digit(reference) == "0")


def reference_digits(filed: int, fewest: int = REFERENCE_BODY_DIGITS, fill: float = REFERENCE_FILL) -> int:
    """Random digits for the next reference when `filed` references exist (all lengths
    counted, an upper bound on those at any one length): the fewest that keep the space
    at most `fill` full."""
    digits = fewest
    while filed >= fill * 10**digits:
        digits += 1
    return digits


def reference_candidates(filed: int, fewest: int = REFERENCE_BODY_DIGITS, check_digit: bool = True):
    """Random references to try in turn, DRAWS_PER_LENGTH at the length `reference_digits`
    gives, then as many one digit longer, and so on: the caller takes the first free one,
    so drawing never fails however full a length becomes."""
    digits = reference_digits(filed, fewest)
    while True:
        for _ in range(DRAWS_PER_LENGTH):
            body = "".join(str(secrets.randbelow(10)) for _ in range(digits))
            yield body + damm_check_digit(body) if check_digit else body
        digits += 1


def new_reference(filed: int = 0, fewest: int = REFERENCE_BODY_DIGITS) -> str:
    """One random reference of the length for `filed` alerts (its freedom unchecked)."""
    return next(reference_candidates(filed, fewest))


def hash_password(password: str) -> str:
    """scrypt, via werkzeug: a memory-hard KDF with a per-password salt."""
    from werkzeug.security import generate_password_hash

    return generate_password_hash(password, method="scrypt")


def check_password(password_hash: str, password: str) -> bool:
    from werkzeug.security import check_password_hash

    return check_password_hash(password_hash, password)


def new_password() -> str:
    return secrets.token_urlsafe(12)
