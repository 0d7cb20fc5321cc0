"""A real WordPress for the plugin's tests (integrations/wordpress/destek): Debian's `wordpress`
package copied into a temporary folder, a fresh MariaDB database, installed by a PHP script
calling wp_install, the plugin copied in and activated, served by PHP's built-in server.

Needs `php` (php-cli, php-mysql), /usr/share/wordpress and MariaDB; .ci/run installs and
starts them. Elsewhere the tests skip and say what is missing. WORDPRESS_TEST_DB overrides the
MariaDB account: "user:password@host:port" (default root with no password on 127.0.0.1:3306).
"""

import contextlib
import json
import os
import shutil
import signal
import subprocess
import textwrap
import uuid
from pathlib import Path

import pytest

from tests.stack import ROOT, free_port, wait_for_port

WORDPRESS = Path("/usr/share/wordpress")
PLUGIN = ROOT / "integrations" / "wordpress" / "destek"

# What Apache's rewrite rules do for WordPress: files as they are, every other address to
# index.php (PHP's server alone answers 404 for a missing address with an extension, e.g.
# /favicon.ico, which WordPress serves itself).
ROUTER = """<?php
$path = (string) parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH);
if (is_file(__DIR__ . $path) || is_file(rtrim(__DIR__ . $path, '/') . '/index.php')) {
    return false;
}
$_SERVER['SCRIPT_NAME'] = '/index.php';
require __DIR__ . '/index.php';
"""


def database_account() -> dict:
    account = os.environ.get("WORDPRESS_TEST_DB", "root:@127.0.0.1:3306")
    credentials, _, address = account.rpartition("@")
    user, _, password = credentials.partition(":")
    host, _, port = address.partition(":")
    return {"user": user, "password": password, "host": host, "port": port or "3306"}


def missing() -> str:
    """Why a real WordPress cannot run here, or ''."""
    if not shutil.which("php"):
        return "needs php (apt-get install php-cli php-mysql)"
    if not (WORDPRESS / "wp-includes" / "version.php").exists():
        return f"needs Debian's wordpress package in {WORDPRESS} (apt-get install wordpress)"
    probe = subprocess.run(
        ["php", "-r", "exit(function_exists('mysqli_connect') ? 0 : 1);"], check=False
    )
    if probe.returncode != 0:
        return "needs PHP's mysqli (apt-get install php-mysql)"
    db = database_account()
    ping = subprocess.run(
        [
            "php",
            "-r",
            "mysqli_report(MYSQLI_REPORT_OFF);"
            "exit(@mysqli_connect($argv[1], $argv[2], $argv[3], '', (int) $argv[4]) ? 0 : 1);",
            db["host"],
            db["user"],
            db["password"],
            db["port"],
        ],
        check=False,
        capture_output=True,
    )
    if ping.returncode != 0:
        return f"needs MariaDB on {db['host']}:{db['port']} for {db['user']} (WORDPRESS_TEST_DB)"
    return ""


def require_wordpress() -> None:
    """Skip, naming what is missing, on a developer's machine; fail on CI, which installs it."""
    reason = missing()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"{reason}: .ci/run installs it", pytrace=False)
        pytest.skip(reason)


class WordPressSite:
    ADMIN = ("admin", "admin-password-1")

    def __init__(self, tmp_dir: Path):
        self.root = tmp_dir / "wordpress"
        self.database = f"destek_wp_{uuid.uuid4().hex[:10]}"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        self.log_path = tmp_dir / "php-server.log"

    # --- setup ------------------------------------------------------------------------------

    def install(self) -> None:
        shutil.copytree(WORDPRESS, self.root, symlinks=True)
        # Debian's package links to Debian's copies of libraries (underscore, getid3) with
        # relative links, which would point nowhere from here: make them absolute.
        for link in [p for p in self.root.rglob("*") if p.is_symlink()]:
            target = (WORDPRESS / link.relative_to(self.root)).resolve()
            link.unlink()
            link.symlink_to(target)
        shutil.copytree(PLUGIN, self.root / "wp-content" / "plugins" / "destek")
        self._sql(f"CREATE DATABASE `{self.database}` CHARACTER SET utf8mb4")
        (self.root / "wp-config.php").write_text(self._config())
        (self.root / "destek-router.php").write_text(ROUTER)
        self.php(
            """
            require_once ABSPATH . 'wp-admin/includes/upgrade.php';
            wp_install('Destek test shop', $argv[1], 'admin@example.com', true, '', $argv[2]);
            update_option('permalink_structure', '/%postname%/');
            update_option('show_avatars', 0);  // no requests to gravatar.com from the pages
            """,
            *self.ADMIN,
            installing=True,
        )

    def _config(self) -> str:
        db = database_account()
        values = {
            "DB_NAME": self.database,
            "DB_USER": db["user"],
            "DB_PASSWORD": db["password"],
            "DB_HOST": f"{db['host']}:{db['port']}",
            "WP_HOME": self.url,
            "WP_SITEURL": self.url,
        }
        defines = "".join(f"define({json.dumps(k)}, {json.dumps(v)});\n" for k, v in values.items())
        return (
            "<?php\n"
            + defines
            + textwrap.dedent(
                """
                define('DB_CHARSET', 'utf8mb4');
                define('DB_COLLATE', '');
                $table_prefix = 'wp_';
                // Fixed salts are fine for a throwaway site that lives as long as a test.
                foreach (['AUTH', 'SECURE_AUTH', 'LOGGED_IN', 'NONCE'] as $name) {
                    define($name . '_KEY', 'destek-test-' . $name);
                    define($name . '_SALT', 'destek-test-salt-' . $name);
                }
                // No outbound calls (update checks) and no cron loopback request per page.
                define('WP_HTTP_BLOCK_EXTERNAL', true);
                define('AUTOMATIC_UPDATER_DISABLED', true);
                define('DISABLE_WP_CRON', true);
                define('WP_DEBUG', true);
                define('WP_DEBUG_DISPLAY', false);
                define('WP_DEBUG_LOG', __DIR__ . '/debug.log');
                if (!defined('ABSPATH')) {
                    define('ABSPATH', __DIR__ . '/');
                }
                require_once ABSPATH . 'wp-settings.php';
                """
            )
        )

    def _sql(self, statement: str) -> None:
        db = database_account()
        self.php_raw(
            "mysqli_report(MYSQLI_REPORT_ERROR | MYSQLI_REPORT_STRICT);"
            "$db = mysqli_connect($argv[1], $argv[2], $argv[3], '', (int) $argv[4]);"
            "mysqli_query($db, $argv[5]);",
            db["host"],
            db["user"],
            db["password"],
            db["port"],
            statement,
        )

    # --- running PHP inside the site ---------------------------------------------------------

    def php_raw(self, code: str, *args: str) -> str:
        result = subprocess.run(
            ["php", "-d", "display_errors=stderr", "-r", code, "--", *args],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"php failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
            )
        return result.stdout

    def php(self, code: str, *args: str, installing: bool = False) -> str:
        """Runs `code` with WordPress loaded (wp-load.php), as a script in the site's folder."""
        script = self.root / f"destek-test-{uuid.uuid4().hex[:8]}.php"
        header = "<?php\n"
        if installing:
            header += "define('WP_INSTALLING', true);\n"
        # A CLI run has no request: what wp-load.php expects of one.
        header += (
            "$_SERVER['HTTP_HOST'] = '127.0.0.1:" + str(self.port) + "';\n"
            "$_SERVER['REQUEST_URI'] = '/';\n"
            "$_SERVER['SERVER_PROTOCOL'] = 'HTTP/1.1';\n"
            "require __DIR__ . '/wp-load.php';\n"
        )
        script.write_text(header + textwrap.dedent(code))
        try:
            result = subprocess.run(
                ["php", "-d", "display_errors=stderr", str(script), *args],
                cwd=self.root,
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
        finally:
            script.unlink()
        if result.returncode != 0 or "PHP Fatal" in result.stderr:
            raise RuntimeError(
                f"php failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
            )
        return result.stdout

    def activate_plugin(self, *, server_url: str, widget_key: str, secret: str) -> None:
        self.php(
            """
            require_once ABSPATH . 'wp-admin/includes/plugin.php';
            $result = activate_plugin('destek/destek.php');
            if (is_wp_error($result)) { fwrite(STDERR, $result->get_error_message()); exit(1); }
            update_option('destek_server_url', $argv[1]);
            update_option('destek_widget_key', $argv[2]);
            update_option('destek_identity_secret', $argv[3]);
            """,
            server_url,
            widget_key,
            secret,
        )

    def create_user(self, login: str, password: str, display_name: str, email: str) -> int:
        out = self.php(
            """
            $id = wp_insert_user(['user_login' => $argv[1], 'user_pass' => $argv[2],
                'display_name' => $argv[3], 'user_email' => $argv[4], 'role' => 'subscriber']);
            if (is_wp_error($id)) { fwrite(STDERR, $id->get_error_message()); exit(1); }
            echo $id;
            """,
            login,
            password,
            display_name,
            email,
        )
        return int(out.strip())

    # --- serving ---------------------------------------------------------------------------

    def serve(self) -> None:
        log = open(self.log_path, "ab")  # noqa: SIM115 - closed with the process
        self.process = subprocess.Popen(
            ["php", "-S", f"127.0.0.1:{self.port}", "-t", str(self.root), "destek-router.php"],
            cwd=self.root,
            # Several workers: a page's styles and scripts load in parallel.
            env={**os.environ, "PHP_CLI_SERVER_WORKERS": "4"},
            stdout=log,
            stderr=subprocess.STDOUT,
            # Its own process group: the workers are forked children, stopped with it.
            start_new_session=True,
        )
        wait_for_port(self.port, process=self.process)

    def debug_log(self) -> str:
        path = self.root / "debug.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        if self.process is not None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
        # The database goes even when the server did not start.
        with contextlib.suppress(RuntimeError):
            self._sql(f"DROP DATABASE IF EXISTS `{self.database}`")
