"""CLI commands (filled in by the web work)."""

commands = []
