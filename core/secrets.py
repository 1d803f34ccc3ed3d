"""Per-installation secrets kept in `<data>/secrets/`, each a 0600 file created once."""

from __future__ import annotations

import secrets as _random

from . import complaints
from .config import Config
from .identity import create_secret, read_secret

PSEUDONYM_KEY = "pseudonym.key"
AMI_SECRET = "ami.secret"
FLASK_KEY = "console.key"
PHONE_SECRET = "phones.secret"
CONTACTS_KEY = "contacts.key"  # read by the IVR and the dialler only (core/contacts.py)
DIRECTORY_KEY = "directory.key"  # responders' and focal points' numbers (core/directory.py)
SMS_SECRET = "sms.secret"  # Kannel's admin and sendsms passwords, the receiver's shared secret (sms_password)


def ensure_all(config: Config) -> list[str]:
    """Create any missing secret; returns the names created. Existing ones are never replaced."""
    created = []
    for name in (PSEUDONYM_KEY, FLASK_KEY, CONTACTS_KEY, DIRECTORY_KEY):
        if create_secret(config.secrets_dir / name):
            created.append(name)
    for name in (AMI_SECRET, PHONE_SECRET, SMS_SECRET):
        # These go into Asterisk's configuration, so they must be printable.
        if create_secret(config.secrets_dir / name, _random.token_hex(16).encode()):
            created.append(name)
    created += complaints.ensure_keys(config)
    return created


def installation_key(config: Config, name: str) -> bytes:
    """A key of secrets/, created (0600) if this installation predates the feature that needs it."""
    path = config.secrets_dir / name
    create_secret(path)
    return read_secret(path)


def pseudonym_key(config: Config) -> bytes:
    return read_secret(config.secrets_dir / PSEUDONYM_KEY)


def console_key(config: Config) -> bytes:
    return read_secret(config.secrets_dir / FLASK_KEY)


def text_secret(config: Config, name: str) -> str:
    return (config.secrets_dir / name).read_text().strip()


def _derived(config: Config, secret: str, label: str) -> str:
    import hashlib
    import hmac

    key = text_secret(config, secret).encode()
    return hmac.new(key, label.encode(), hashlib.sha256).hexdigest()[:20]


# The passwords derived from SMS_SECRET, one per use, so Kannel's config and Sauti agree.
SMS_PASSWORDS = ("admin", "status", "sendsms", "receiver")


def sms_password(config: Config, use: str) -> str:
    """A password of the SMS gateway: Kannel's admin or status page, its sendsms user, or the
    shared secret smsbox presents to Sauti's receiver (`use` is one of SMS_PASSWORDS)."""
    if use not in SMS_PASSWORDS:
        raise ValueError(f"unknown SMS password {use!r}")
    installation_text_secret(config, SMS_SECRET)
    return _derived(config, SMS_SECRET, f"sms-{use}")


def installation_text_secret(config: Config, name: str) -> str:
    """A printable secret of secrets/, created (0600) if this installation predates it."""
    create_secret(config.secrets_dir / name, _random.token_hex(16).encode())
    return text_secret(config, name)


def endpoint_password(config: Config, endpoint: str) -> str:
    """The SIP digest password of a local endpoint (test phone or radio station).

    Derived from one secret so Asterisk's pjsip.conf and the test phone agree
    without storing a password per endpoint.
    """
    return _derived(config, PHONE_SECRET, endpoint)
