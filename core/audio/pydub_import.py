"""pydub (and the stdlib `audioop` it is built on), imported once, quietly.

Python 3.11-3.12 warn that `audioop` is deprecated (audioop-lts provides it from 3.13 on),
and pydub warns at import when ffmpeg is not on the PATH (whoever needs ffmpeg says so
when it is used, with what to install). Both warnings would reach every user of pydub,
and the test suite turns warnings into errors.
`warnings.catch_warnings` is not thread-safe, so the import runs under a lock, and a
service that uses pydub from several threads calls `load()` before starting them.
"""

from __future__ import annotations

import importlib
import sys
import threading
import warnings
from types import ModuleType

MODULES = ("audioop", "pydub", "pydub.exceptions", "pydub.generators", "pydub.silence")

_lock = threading.Lock()


def load() -> ModuleType:
    """The `pydub` package with every submodule Sauti uses loaded."""
    with _lock:
        # Checked by name, every time: someone else may have imported only part of pydub.
        if not all(name in sys.modules for name in MODULES):
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message=".*audioop.*", category=DeprecationWarning)
                warnings.filterwarnings("ignore", message="Couldn't find ff", category=RuntimeWarning)
                for name in MODULES:
                    importlib.import_module(name)
    return sys.modules["pydub"]


def audioop() -> ModuleType:
    """The G.711 decoders (`ulaw2lin`, `alaw2lin`) live here."""
    load()
    return sys.modules["audioop"]
