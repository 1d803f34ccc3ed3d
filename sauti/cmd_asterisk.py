"""CLI commands (filled in by the asterisk work)."""

commands = []
