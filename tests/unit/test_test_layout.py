"""The layout of tests/: helpers are imported from tests/support/, never from a conftest module
or another test file; a conftest declares fixtures and hooks only; every test driving Chromium
lives under tests/browser/; every test database is lent from the pool."""

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
BROWSER = TESTS / "browser"
CHROMIUM_MODULES = ("playwright", "tests.support.browser")


def imported_modules(source: str, package: tuple[str, ...]) -> set[str]:
    """Every module (or module attribute) `source` imports, relative imports resolved against
    `package`, so `from . import conftest` is seen as `tests.browser.conftest`."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else ()
            module = ".".join((*base, *([node.module] if node.module else [])))
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def imports_of(path: Path) -> set[str]:
    return imported_modules(path.read_text(), path.relative_to(TESTS.parent).parent.parts)


def is_conftest_or_test(module: str) -> bool:
    name = module.rsplit(".", 1)[-1]
    return name == "conftest" or name.startswith("test_")


def helpers_in(source: str) -> set[str]:
    """The top-level functions and classes of a conftest that are neither fixtures nor hooks."""
    found: set[str] = set()
    for node in ast.parse(source).body:
        if isinstance(node, ast.ClassDef):
            found.add(node.name)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            decorators = (ast.unparse(d) for d in node.decorator_list)
            if not node.name.startswith("pytest_") and not any("fixture" in d for d in decorators):
                found.add(node.name)
    return found


def unpooled_settings(source: str) -> list[int]:
    """The lines of `infra.settings(...)` calls that name no database: each would make a fresh
    database on the session's server that nothing drops (tests/support/databases.py lends
    them instead, emptied and dropped at the session's end)."""
    return [
        node.lineno
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and ast.unparse(node.func) == "infra.settings"
        and not any(
            keyword.arg == "mongodb"
            and isinstance(keyword.value, ast.Dict)
            and any(ast.literal_eval(key) == "database" for key in keyword.value.keys if key)
            for keyword in node.keywords
        )
    ]


def drives_chromium(modules: set[str]) -> bool:
    return any(m == c or m.startswith(f"{c}.") for m in modules for c in CHROMIUM_MODULES)


def test_no_file_imports_a_conftest_or_a_test_module() -> None:
    offending = {
        f"{path.relative_to(TESTS)} imports {module}"
        for path in TESTS.rglob("*.py")
        for module in imports_of(path)
        if module.startswith("tests.") and is_conftest_or_test(module)
    }

    assert not offending


def test_conftests_declare_only_fixtures_and_hooks() -> None:
    """A helper in a conftest cannot be imported (see above): it belongs in tests/support/."""
    helpers = {
        f"{path.relative_to(TESTS)}: {name}"
        for path in TESTS.rglob("conftest.py")
        for name in helpers_in(path.read_text())
    }

    assert not helpers


def test_every_test_driving_chromium_lives_under_tests_browser() -> None:
    outside = {
        str(path.relative_to(TESTS))
        for path in TESTS.rglob("test_*.py")
        if not path.is_relative_to(BROWSER) and drives_chromium(imports_of(path))
    }

    assert not outside


def test_every_test_database_is_lent_from_the_pool() -> None:
    """A fixture wanting other settings updates the pooled `settings` it overrides."""
    unpooled = {
        f"{path.relative_to(TESTS)}:{line}"
        for path in TESTS.rglob("*.py")
        for line in unpooled_settings(path.read_text())
    }

    assert not unpooled


def test_the_checks_see_relative_absolute_and_chromium_imports() -> None:
    """The checks above would pass vacuously if the imports they forbid went unseen."""
    source = (
        "from .conftest import Console\n"
        "from . import test_pages\n"
        "import tests.e2e.test_agent_reply\n"
        "from playwright.async_api import Page\n"
    )

    modules = imported_modules(source, ("tests", "browser"))

    assert {m for m in modules if is_conftest_or_test(m)} >= {
        "tests.browser.conftest",
        "tests.browser.test_pages",
        "tests.e2e.test_agent_reply",
    }
    assert drives_chromium(modules)
    assert not drives_chromium(imported_modules("import playwrighter\n", ("tests",)))


def test_the_conftest_check_tells_helpers_from_fixtures_and_hooks() -> None:
    source = (
        "@pytest.fixture\nasync def store(): ...\n"
        "@pytest.fixture(scope='session')\ndef infra(): ...\n"
        "def pytest_configure(config): ...\n"
        "def make_store(): ...\n"
        "class Console: ...\n"
    )

    assert helpers_in(source) == {"make_store", "Console"}


def test_the_pool_check_tells_a_lent_database_from_a_fresh_one() -> None:
    source = (
        "infra.settings(mongodb={'database': database})\n"
        "infra.settings()\n"
        "infra.settings(mongodb={'uri': uri}, twilio={'auth_token': token})\n"
        "settings.updated(twilio={'auth_token': token})\n"
    )

    assert unpooled_settings(source) == [2, 3]
