"""Setting values as text and back, for core/config.py: a TOML value or an environment
string converted to the type of the setting's default, and a value written as TOML for
the generated config.toml."""

from __future__ import annotations

from dataclasses import field


def setting(default, doc: str):
    """A setting's declaration: its default and its documentation (core/config.py)."""
    if isinstance(default, (dict, list)):
        return field(default_factory=lambda: type(default)(default), metadata={"doc": doc})
    return field(default=default, metadata={"doc": doc})


def coerce(value, like):
    """`value` as the type of `like` (the default); ValueError says what was expected."""
    if isinstance(like, bool):
        if isinstance(value, bool):
            return value
        if str(value).lower() in ("1", "true", "yes", "on"):
            return True
        if str(value).lower() in ("0", "false", "no", "off"):
            return False
        raise ValueError(f"expected true or false, got {value!r}")
    if isinstance(like, (int, float)):
        try:
            return type(like)(value)
        except (TypeError, ValueError):
            raise ValueError(f"expected a number, got {value!r}") from None
    if isinstance(like, list):
        if isinstance(value, str):
            value = [item.strip() for item in value.split(",") if item.strip()]
        if not isinstance(value, list):
            raise ValueError("expected a list")
        return [str(item) for item in value]
    if isinstance(like, dict):
        if not isinstance(value, dict):
            raise ValueError("expected a table")
        return {str(k): str(v) for k, v in value.items()}
    return str(value)


def toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'
