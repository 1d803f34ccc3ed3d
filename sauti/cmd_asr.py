"""CLI commands (filled in by the asr work)."""

commands = []
