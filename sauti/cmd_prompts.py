"""CLI commands (filled in by the prompts work)."""

commands = []
