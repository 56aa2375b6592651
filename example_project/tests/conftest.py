"""Fixtures of the demo site's suite.

The ``e2e`` fixtures start a real Daphne process serving example_project on a free
port, with its own database (a fresh SQLite file, or a fresh PostgreSQL database
when DATABASE_URL points at PostgreSQL) and the channel layer REDIS_URL selects,
and drive Chromium through Playwright: CHROMIUM_PATH if set, else Debian's
/usr/bin/chromium, else a Chromium that Playwright has installed. No Chromium is a
failure, never a skip.
"""

import atexit
import contextlib
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import pytest
from channels.testing import WebsocketCommunicator

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

from chromium import CHROMIUM_ARGS, chromium_path  # noqa: E402

# WebsocketCommunicator.disconnect() waits 1 s for the consumer by default, then cancels it
# and returns while its (shielded) clean-up may still run: on a busy machine, a test that
# then checks what the clean-up did (group left, presence row deleted) would race it. Wait
# as long as it takes, within a generous bound.
_communicator_disconnect = WebsocketCommunicator.disconnect


async def _patient_disconnect(self, code=1000, timeout=30):
    return await _communicator_disconnect(self, code, timeout)


WebsocketCommunicator.disconnect = _patient_disconnect

PROJECT_DIR = Path(__file__).resolve().parent.parent
ARTIFACTS = Path(os.environ.get("E2E_ARTIFACTS", PROJECT_DIR.parent / "artifacts"))


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    # Several suites may share one PostgreSQL server at once: give each run its own test database.
    from django.conf import settings

    db = settings.DATABASES["default"]
    if "postgresql" in db["ENGINE"]:
        db.setdefault("TEST", {})["NAME"] = f"test_{db['NAME']}_example_{os.getpid()}"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, proc, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"server did not listen on {port} within {timeout}s")


def _psql(url, sql):
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql)


class MigratedDatabase:
    """One migrated database per test process, copied for each :class:`DemoServer`.

    Migrating takes a few seconds (a ``manage.py`` process and every migration); copying
    a migrated SQLite file or creating a PostgreSQL database from a migrated template
    takes a fraction of one. The first server of the run migrates the template with its
    own settings; the PostgreSQL template is dropped when the process ends.
    """

    def __init__(self):
        self._sqlite = None
        self._template = None

    def sqlite(self, server):
        if self._sqlite is None:
            folder = Path(tempfile.mkdtemp(prefix="elearning-e2e-template-"))
            atexit.register(shutil.rmtree, folder, ignore_errors=True)
            path = folder / "migrated.sqlite3"
            server.manage("migrate", "--noinput", env={"DATABASE_URL": f"sqlite:///{path}"})
            # The site runs SQLite in WAL mode: fold the log into the file that is copied.
            with contextlib.closing(sqlite3.connect(path)) as conn:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self._sqlite = path
        return self._sqlite

    def postgresql(self, server):
        if self._template is None:
            admin_url = server._pg_admin_url
            name = f"elearning_e2e_template_{os.getpid()}"
            _psql(admin_url, f'DROP DATABASE IF EXISTS "{name}"')
            _psql(admin_url, f'CREATE DATABASE "{name}"')
            atexit.register(_psql, admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            url = urlunparse(urlparse(admin_url)._replace(path=f"/{name}"))
            server.manage("migrate", "--noinput", env={"DATABASE_URL": url})
            self._template = name
        return self._template


MIGRATED = MigratedDatabase()


class DemoServer:
    """A migrated database plus any number of Daphne processes serving it."""

    def __init__(self, tmp_path):
        self.tmp_path = tmp_path
        self.procs = []
        self.env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
        self.env.update(
            DJANGO_DEBUG="1",
            DJANGO_SETTINGS_MODULE="example_project.settings",
            MEDIA_ROOT=str(tmp_path / "media"),
            PRIVATE_MEDIA_ROOT=str(tmp_path / "private"),
            PYTHONUNBUFFERED="1",
        )
        self._pg_admin_url = None
        db_url = os.environ.get("DATABASE_URL", "")
        if db_url.startswith(("postgres://", "postgresql://")):
            parsed = urlparse(db_url)
            name = f"elearning_e2e_{uuid.uuid4().hex[:8]}"
            self._pg_admin_url = db_url
            self._db_name = name
            template = MIGRATED.postgresql(self)
            _psql(db_url, f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
            self.env["DATABASE_URL"] = urlunparse(parsed._replace(path=f"/{name}"))
        else:
            path = tmp_path / "e2e.sqlite3"
            shutil.copyfile(MIGRATED.sqlite(self), path)
            self.env["DATABASE_URL"] = f"sqlite:///{path}"

    def _psql(self, sql):
        _psql(self._pg_admin_url, sql)

    def manage(self, *args, check=True, env=None):
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=PROJECT_DIR,
            env={**self.env, **(env or {})},
            check=check,
            capture_output=True,
            text=True,
        )

    def shell(self, code):
        """Run Python code with Django set up against the server's database."""
        return self.manage("shell", "-c", code).stdout

    def start(self, extra_env=None):
        port = free_port()
        log = open(self.tmp_path / f"daphne-{port}.log", "w")
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "daphne",
                "-b",
                "127.0.0.1",
                "-p",
                str(port),
                "--websocket-max-message-size",
                "65536",
                "--websocket-max-frame-size",
                "65536",
                "example_project.asgi:application",
            ],
            cwd=PROJECT_DIR,
            env={**self.env, **(extra_env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.procs.append(proc)
        wait_for_port(port, proc)
        return f"http://127.0.0.1:{port}"

    def stop(self):
        for proc in self.procs:
            proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        if self._pg_admin_url:
            self._psql(f'DROP DATABASE IF EXISTS "{self._db_name}" WITH (FORCE)')


@pytest.fixture
def demo_server(tmp_path):
    server = DemoServer(tmp_path)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def live_url(demo_server):
    """Base URL of one Daphne process serving the demo site."""
    return demo_server.start()


@pytest.fixture(scope="module")
def browser():
    # Module scope: Playwright's sync API keeps an event loop running while it is started,
    # which would break the async tests that run after the browser tests in one session.
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        try:
            executable = chromium_path(pw)
        except LookupError as missing:
            pytest.fail(str(missing), pytrace=False)
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, request):
    """Factory of pages, each in its own browser context (its own cookies)."""
    contexts = []

    def make(viewport=None):
        context = browser.new_context(viewport=viewport or {"width": 1280, "height": 900})
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def screenshot(page, name):
    """Save a full-page screenshot under artifacts/ (kept by CI as a test artifact)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
