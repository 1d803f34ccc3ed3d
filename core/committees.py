"""Local Protection Committees: their PINs, checked by the IVR and set in the console.

A committee's focal point calls the committee line and keys the committee's PIN; the
PIN alone says which committee calls, so it is unique. It is kept only as an HMAC
under `<data>/secrets/committees.key` (read by the IVR, which checks a PIN, and by the
console and CLI, which set one): a keyed hash can be looked up in one query, where a
salted password hash would have to be tried against every committee, and a stolen
database alone does not reveal a 4-8 digit PIN by trying them all.

A new PIN has at least 6 digits (NEW_PIN); 4- and 5-digit PINs set before keep working.
Guessing by redialling is limited by the [committees] settings (core/store/committee_pins.py).
"""

from __future__ import annotations

import hashlib
import hmac
import re

from . import secrets
from .config import Config
from .store.committee_pins import PinLimits

KEY = "committees.key"
PIN = re.compile(r"^[0-9]{4,8}$")
NEW_PIN = re.compile(r"^[0-9]{6,8}$")
NEW_PIN_DIGITS = 6
PIN_TRIES = 3
NAME = re.compile(r"^[\w .,'()-]{2,80}$")
LOCALITY_MAX = 40


COMMITTEE_PINS = b"committee-pin:"
VERIFIER_PINS = b"verifier-pin:"   # console accounts' PINs for the verifier line, under the same key


class PinHasher:
    def __init__(self, key: bytes, purpose: bytes = COMMITTEE_PINS):
        self._key, self._purpose = key, purpose

    @classmethod
    def from_config(cls, config: Config, purpose: bytes = COMMITTEE_PINS) -> "PinHasher":
        return cls(secrets.installation_key(config, KEY), purpose)

    def hash(self, pin: str) -> str:
        return hmac.new(self._key, self._purpose + pin.encode(), hashlib.sha256).hexdigest()


def valid_pin(pin: str) -> bool:
    """A PIN to set: 6 to 8 digits (one the line still takes may be shorter, set before)."""
    return bool(NEW_PIN.match(pin))


def pin_limits(config: Config) -> PinLimits:
    c = config.committees
    return PinLimits(c.caller_wrong_pins, c.caller_window_minutes, c.line_wrong_pins, c.line_window_minutes,
                     c.line_lock_minutes)


def valid_name(name: str) -> bool:
    return bool(NAME.match(name))


def outside_gazetteer(store, locality: str) -> bool:
    """Once there is a gazetteer, a committee's locality is one of its codes: its reports line up
    with the alerts callers file under that code (before, any locality is taken)."""
    return store.has_gazetteer() and store.locality(locality) is None


def valid_locality(locality: str) -> bool:
    """A code or a name; no control character (the console refuses them in any form, the CLI here)."""
    return bool(locality) and len(locality) <= LOCALITY_MAX and locality.isprintable()
