"""The project's layering, checked on the source: services never import each other, core
imports no service, all SQL is in core/store, and no product module grows past 400 lines."""

from __future__ import annotations

import ast

from tests.test_import_cycles import ROOT, import_graph, modules

SERVICES = ("ivr", "asr", "web", "dialler", "sms")
ABOVE_CORE = (*SERVICES, "sauti", "pbx", "smsgw", "phone")
MAX_LINES = 400


def top(module: str) -> str:
    return module.partition(".")[0]


def test_no_service_imports_another_and_core_imports_none():
    graph = import_graph(modules())
    wrong = []
    for module, targets in graph.items():
        for target in targets:
            if top(module) in SERVICES and top(target) in SERVICES and top(target) != top(module):
                wrong.append(f"{module} -> {target}")
            if top(module) == "core" and top(target) in ABOVE_CORE:
                wrong.append(f"{module} -> {target}")
    assert not wrong, wrong


def executes_sql(source: str) -> bool:
    return any(isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
               and node.func.attr in ("execute", "executemany", "executescript")
               for node in ast.walk(ast.parse(source)))


def test_all_sql_lives_in_core_store():
    outside = [name for name, path in modules(packages=(*ABOVE_CORE, "core", "bench")).items()
               if not name.startswith("core.store") and executes_sql(path.read_text(encoding="utf-8"))]
    assert not outside, outside
    assert executes_sql("conn.execute('SELECT 1')")


def test_no_product_module_over_400_lines():
    found = modules(packages=(*ABOVE_CORE, "core", "bench"))
    long = {name: n for name, path in found.items() if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, long


def test_the_checks_see_a_service_importing_another(tmp_path):
    for package in ("ivr", "web"):
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text("")
    (tmp_path / "ivr" / "flow.py").write_text("def f():\n    from web import app\n")
    graph = import_graph(modules(tmp_path, ("ivr", "web")))
    assert graph["ivr.flow"] == {"web"}
