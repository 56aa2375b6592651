"""The container image's entrypoint (deploy/entrypoint.sh), run outside a container.

What the image does, step by step, on PostgreSQL and Redis: the build copies the project
and collects static files with DJANGO_DEBUG=0 and a build-only secret key; then two
entrypoint processes start at once on one fresh database (each waits for the services,
migrates and loads the demo data under a lock, and becomes a Daphne process). The test
then checks pages and a static file through both processes, logs in through the login
page, and sends a chat message through one process that must reach a socket on the other.

Marked ``redis``: it runs in the PostgreSQL + Redis pass of the suite, with DATABASE_URL and
REDIS_URL pointing at live servers; it fails, never skips, without them.
"""

import asyncio
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlparse, urlunparse

import pytest
from websockets.asyncio.client import connect

pytestmark = [pytest.mark.redis, pytest.mark.asyncio]

PROJECT_DIR = Path(__file__).resolve().parent.parent
ENTRYPOINT = PROJECT_DIR.parent / "deploy" / "entrypoint.sh"
# What .dockerignore keeps out of the image's copy of example_project/: these entries of the
# project's own folder (example_project/media, not the demo data's demo/media) ...
NOT_COPIED = ("tests", "media", "private", "staticfiles", "db.sqlite3*", "node_modules", "package*.json")
# ... and these at any depth.
NOT_COPIED_ANYWHERE = ("__pycache__", "*.py[cod]")


def dockerignore(folder, names):
    """``shutil.copytree``'s ``ignore``: the names .dockerignore keeps out of the image."""
    ignored = shutil.ignore_patterns(*NOT_COPIED_ANYWHERE)(folder, names)
    if Path(folder) == PROJECT_DIR:
        ignored |= shutil.ignore_patterns(*NOT_COPIED)(folder, names)
    return ignored


DEMO_PASSWORD = "demo-pass-2026"
STARTUP_TIMEOUT = 45


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def service_env():
    """The environment without the suite's Django settings, as a fresh shell would have it."""
    return {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}


class Response:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def cookies(self):
        jar = SimpleCookie()
        for value in self.headers.get_all("Set-Cookie") or []:
            jar.load(value)
        return {name: morsel.value for name, morsel in jar.items()}


def request(base, path, method="GET", cookies=None, form=None, timeout=10):
    """One HTTP request, redirects not followed. Cookies are sent by hand: with
    DJANGO_DEBUG=0 they are Secure, which a cookie jar would not send over plain HTTP."""
    parsed = urlparse(base)
    conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=timeout)
    headers = {}
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    body = None
    if form is not None:
        body = urlencode(form)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return Response(response.status, response.headers, response.read())
    finally:
        conn.close()


@pytest.fixture
def built_app(tmp_path):
    """The image's build step: the project copied as the Dockerfile copies it, and its
    static files collected with DJANGO_DEBUG=0 and a build-only secret key."""
    app = tmp_path / "app"
    shutil.copytree(PROJECT_DIR, app, ignore=dockerignore)
    env = {k: v for k, v in service_env().items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(DJANGO_DEBUG="0", DJANGO_SECRET_KEY="build-only-not-secret")
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        cwd=app,
        env=env,
        check=True,
        capture_output=True,
    )
    assert (app / "staticfiles" / "staticfiles.json").is_file()
    return app


@pytest.fixture
def database_url():
    """A fresh PostgreSQL database on the server of DATABASE_URL, dropped afterwards."""
    import psycopg

    url = urlparse(os.environ.get("DATABASE_URL", ""))
    assert url.scheme in ("postgres", "postgresql"), "DATABASE_URL must point at PostgreSQL"
    assert os.environ.get("REDIS_URL"), "REDIS_URL must point at Redis (run this in the Redis pass)"
    # CREATE/DROP DATABASE from the server's maintenance database: the URL's own database
    # need not exist (the suite's pytest-django databases are named after it).
    admin_url = urlunparse(url._replace(path="/postgres"))
    name = f"elearning_entrypoint_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunparse(url._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def servers(built_app, database_url, tmp_path):
    """Two entrypoint processes started together; yields their base URLs once both serve."""
    common = {
        **service_env(),
        "APP_DIR": str(built_app),
        "PYTHON": sys.executable,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": database_url,
        "MEDIA_ROOT": str(tmp_path / "media"),
        "PRIVATE_MEDIA_ROOT": str(tmp_path / "private"),
        "LOAD_DEMO_DATA": "1",
        "WAIT_TIMEOUT": "20",
        "DAPHNE_HOST": "127.0.0.1",
        "PYTHONUNBUFFERED": "1",
    }
    procs = []
    try:
        for proxy_headers in ("0", "1"):
            port = free_port()
            log = tmp_path / f"entrypoint-{port}.log"
            with open(log, "w") as out:
                proc = subprocess.Popen(
                    [str(ENTRYPOINT)],
                    env={**common, "DAPHNE_PORT": str(port), "DAPHNE_PROXY_HEADERS": proxy_headers},
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    # Its own process group, so stopping it also stops the Python step
                    # that runs before Daphne replaces the shell.
                    start_new_session=True,
                )
            procs.append((proc, f"http://127.0.0.1:{port}", log))
        deadline = time.monotonic() + STARTUP_TIMEOUT
        for proc, base, log in procs:
            wait_until_serving(proc, base, log, deadline)
        yield [base for _, base, _ in procs]
    finally:
        for proc, _, _ in procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc, _, _ in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def wait_until_serving(proc, base, log, deadline):
    while True:
        if proc.poll() is not None:
            pytest.fail(f"entrypoint exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if request(base, "/", timeout=2).status == 200:
                return
        except OSError:
            pass
        if time.monotonic() >= deadline:
            pytest.fail(f"{base} not serving after {STARTUP_TIMEOUT} s:\n{log.read_text()[-3000:]}")
        time.sleep(0.2)


def log_in(base, username):
    """Log in through the login page; return the session cookie."""
    page = request(base, "/accounts/login/")
    assert page.status == 200
    csrf_cookie = page.cookies()["csrftoken"]
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.body).group(1).decode()
    response = request(
        base,
        "/accounts/login/",
        method="POST",
        cookies={"csrftoken": csrf_cookie},
        form={"csrfmiddlewaretoken": token, "username": username, "password": DEMO_PASSWORD},
    )
    assert response.status == 302, response.body[:500]
    return response.cookies()["sessionid"]


async def chat_socket(base, session):
    ws = await connect(
        base.replace("http://", "ws://") + "/ws/chat/lobby/",
        origin=base,
        additional_headers={"Cookie": f"sessionid={session}"},
    )
    await next_frame(ws, lambda frame: frame["type"] == "history")
    return ws


async def next_frame(ws, wanted, timeout=10):
    async with asyncio.timeout(timeout):
        while True:
            frame = json.loads(await ws.recv())
            if wanted(frame):
                return frame


async def test_two_entrypoint_processes_serve_the_demo(servers):
    one, two = servers
    for base in servers:
        for path in ("/", "/accounts/login/", "/courses/"):
            assert request(base, path).status == 200, f"{base}{path}"
        # Static files: collected at build time with hashed names, served by WhiteNoise.
        home = request(base, "/").body.decode()
        css = re.search(r'href="(/static/css/site\.[0-9a-f]{12}\.css)"', home)
        assert css, "the home page does not link the hashed site.css"
        static = request(base, css.group(1))
        assert static.status == 200
        assert static.headers["Content-Type"].startswith("text/css")
        assert "immutable" in static.headers.get("Cache-Control", "")

    sam = log_in(one, "sam")
    kim = log_in(two, "kim")
    # Sessions live in the shared database: a session made by one process works on the other.
    assert b'action="/accounts/logout/"' in request(two, "/", cookies={"sessionid": sam}).body

    sender = await chat_socket(one, sam)
    receiver = await chat_socket(two, kim)
    try:
        body = f"across processes {uuid.uuid4().hex}"
        await sender.send(json.dumps({"type": "message", "body": body}))
        sent = await next_frame(sender, lambda f: f["type"] == "message" and f["body"] == body)
        received = await next_frame(receiver, lambda f: f["type"] == "message" and f["body"] == body)
        assert received == sent
        assert received["author"]["username"] == "sam"
    finally:
        await sender.close()
        await receiver.close()
