"""The store's shape: each area names the areas it calls (no method reached through a
sibling that happens to share the final class), and no module grows past 400 lines."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path

import core.store
from core.store._base import Base

INSTANCE_ATTRIBUTES = {"conn", "db", "_depth", "_lock"}  # set by Base.__init__


def areas() -> list[type]:
    found = []
    for info in pkgutil.iter_modules(core.store.__path__):
        module = importlib.import_module(f"core.store.{info.name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, Base) and cls.__module__ == module.__name__:
                found.append(cls)
    return found


def test_every_area_declares_what_it_calls():
    assert len(areas()) >= 14
    for cls in areas():
        if cls is core.store.Store:
            continue
        tree = ast.parse(inspect.getsource(cls))
        used = {node.attr for node in ast.walk(tree)
                if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self"}
        missing = {name for name in used if not hasattr(cls, name)} - INSTANCE_ATTRIBUTES
        assert not missing, f"{cls.__name__} calls {sorted(missing)} without deriving from the area that has them"


def test_store_modules_stay_small():
    for path in Path(core.store.__file__).parent.glob("*.py"):
        assert len(path.read_text(encoding="utf-8").splitlines()) <= 400, path.name
