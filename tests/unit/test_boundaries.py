"""The package boundaries of docs/architecture.md, kept by reading every import of the shipped code.

- A service never imports another service; what two services need lives in `shared/`.
- `shared/` never imports a service or the command line.
- Platform modules at the top of `shared/` import no domain package (`shared/stores/`, ...), except
  `shared/collections.py`, which collects the domain packages' index declarations.
- The shipped packages never import `tests/` or `bench/`.
- No import cycle among the shipped modules.
"""

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ("shared", "services", "balas")
DOMAIN_PACKAGES = sorted(
    path.name for path in (ROOT / "shared").iterdir() if (path / "__init__.py").is_file()
)
COLLECTOR = "shared.collections"


@dataclass(frozen=True)
class Import:
    importer: str  # dotted module name
    imported: str  # dotted module name, as far as it can be told
    line: int


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> Iterator[Import]:
    importer = module_name(path)
    package = importer if path.name == "__init__.py" else importer.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(importer, alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:  # `from pkg import module` names a module too
                yield Import(importer, f"{base}.{alias.name}", node.lineno)


def shipped_modules() -> Iterator[Path]:
    for top in SHIPPED:
        yield from sorted((ROOT / top).rglob("*.py"))


def all_imports() -> list[Import]:
    return [found for path in shipped_modules() for found in imports_of(path)]


def top(name: str, depth: int) -> str:
    return ".".join(name.split(".")[:depth])


def test_module_names_follow_the_tree() -> None:
    assert top("services.console.pages.inbox", 2) == "services.console"
    assert module_name(ROOT / "shared" / "kpis" / "__init__.py") == "shared.kpis"


def test_no_service_imports_another_service() -> None:
    crossings = [
        f"{found.importer}:{found.line} imports {found.imported}"
        for found in all_imports()
        if found.importer.startswith("services.")
        and found.imported.startswith("services.")
        and top(found.imported, 2) != top(found.importer, 2)
    ]
    assert crossings == []


def test_shared_imports_no_service_and_no_command_line() -> None:
    upward = [
        f"{found.importer}:{found.line} imports {found.imported}"
        for found in all_imports()
        if found.importer.startswith("shared") and top(found.imported, 1) in {"services", "balas"}
    ]
    assert upward == []


def test_platform_modules_import_no_domain_package() -> None:
    domain = {f"shared.{name}" for name in DOMAIN_PACKAGES}
    platform = [
        f"{found.importer}:{found.line} imports {found.imported}"
        for found in all_imports()
        if found.importer.count(".") == 1
        and found.importer.startswith("shared.")
        and found.importer != COLLECTOR
        and top(found.imported, 2) in domain
    ]
    assert platform == []


def test_the_collector_takes_only_index_declarations() -> None:
    taken = {
        found.imported
        for found in imports_of(ROOT / "shared" / "collections.py")
        if top(found.imported, 2) in {f"shared.{name}" for name in DOMAIN_PACKAGES}
    }
    assert taken
    assert all(name.endswith(".collections") for name in taken)


def test_shipped_code_imports_neither_tests_nor_bench() -> None:
    leaks = [
        f"{found.importer}:{found.line} imports {found.imported}"
        for found in all_imports()
        if top(found.imported, 1) in {"tests", "bench"}
    ]
    assert leaks == []


def _module_graph() -> dict[str, set[str]]:
    modules = {module_name(path) for path in shipped_modules()}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for found in all_imports():
        # `from pkg import name` names a module when pkg.name is one, else the package itself
        target = found.imported if found.imported in modules else found.imported.rpartition(".")[0]
        if target in modules and target != found.importer:
            graph[found.importer].add(target)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for successor in sorted(graph[node]):
            if successor not in index:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
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

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"a"}, "c": {"a"}}) == [["a", "b"]]


def test_no_import_cycle_among_shipped_modules() -> None:
    assert _cycles(_module_graph()) == []


@pytest.mark.parametrize("package", DOMAIN_PACKAGES)
def test_each_domain_package_says_what_it_holds(package: str) -> None:
    init = ROOT / "shared" / package / "__init__.py"
    assert ast.get_docstring(ast.parse(init.read_text())), f"shared/{package}/__init__.py"
