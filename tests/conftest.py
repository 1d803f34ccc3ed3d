"""Fixtures live in tests/fixtures/, one module per area, so each area owns its own."""

pytest_plugins = [
    "tests.fixtures.core",
    "tests.fixtures.asterisk",
    "tests.fixtures.prompts",
    "tests.fixtures.asr",
    "tests.fixtures.web",
    "tests.fixtures.ivr",
]
