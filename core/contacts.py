"""Callers' numbers, kept only so the line can call them back, sealed with AES-GCM.

The key is `<data>/secrets/contacts.key` (32 random bytes, mode 0600). The IVR
seals a beeper's number, the dialler opens it to dial; the console never loads this
key, so a console compromise shows pseudonyms at most (it uses the cipher only for the
directory's numbers, under their own key: core/directory.py). The sealed
number is bound to its pseudonym (associated data), so a row copied onto another
caller does not decrypt.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from . import secrets
from .config import Config

NONCE_BYTES = 12


class ContactError(Exception):
    """A sealed number that does not open with this installation's key."""


class ContactCipher:
    def __init__(self, key: bytes):
        self._aead = AESGCM(key)

    @classmethod
    def from_config(cls, config: Config) -> "ContactCipher":
        return cls(secrets.installation_key(config, secrets.CONTACTS_KEY))

    def seal(self, number: str, pseudonym: str) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, number.encode(), pseudonym.encode())

    def open(self, sealed: bytes, pseudonym: str) -> str:
        try:
            return self._aead.decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], pseudonym.encode()).decode()
        except InvalidTag:
            raise ContactError("a contact that does not open with this installation's key") from None
