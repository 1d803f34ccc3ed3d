"""The locality an SMS names: a gazetteer code anywhere in it (the codes callers key on
the phone), else a gazetteer name written in it (accents and case ignored; the longest
name found wins, so "Beni-Mbau" beats "Beni")."""

from __future__ import annotations

import re

from core.lexicon import normalize

_DIGITS = re.compile(r"(?<!\d)\d{2,6}(?!\d)")


def find(text: str, localities: dict) -> str | None:
    """`localities`: code -> Locality (Store.localities_by_code)."""
    for code in _DIGITS.findall(text):
        if code in localities:
            return code
    words = f" {normalize(text)} "
    best = None
    for code, place in localities.items():
        name = normalize(place.name)
        if name and f" {name} " in words and (best is None or len(name) > len(best[1])):
            best = (code, name)
    return best[0] if best else None
