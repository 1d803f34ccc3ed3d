"""Reporter safety and speakable references.

A caller's number is never stored: only a keyed pseudonym (HMAC-SHA256 with a
per-installation secret), so repeat callers are recognised without being exposed.
Reference numbers are read to callers over bad lines, so they are digits only,
with a Damm check digit that catches every single-digit error and every
transposition of adjacent digits.
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


def normalise_number(number: str) -> str:
    """Keep digits and a leading +, so '+243 81 234' and '+24381234' match."""
    number = number.strip()
    digits = re.sub(r"\D", "", number)
    return ("+" if number.startswith("+") else "") + digits


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


def is_valid_reference(reference: str) -> bool:
    # isascii: str.isdigit() also accepts superscripts and other scripts' digits.
    return (reference.isascii() and reference.isdigit() and len(reference) == REFERENCE_BODY_DIGITS + 1
            and damm_check_digit(reference) == "0")


def new_reference() -> str:
    body = "".join(str(secrets.randbelow(10)) for _ in range(REFERENCE_BODY_DIGITS))
    return body + damm_check_digit(body)


def hash_password(password: str) -> str:
    """scrypt, via werkzeug: a memory-hard KDF with a per-password salt."""
    from werkzeug.security import generate_password_hash

    return generate_password_hash(password, method="scrypt")


def check_password(password_hash: str, password: str) -> bool:
    from werkzeug.security import check_password_hash

    return check_password_hash(password_hash, password)


def new_password() -> str:
    return secrets.token_urlsafe(12)
