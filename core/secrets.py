"""Per-installation secrets kept in `<data>/secrets/`, each a 0600 file created once."""

from __future__ import annotations

import secrets as _random
from pathlib import Path

from .config import Config
from .identity import create_secret, read_secret

PSEUDONYM_KEY = "pseudonym.key"
AMI_SECRET = "ami.secret"
FLASK_KEY = "console.key"
PHONE_SECRET = "phones.secret"


def ensure_all(config: Config) -> list[str]:
    """Create any missing secret; returns the names created. Existing ones are never replaced."""
    created = []
    for name in (PSEUDONYM_KEY, FLASK_KEY):
        if create_secret(config.secrets_dir / name):
            created.append(name)
    for name in (AMI_SECRET, PHONE_SECRET):
        if _create_text_secret(config.secrets_dir / name):
            created.append(name)
    return created


def _create_text_secret(path: Path) -> bool:
    """Secrets that go into Asterisk's configuration must be printable."""
    import os

    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w") as handle:
        handle.write(_random.token_hex(16))
    return True


def pseudonym_key(config: Config) -> bytes:
    return read_secret(config.secrets_dir / PSEUDONYM_KEY)


def console_key(config: Config) -> bytes:
    return read_secret(config.secrets_dir / FLASK_KEY)


def text_secret(config: Config, name: str) -> str:
    return (config.secrets_dir / name).read_text().strip()


def endpoint_password(config: Config, endpoint: str) -> str:
    """The SIP digest password of a local endpoint (test phone or radio station).

    Derived from one secret so Asterisk's pjsip.conf and the test phone agree
    without storing a password per endpoint.
    """
    import hashlib
    import hmac

    key = text_secret(config, PHONE_SECRET).encode()
    return hmac.new(key, endpoint.encode(), hashlib.sha256).hexdigest()[:20]
