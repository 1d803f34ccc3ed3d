"""CLI commands (filled in by the ivr work)."""

commands = []
