"""Fixtures live in tests/fixtures/, one module per area, so each area owns its own.

A test that needs a real part carries its marker (`asterisk`, `model`, `browser`, `kannel`, `docker`),
so `make test-fast` can leave it out.
Collection stops with the list of tests that use such a fixture without the marker, and
`AsteriskLine.started` fails a test that starts a line without it.
"""

import pytest

pytest_plugins = [
    "tests.fixtures.core",
    "tests.fixtures.asterisk",
    "tests.fixtures.prompts",
    "tests.fixtures.asr",
    "tests.fixtures.web",
    "tests.fixtures.ivr",
    "tests.fixtures.kannel",
    "tests.fixtures.docker",
]

# The fixtures that bring a real part, and the marker a test using them must carry.
MARKER_OF_FIXTURE = {"asterisk": "asterisk", "ko_model_dir": "model", "whisper_base_dir": "model", "browser": "browser",
                     "kannel": "kannel", "sms_line": "kannel", "docker_engine": "docker"}


def pytest_collection_modifyitems(config, items):
    unmarked = [f"{item.nodeid} uses the {fixture!r} fixture: mark it @pytest.mark.{marker}"
                for item in items for fixture, marker in MARKER_OF_FIXTURE.items()
                if fixture in getattr(item, "fixturenames", ()) and item.get_closest_marker(marker) is None]
    if unmarked:
        raise pytest.UsageError("tests that need a real part without its marker:\n  " + "\n  ".join(unmarked))


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    from tests.fixtures import core   # imported here: at conftest import it would escape assertion rewriting

    core.running_test["item"] = item
