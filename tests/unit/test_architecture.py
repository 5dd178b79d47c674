"""The house stays as docs/ARCHITECTURE.md draws it: no import circle anywhere in opsdesk, and every service
package says in its docstring what it owns and which service packages it may use."""

from __future__ import annotations

import importlib
import pkgutil
import re

import grimp

import opsdesk.services


def _cycles(graph: grimp.ImportGraph, modules: set[str]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    edges = {m: sorted(graph.find_modules_directly_imported_by(m) & modules) for m in modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for root in sorted(modules):
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            recurse = False
            for j in range(i, len(edges[node])):
                nxt = edges[node][j]
                if nxt not in index:
                    work.append((node, j + 1))
                    work.append((nxt, 0))
                    recurse = True
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            if recurse:
                continue
            if low[node] == index[node]:
                comp = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp.append(w)
                    if w == node:
                        break
                if len(comp) > 1:
                    found.append(sorted(comp))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return found


def test_no_import_circle_anywhere_in_opsdesk() -> None:
    graph = grimp.build_graph("opsdesk")
    modules = {m for m in graph.modules if m.startswith("opsdesk")}
    # a package's __init__ importing its own submodules is not a circle a reader trips on
    for m in list(modules):
        if any(other.startswith(m + ".") for other in modules):
            modules.discard(m)
    assert _cycles(graph, modules) == []


def test_the_cycle_finder_sees_a_circle() -> None:
    class Fake:
        def find_modules_directly_imported_by(self, m: str) -> set[str]:
            return {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}[m]

    assert _cycles(Fake(), {"a", "b", "c", "d"}) == [["a", "b", "c"]]  # type: ignore[arg-type]


def test_every_service_package_says_what_it_owns_and_may_use() -> None:
    packages = [m.name for m in pkgutil.iter_modules(opsdesk.services.__path__) if m.ispkg]
    assert len(packages) >= 7
    for name in packages:
        doc = importlib.import_module(f"opsdesk.services.{name}").__doc__ or ""
        assert "May import" in doc, f"opsdesk.services.{name} does not say which packages it may import"
        for used in re.findall(r"``(\w+)``", doc.split("May import", 1)[1]):
            assert used in packages, f"opsdesk.services.{name} names unknown package {used}"
