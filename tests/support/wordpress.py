"""A real WordPress for the plugin's tests: Debian's `wordpress` package served by `php -S`, on
a MariaDB of its own (a temporary data directory and socket, run as the current user).

The site is a copy of /usr/share/wordpress (Debian's wp-config.php reads /etc; the copy gets a
generated one), with the plugin copied into wp-content/plugins (deleting it from the admin
deletes that copy, never the repository's files) and tests/fixtures/wordpress: a minimal theme
(Debian ships none, and the button is printed by the theme's wp_footer) and the "product" post
type WooCommerce would register. WooCommerce itself is not packaged by Debian: its hooks are
covered by the plugin's plain-PHP tests.
"""

import getpass
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from shared.infra import free_port

REPO = Path(__file__).resolve().parents[2]
PLUGIN = REPO / "deploy" / "woocommerce-plugin" / "balas-whatsapp"
FIXTURES = REPO / "tests" / "fixtures" / "wordpress"
DEBIAN_WORDPRESS = Path("/usr/share/wordpress")
PROGRAMS = ("php", "mariadbd", "mariadb-install-db")
# mariadbd is in /usr/sbin, which a user's PATH often lacks.
SEARCH_PATH = f"{os.environ.get('PATH', '')}:/usr/sbin:/usr/bin"
MYSQLI = "exit( extension_loaded( 'mysqli' ) ? 0 : 1 );"
ADMIN, PASSWORD = "admin", "Kata-sandi-uji-123"
STARTUP_SECONDS = 30.0


def missing() -> list[str]:
    """What this machine lacks to run the site (`make system-deps-test` installs it)."""
    lacking = [program for program in PROGRAMS if _program(program) is None]
    if _program("php") and subprocess.run(["php", "-r", MYSQLI], check=False).returncode:
        lacking.append("PHP's mysqli (php-mysql)")
    if not (DEBIAN_WORDPRESS / "wp-settings.php").exists():
        lacking.append(f"{DEBIAN_WORDPRESS} (wordpress)")
    if not (DEBIAN_WORDPRESS / "wp-content" / "languages" / "id_ID.mo").exists():
        lacking.append("WordPress in Indonesian (wordpress-l10n)")
    return lacking


def _program(name: str) -> str | None:
    return shutil.which(name, path=SEARCH_PATH)


def _wait_for(
    ready: Callable[[], bool], what: str, process: subprocess.Popen[bytes], log: Path
) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while not ready():
        if process.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"{what} did not start:\n{log.read_text(errors='replace')[-3000:]}")
        time.sleep(0.05)


@dataclass
class MariaDB:
    """A MariaDB server on a Unix socket only (no TCP port), its data thrown away on stop."""

    directory: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def socket(self) -> Path:
        return self.directory / "mariadb.sock"

    def start(self) -> None:
        data, log = self.directory / "data", self.directory / "mariadb.log"
        user = f"--user={getpass.getuser()}"  # as root, mariadbd wants to be told it may
        # A root without password, and the empty `test` database WordPress is installed in.
        install = [str(_program("mariadb-install-db")), "--no-defaults", f"--datadir={data}", user]
        install.append("--auth-root-authentication-method=normal")
        subprocess.run(install, check=True, capture_output=True, timeout=120)
        server = [str(_program("mariadbd")), "--no-defaults", f"--datadir={data}", user]
        server += [f"--socket={self.socket}", "--skip-networking", f"--log-error={log}"]
        server += [f"--pid-file={self.directory}/pid", "--innodb-buffer-pool-size=32M"]
        self.process = subprocess.Popen(server)
        _wait_for(lambda: "ready for connections" in _text(log), "MariaDB", self.process, log)

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()  # its data is thrown away: no clean shutdown to wait for
            self.process.wait(timeout=60)


def _other_languages(directory: str, names: list[str]) -> list[str]:
    """Of wordpress-l10n's core translations, only Indonesian is copied (the rest is 30 MB)."""
    if not directory.endswith("wp-content/languages"):
        return []
    return [name for name in names if name.endswith(".mo") and "id_ID" not in name]


def _text(path: Path) -> str:
    return path.read_text(errors="replace") if path.exists() else ""


@dataclass
class WordPressSite:
    """WordPress installed on `database`, served on loopback; `url` has no trailing slash."""

    root: Path
    database: MariaDB
    port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def debug_log(self) -> Path:
        return self.root / "debug.log"

    def start(self) -> None:
        shutil.copytree(DEBIAN_WORDPRESS, self.root, symlinks=True, ignore=_other_languages)
        content = self.root / "wp-content"
        shutil.copytree(PLUGIN, content / "plugins" / PLUGIN.name)
        shutil.copytree(FIXTURES / "theme", content / "themes" / "balas-test")
        shutil.copytree(FIXTURES / "mu-plugins", content / "mu-plugins")
        (self.root / "wp-config.php").write_text(self._config())
        log = self.root.parent / "php-server.log"
        with log.open("wb") as output:
            self.process = subprocess.Popen(
                ["php", "-S", f"127.0.0.1:{self.port}", "-t", str(self.root)],
                stdout=output,
                stderr=subprocess.STDOUT,
                env={"PATH": "/usr/bin:/bin", "PHP_CLI_SERVER_WORKERS": "4"},
                start_new_session=True,  # its workers outlive the master: stopped as a group
            )
        _wait_for(self._answers, "php -S (WordPress)", self.process, log)
        self._install()

    def stop(self) -> None:
        if self.process is not None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)

    def php(self, code: str) -> object:
        """Runs `code` inside WordPress (the command line loading wp-load.php, as WP-CLI does)
        and returns what it `return`s, through JSON."""
        script = (
            "$_SERVER['HTTP_HOST'] = '127.0.0.1:" + str(self.port) + "';"
            "require 'wp-load.php';"
            "require_once ABSPATH . 'wp-admin/includes/plugin.php';"  # (de)activate_plugin
            "echo json_encode( ( function () {" + code + "} )() );"
        )
        run = subprocess.run(
            ["php", "-r", script], cwd=self.root, capture_output=True, text=True, timeout=60
        )
        assert run.returncode == 0, self._problems()
        return json.loads(run.stdout)

    @contextmanager
    def admin(self) -> Iterator[httpx.Client]:
        """A browser signed in as the administrator through wp-login.php."""
        with httpx.Client(base_url=self.url, timeout=60, follow_redirects=True) as browser:
            browser.get("/wp-login.php")  # sets the test cookie wp-login.php insists on
            signed_in = browser.post(
                "/wp-login.php",
                data={"log": ADMIN, "pwd": PASSWORD, "testcookie": "1"}
                | {"redirect_to": f"{self.url}/wp-admin/"},
            )
            assert "wp-admin" in str(signed_in.url), self._problems()
            yield browser

    def _problems(self) -> str:
        """The end of WordPress's debug log, for a failure's message."""
        return _text(self.debug_log)[-3000:]

    def _answers(self) -> bool:
        try:
            return httpx.get(f"{self.url}/wp-admin/install.php", timeout=2).status_code == 200
        except httpx.TransportError:
            return False

    def _install(self) -> None:
        """wp-admin/install.php's form, as a person installing WordPress fills it in."""
        installed = httpx.post(
            f"{self.url}/wp-admin/install.php?step=2",
            data={"weblog_title": "Toko Budi", "user_name": ADMIN}
            | {"admin_password": PASSWORD, "admin_password2": PASSWORD}
            | {"admin_email": "budi@toko-budi.example", "blog_public": "0", "language": ""},
            timeout=120,
        )
        assert "<h1>Success!</h1>" in installed.text, installed.text[-2000:]
        self.php("switch_theme( 'balas-test' ); return get_stylesheet();")

    def _config(self) -> str:
        names = ("AUTH", "SECURE_AUTH", "LOGGED_IN", "NONCE")
        keys = "".join(
            f"define( '{name}_{kind}', '{name.lower()}-{kind.lower()}-of-the-test-site' );\n"
            for name in names
            for kind in ("KEY", "SALT")
        )
        return (
            "<?php\n"
            "define( 'DB_NAME', 'test' );\n"
            "define( 'DB_USER', 'root' );\n"
            "define( 'DB_PASSWORD', '' );\n"
            f"define( 'DB_HOST', 'localhost:{self.database.socket}' );\n"
            "define( 'DB_CHARSET', 'utf8mb4' );\n"
            "define( 'DB_COLLATE', '' );\n"
            f"{keys}"
            "$table_prefix = 'wp_';\n"
            "define( 'WP_DEBUG', true );\n"
            f"define( 'WP_DEBUG_LOG', '{self.debug_log}' );\n"
            "define( 'WP_DEBUG_DISPLAY', false );\n"
            "define( 'DISABLE_WP_CRON', true );\n"  # no loopback requests in the way
            "define( 'AUTOMATIC_UPDATER_DISABLED', true );\n"
            # No test reaches the internet: WordPress may call only its own host (127.0.0.1,
            # where the console under test listens too).
            "define( 'WP_HTTP_BLOCK_EXTERNAL', true );\n"
            "define( 'FS_METHOD', 'direct' );\n"  # deleting a plugin asks for no FTP login
            "if ( ! defined( 'ABSPATH' ) ) { define( 'ABSPATH', __DIR__ . '/' ); }\n"
            "require_once ABSPATH . 'wp-settings.php';\n"
        )


@contextmanager
def wordpress_site() -> Iterator[WordPressSite]:
    """A fresh site on a fresh database, both gone afterwards. The directory is short: a Unix
    socket's path may not exceed 107 bytes."""
    lacking = missing()
    if lacking:
        pytest.fail(f"missing {', '.join(lacking)}: run `make system-deps-test`")
    directory = Path(tempfile.mkdtemp(prefix="balas-wp-"))
    database = MariaDB(directory)
    site = WordPressSite(directory / "site", database, free_port())
    try:
        database.start()
        site.start()
        yield site
    finally:
        site.stop()
        database.stop()
        shutil.rmtree(directory, ignore_errors=True)


def form_field(html: str, form: str, name: str) -> str:
    """The value of the field `name` in the form whose opening tag contains `form` (such as
    'action="options.php"' or 'id="bulk-action-form"')."""
    found = re.search(rf"<form[^>]*{re.escape(form)}[^>]*>(.*?)</form>", html, re.S)
    assert found is not None, f"no form with {form}"
    field = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', found[1])
    assert field is not None, f"no {name} in the form with {form}"
    return field[1]
