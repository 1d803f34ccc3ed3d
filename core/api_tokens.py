"""API tokens other systems use to pull the CAP feed from the console (no login session).

`<data>/secrets/api.tokens` (0600) holds one line per token: its name and the SHA-256
of the token, never the token itself (shown once when created). A presented token is
hashed and compared with every stored hash in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from pathlib import Path

TOKENS_FILE = "api.tokens"
NAME = re.compile(r"^[A-Za-z0-9._-]{1,40}$")


def _path(config) -> Path:
    return config.secrets_dir / TOKENS_FILE


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _read(config) -> dict[str, str]:
    path = _path(config)
    if not path.exists():
        return {}
    entries = {}
    for line in path.read_text().splitlines():
        parts = line.split()
        if len(parts) == 2:
            entries[parts[0]] = parts[1]
    return entries


def _write(config, entries: dict[str, str]) -> None:
    path = _path(config)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.writelines(f"{name} {digest}\n" for name, digest in sorted(entries.items()))
    os.replace(temporary, path)


def names(config) -> list[str]:
    return sorted(_read(config))


def add(config, name: str) -> str:
    """Create a token named `name` (a partner system); returns the token, shown once."""
    if not NAME.match(name):
        raise ValueError("a token name is 1 to 40 letters, digits, '.', '_' or '-'")
    entries = _read(config)
    if name in entries:
        raise ValueError(f"a token named {name} exists; remove it first")
    token = secrets.token_urlsafe(32)
    entries[name] = _digest(token)
    _write(config, entries)
    return token


def remove(config, name: str) -> bool:
    entries = _read(config)
    if entries.pop(name, None) is None:
        return False
    _write(config, entries)
    return True


def holder(config, presented: str | None) -> str | None:
    """The name of the token presented, or None; every stored token is compared."""
    if not presented:
        return None
    digest = _digest(presented)
    found = None
    for name, stored in _read(config).items():
        if hmac.compare_digest(digest, stored):
            found = name
    return found
