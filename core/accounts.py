"""Console accounts: the roles, what each may decide, and the password rule.

Shared by the console and the CLI's `sauti user`, so both refuse the same passwords
and know the same roles.
"""

from __future__ import annotations

from .model import Status

# In rank order: each role may do everything the roles before it may.
ROLES = ("verifier", "supervisor", "admin")

MIN_PASSWORD = 8

# The names the audit log gives who acts when no person does (the services, the CLI, a caller);
# the console says them in words, so no account may take one (console and `sauti user add`).
SERVICE_ACTORS = ("console", "ivr", "asr", "dialler", "retention", "cli", "init", "caller", "sms")

_VERIFIER_DECISIONS = frozenset({Status.VERIFIED, Status.UNVERIFIED, Status.FALSE})
# Escalation and merging need a supervisor.
DECISIONS_BY_ROLE = {
    "verifier": _VERIFIER_DECISIONS,
    "supervisor": _VERIFIER_DECISIONS | {Status.DUPLICATE, Status.ESCALATED},
    "admin": _VERIFIER_DECISIONS | {Status.DUPLICATE, Status.ESCALATED},
}


def role_at_least(role: str, needed: str) -> bool:
    """True when `role` ranks at or above `needed`; an unknown role ranks below all."""
    return role in ROLES and ROLES.index(role) >= ROLES.index(needed)


def password_long_enough(password: str) -> bool:
    return len(password) >= MIN_PASSWORD


PHONE_PIN_DIGITS = 6


def new_phone_pin() -> str:
    """A verifier-line PIN the console gives an account (shown once): random, 6 digits."""
    import secrets

    return f"{secrets.randbelow(10 ** PHONE_PIN_DIGITS):0{PHONE_PIN_DIGITS}d}"
