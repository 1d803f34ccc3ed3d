"""Flows registered by the name the dialplan uses in `AGI(agi://host:port/NAME)`."""

from __future__ import annotations

from typing import Awaitable, Callable

from .agi import Call
from .line import Line

# A flow receives the call (the protocol) and the line (config, store, catalogue).
Flow = Callable[[Call, Line], Awaitable[None]]


class Registry:
    def __init__(self) -> None:
        self._flows: dict[str, Flow] = {}

    def register(self, name: str, flow: Flow) -> None:
        if name in self._flows:
            raise ValueError(f"flow {name!r} is already registered")
        self._flows[name] = flow

    def get(self, name: str) -> Flow | None:
        return self._flows.get(name)

    def names(self) -> list[str]:
        return sorted(self._flows)
