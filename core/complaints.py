"""Confidential complaints: sealed recordings, their own key pair, references and retention.

Complaints (sexual exploitation and abuse by mission or partner personnel) never
enter the alert tables: they have their own table, their own queue for the
`complaints` role, their own audit and their own retention.

Who can read what:
- The IVR records the caller (Asterisk writes a plain WAV, it has to), then seals it
  at once with the complaints PUBLIC key (`<data>/secrets/complaints.pub`) and
  deletes the plain file. Its code reads only the public key, never the private
  one (not even to create it: `sauti init`/`up` make the pair). That is a promise
  of the code, not of the system: `sauti up` runs every service as one user, so
  code run inside a compromised IVR could still read the private key file
  (docs/threat-model.md).
- Only the console opens a sealed recording, with the PRIVATE key
  (`<data>/secrets/complaints.key`, mode 0600), and only for a user holding the
  `complaints` role; every opening is audited. The ASR worker, the dialler and the
  exports never load this module.
Sealing: an ephemeral X25519 key agreed with the complaints key, HKDF-SHA256 to an
AES-256-GCM key, the complaint's reference as associated data (a file swapped onto
another complaint does not open). Layout: ephemeral public key (32) | nonce (12) | ciphertext.

The status message the complaints team records for a caller is plain audio under
`<data>/complaints/status/`: Asterisk plays it to whoever keys the reference, and it
holds the team's words, not the complainant's.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .config import Config
from .identity import create_secret, read_secret

PRIVATE_KEY = "complaints.key"
PUBLIC_KEY = "complaints.pub"
STATUSES = ("new", "in_progress", "closed")
ROLE = "complaints"
_NONCE = 12
_INFO = b"sauti complaint recording"


class ComplaintSealError(Exception):
    """A sealed recording that does not open with this installation's key."""


def complaints_dir(config: Config) -> Path:
    return config.data_dir / "complaints"


def status_dir(config: Config) -> Path:
    return complaints_dir(config) / "status"


def ensure_keys(config: Config) -> list[str]:
    """Create the key pair once (`sauti init`, `sauti up`); returns the names created.

    The public half is derived from the private one. Only the CLI calls this: the
    IVR reads the public key and never touches the private one, even to create it.
    """
    created = []
    private_path = config.secrets_dir / PRIVATE_KEY
    if create_secret(private_path):
        created.append(PRIVATE_KEY)
    public_path = config.secrets_dir / PUBLIC_KEY
    if not public_path.exists():
        private = X25519PrivateKey.from_private_bytes(read_secret(private_path))
        public = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        create_secret(public_path, public)
        created.append(PUBLIC_KEY)
    return created


def _aead_key(shared: bytes) -> AESGCM:
    return AESGCM(HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(shared))


class ComplaintSeal:
    """What the IVR holds: the public key, enough to seal."""

    def __init__(self, public: bytes):
        self._public = X25519PublicKey.from_public_bytes(public)

    @classmethod
    def from_config(cls, config: Config) -> "ComplaintSeal":
        path = config.secrets_dir / PUBLIC_KEY
        if not path.exists():
            raise ComplaintSealError(f"no complaints public key at {path}: run `sauti init` (or `sauti up`) once")
        return cls(path.read_bytes())

    def seal(self, data: bytes, reference: str) -> bytes:
        ephemeral = X25519PrivateKey.generate()
        nonce = os.urandom(_NONCE)
        sealed = _aead_key(ephemeral.exchange(self._public)).encrypt(nonce, data, reference.encode())
        public = ephemeral.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return public + nonce + sealed


class ComplaintOpener:
    """What the console holds for the complaints role: the private key."""

    def __init__(self, private: bytes):
        self._private = X25519PrivateKey.from_private_bytes(private)

    @classmethod
    def from_config(cls, config: Config) -> "ComplaintOpener":
        return cls(read_secret(config.secrets_dir / PRIVATE_KEY))

    def open(self, sealed: bytes, reference: str) -> bytes:
        peer = X25519PublicKey.from_public_bytes(sealed[:32])
        try:
            return _aead_key(self._private.exchange(peer)).decrypt(
                sealed[32:32 + _NONCE], sealed[32 + _NONCE:], reference.encode())
        except InvalidTag:
            raise ComplaintSealError("a complaint recording that does not open with this key") from None
