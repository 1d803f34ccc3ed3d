"""No import cycle between the project's modules, counting imports inside functions too
(a lazy import hides a cycle from Python, not from a reader)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("core", "ivr", "asr", "web", "pbx", "phone", "sauti", "dialler", "smsgw", "sms")


def modules(root: Path = ROOT, packages=PACKAGES) -> dict[str, Path]:
    found = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def import_graph(found: dict[str, Path]) -> dict[str, set[str]]:
    def known(name: str) -> str | None:
        while name and name not in found:
            name = name.rpartition(".")[0]
        return name or None

    graph = {}
    for module, path in found.items():
        base = module if path.name == "__init__.py" else module.rpartition(".")[0]
        targets = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets |= {known(alias.name) for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                origin = node.module or ""
                if node.level:
                    package = base
                    for _ in range(node.level - 1):
                        package = package.rpartition(".")[0]
                    origin = package + ("." + node.module if node.module else "")
                # `from package import module` imports the module; `from module import name` the module.
                targets |= {known(f"{origin}.{alias.name}") if f"{origin}.{alias.name}" in found else known(origin)
                            for alias in node.names}
        graph[module] = targets - {None, module}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iteratively)."""
    index, low, on_stack, stack, found, counter = {}, {}, set(), [], [], 0
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_import_cycles():
    graph = import_graph(modules())
    assert len(graph) > 50
    assert cycles(graph) == []


def test_the_check_sees_a_cycle_through_a_lazy_import(tmp_path):
    """The shape the console had: security imported views, views imported security in a function."""
    web = tmp_path / "web"
    web.mkdir()
    (web / "__init__.py").write_text("from . import security, views\n")
    (web / "security.py").write_text("from .views import get_store\n")
    (web / "views.py").write_text("def get_store(): ...\n\ndef page_context():\n    from .security import x\n")
    (web / "alerts.py").write_text("from . import views\n")
    assert cycles(import_graph(modules(tmp_path, ("web",)))) == [["web.security", "web.views"]]
