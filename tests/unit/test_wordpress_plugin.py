"""The WordPress plugin in deploy/woocommerce-plugin/: every PHP file parses, its own tests pass,
and its translations (languages/: the .pot, Indonesian .po and compiled .mo) match its code.

The plugin's tests are plain PHP (tests/run.php with WordPress stubs in tests/bootstrap.php), so
they need the php command line and nothing else. CI installs php-cli with the system packages;
a machine without it fails here rather than skipping, so a missing PHP is never mistaken for a pass.
"""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

PLUGIN_ROOT = Path(__file__).resolve().parents[2] / "deploy" / "woocommerce-plugin"
PHP_FILES = sorted(PLUGIN_ROOT.rglob("*.php"))
SHIPPED_FILES = sorted((PLUGIN_ROOT / "balas-whatsapp").rglob("*.php"))
ABSPATH_GUARD = "defined( 'ABSPATH' ) || exit;"
LANGUAGES = PLUGIN_ROOT / "balas-whatsapp" / "languages"
POT = LANGUAGES / "balas-whatsapp.pot"
INDONESIAN = LANGUAGES / "balas-whatsapp-id_ID.po"
# How languages/balas-whatsapp.pot is made (docs/woocommerce.md#translations).
XGETTEXT = ["xgettext", "--language=PHP", "--from-code=UTF-8", "--add-comments=translators:"]
XGETTEXT += ["--keyword=__", "--keyword=esc_html__", "--keyword=esc_attr__"]


def _name(path: Path) -> str:
    return str(path.relative_to(PLUGIN_ROOT))


def _messages(catalogue: str) -> dict[str, str]:
    """A .po or .pot file's messages: msgid -> msgstr, the header left out."""
    entries = re.findall(r'^msgid ((?:".*"\n)+)msgstr ((?:".*"\n?)+)', catalogue, re.M)
    joined = {
        "".join(re.findall(r'"(.*)"', i)): "".join(re.findall(r'"(.*)"', s)) for i, s in entries
    }
    joined.pop("", None)
    return joined


def _gettext(*argv: str) -> subprocess.CompletedProcess[str]:
    if shutil.which(argv[0]) is None:
        pytest.fail(
            f"{argv[0]} is not installed: run `make system-deps-test` (it installs gettext)"
        )
    return subprocess.run(argv, capture_output=True, text=True, check=True, cwd=PLUGIN_ROOT)


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


def test_the_pot_holds_every_message_of_the_plugin(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh.pot"
    _gettext(*XGETTEXT, "-o", str(fresh), *(str(path) for path in SHIPPED_FILES))

    assert _messages(POT.read_text()).keys() == _messages(fresh.read_text()).keys()


def test_every_message_is_translated_into_indonesian() -> None:
    translations = _messages(INDONESIAN.read_text())

    assert translations.keys() == _messages(POT.read_text()).keys()
    assert [message for message, text in translations.items() if not text] == []
    assert "#, fuzzy" not in INDONESIAN.read_text()
    for message, text in translations.items():  # the same placeholders, in the same order
        assert re.findall(r"%[sd]|\{\w+\}", text) == re.findall(r"%[sd]|\{\w+\}", message)


def test_the_shipped_mo_is_the_compiled_po(tmp_path: Path) -> None:
    compiled = tmp_path / "id_ID.mo"
    _gettext("msgfmt", "--check", "-o", str(compiled), str(INDONESIAN))

    assert (LANGUAGES / "balas-whatsapp-id_ID.mo").read_bytes() == compiled.read_bytes()
