"""Names people type for the things they keep (committees, surveys): two that differ only in
case or spacing name the same thing, so the second is refused rather than kept beside the first."""

from __future__ import annotations

from collections.abc import Iterable


def folded(name: str) -> str:
    return " ".join(name.split()).casefold()


def taken(existing: Iterable[str], name: str) -> str | None:
    """The existing name that `name` repeats, as it is stored; None when it is new."""
    return next((other for other in existing if folded(other) == folded(name)), None)
