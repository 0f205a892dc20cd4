"""The WordPress plugin in deploy/woocommerce-plugin/: every PHP file parses and its own tests pass.

The plugin's tests are plain PHP (tests/run.php with WordPress stubs in tests/bootstrap.php), so
they need the php command line and nothing else. CI installs php-cli with the system packages;
a machine without it fails here rather than skipping, so a missing PHP is never mistaken for a pass.
"""

import shutil
import subprocess
from pathlib import Path

import pytest

PLUGIN_ROOT = Path(__file__).resolve().parents[2] / "deploy" / "woocommerce-plugin"
PHP_FILES = sorted(PLUGIN_ROOT.rglob("*.php"))
SHIPPED_FILES = sorted((PLUGIN_ROOT / "balas-whatsapp").rglob("*.php"))
ABSPATH_GUARD = "defined( 'ABSPATH' ) || exit;"


def _name(path: Path) -> str:
    return str(path.relative_to(PLUGIN_ROOT))


def _php(*argv: str) -> subprocess.CompletedProcess[str]:
    php = shutil.which("php")
    if php is None:
        pytest.fail("php is not installed: run `make system-deps-test` (it installs php-cli)")
    return subprocess.run(
        [php, *argv], capture_output=True, text=True, cwd=PLUGIN_ROOT, check=False
    )


def test_the_plugin_has_php_files() -> None:
    assert PLUGIN_ROOT / "balas-whatsapp" / "balas-whatsapp.php" in SHIPPED_FILES
    assert PLUGIN_ROOT / "tests" / "run.php" in PHP_FILES


@pytest.mark.parametrize("path", PHP_FILES, ids=_name)
def test_php_file_parses(path: Path) -> None:
    result = _php("-l", str(path))

    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("path", SHIPPED_FILES, ids=_name)
def test_plugin_file_does_nothing_when_loaded_outside_wordpress(path: Path) -> None:
    assert ABSPATH_GUARD in path.read_text(), f"{_name(path)} lacks the ABSPATH guard"


def test_plugin_unit_tests_pass() -> None:
    result = _php("tests/run.php")

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.rstrip().endswith(" 0 failed"), result.stdout
