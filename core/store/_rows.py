"""Shared row and JSON helpers: how the store writes and reads its JSON columns."""

from __future__ import annotations

import json


def to_json(value) -> str:
    """JSON as stored: UTF-8 text kept readable (Swahili, Lingala and French words)."""
    return json.dumps(value, ensure_ascii=False)


def from_json(text: str | None):
    return None if text is None else json.loads(text)


def decode(row: dict, *columns: str) -> dict:
    """Decode the named JSON columns of a row in place and return it."""
    for column in columns:
        row[column] = from_json(row[column])
    return row


def split_tags(row: dict) -> dict:
    """A listing's tags, gathered by SQL as `group_concat(tag, ' ')`, as a list."""
    row["tags"] = row["tags"].split() if row["tags"] else []
    return row
