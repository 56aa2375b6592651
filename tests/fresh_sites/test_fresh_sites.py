"""Fresh host sites built from the wheels: what a Django developer gets by following the
install pages (docs/users.rst, docs/courses.rst, docs/chat.rst).

The three packages are built in isolation into one wheelhouse (wheels and sdists, checked
with ``twine check --strict``). Each scenario then gets its own virtual environment on its
own Python, with only the wheelhouse and public dependencies from PyPI (never the source
tree), a site made by ``django-admin startproject mysite``, and the scenario's files
(``scenarios/<name>/``: what the docs tell a host to add) appended to its settings.py and
written over its urls.py and asgi.py. The site is migrated, checked
(``check --fail-level WARNING``) and served by ``python manage.py runserver``, the
development server the docs name (Daphne's, when "daphne" is in INSTALLED_APPS). Real
Chromium then opens every page of the installed apps: each must answer 200 with every
stylesheet and script it references answering 200, Bootstrap's styles applied and no
script error. Where the users app is installed, a user signs up and logs in through its
pages and uses the token API; with courses, a teacher creates a course and the live bell
receives a notification over its WebSocket; with chat, a message goes round the lobby.

Run: ``nox -s fresh_sites`` or ``python -m pytest tests/fresh_sites`` (one scenario:
``-k chat``). Needs the pyenv interpreters and Chromium at /usr/bin/chromium (or
``CHROMIUM_PATH``); a missing one fails the run. Screenshots go to artifacts/fresh-sites/.
"""

import glob
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

from buildcache import isolated_build_env  # noqa: E402
from chromium import CHROMIUM_ARGS, chromium_path  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
SCENARIOS_DIR = HERE / "scenarios"
ARTIFACTS = ROOT / "artifacts" / "fresh-sites"
DISTRIBUTIONS = ["django-elearning-users", "django-elearning-courses", "django-elearning-chat"]
PASSWORD = "Fresh-site-pass-2026"
# Bounds, not pauses: every wait below polls and gives up after these.
INSTALL_TIMEOUT = 600
# Public dependencies (Django, DRF, Channels, Daphne, ...) downloaded for each scenario,
# kept beside the test environment: a later run installs from here without a package index,
# so the suite also runs where nothing but loopback is reachable once it has run online.
DEPENDENCY_CACHE = Path(sys.prefix) / "fresh-sites-wheels"
COMMAND_TIMEOUT = 180
SERVER_START_TIMEOUT = 60


@dataclass(frozen=True)
class Scenario:
    name: str  # folder under scenarios/
    python: str  # "3.13": a pyenv interpreter
    requirements: tuple  # what the docs tell the host to pip install (with --find-links)
    apps: frozenset  # the apps the site installs: "users", "courses", "chat"

    @property
    def daphne(self):
        return "daphne" in self.requirements


SCENARIOS = [
    Scenario(
        "all_apps",
        "3.13",
        ("django-elearning-courses", "django-elearning-chat", "daphne", "Django>=6.1,<6.2"),
        frozenset({"users", "courses", "chat"}),
    ),
    Scenario(
        "chat",
        "3.11",
        ("django-elearning-chat", "daphne", "Django>=5.2,<5.3"),
        frozenset({"chat"}),
    ),
    Scenario("users", "3.12", ("django-elearning-users", "daphne", "Django>=6.0,<6.1"), frozenset({"users"})),
    # Only the courses distribution by name: the users app must come from the wheelhouse as its
    # dependency. Django unpinned: whatever pip picks as the newest.
    Scenario(
        "users_courses", "3.12", ("django-elearning-courses", "daphne"), frozenset({"users", "courses"})
    ),
]


# --- helpers -------------------------------------------------------------------------------


def clean_env(**extra):
    """The environment of a host's shell: nothing from this repository's virtualenv or settings."""
    drop = {"PYTHONPATH", "VIRTUAL_ENV", "DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL", "PYTHONHOME"}
    env = {k: v for k, v in os.environ.items() if k not in drop and not k.startswith("PYTEST")}
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if ".venv" not in p)
    env["PYTHONUNBUFFERED"] = "1"
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env.update(extra)
    return env


def run(cmd, cwd, env=None, timeout=COMMAND_TIMEOUT):
    """Run a command; fail with its output when it does not succeed."""
    result = subprocess.run(
        [str(c) for c in cmd],
        cwd=cwd,
        env=env or clean_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        raise AssertionError(
            f"`{' '.join(map(str, cmd))}` exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
        )
    return result.stdout


def interpreter(version):
    """pyenv's real interpreter for "3.13" (mirrors scripts/runtests.py's interpreters_path)."""
    root = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    found = sorted(glob.glob(os.path.join(root, "versions", f"{version}.*", "bin", f"python{version}")))
    if found:
        return found[-1]
    on_path = shutil.which(f"python{version}", path=clean_env()["PATH"])
    if on_path and "shims" not in on_path:
        return on_path
    pytest.fail(
        f"Python {version} not found (pyenv install {version}); the fresh sites need it.", pytrace=False
    )


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http(base, method, path, data=None, token=None):
    """A JSON request as an API client sends it: (status, decoded body)."""
    headers = {"Accept": "application/json"}
    body = None
    if data is not None:
        body = json.dumps(data).encode()
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Token {token}"
    request = urllib.request.Request(base + path, data=body, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    try:
        return status, json.loads(raw or b"null")
    except ValueError:
        return status, raw[:500].decode(errors="replace")


# --- building and installing ----------------------------------------------------------------


@pytest.fixture(scope="session")
def wheelhouse(tmp_path_factory):
    """Wheels and sdists of the three packages, built in isolation, as a host would build them."""
    out = tmp_path_factory.mktemp("wheelhouse")
    env = isolated_build_env()
    builds = [
        subprocess.Popen(
            [sys.executable, "-m", "build", "--outdir", str(out), str(ROOT / "packages" / name)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for name in DISTRIBUTIONS
    ]
    for name, build in zip(DISTRIBUTIONS, builds, strict=True):
        output, _ = build.communicate(timeout=INSTALL_TIMEOUT)
        assert build.returncode == 0, f"building {name} failed:\n{output}"
    files = sorted(out.iterdir())
    for name in DISTRIBUTIONS:
        stem = name.replace("-", "_")
        assert len([f for f in files if f.name.startswith(stem) and f.suffix == ".whl"]) == 1, files
        assert len([f for f in files if f.name.startswith(stem) and f.name.endswith(".tar.gz")]) == 1, files
    run([sys.executable, "-m", "twine", "check", "--strict", *files], cwd=out, env=os.environ.copy())
    return out


def prepare_site(scenario, wheelhouse, workdir):
    """Virtualenv, install from the wheelhouse, startproject, the scenario's files, migrate, check.

    Returns (python of the venv, the site's folder, its environment).
    """
    python = interpreter(scenario.python)
    venv = workdir / "venv"
    run([python, "-m", "venv", venv], cwd=workdir)
    vpython = venv / "bin" / "python"
    # One folder per scenario: sites are prepared two at a time, and two pips downloading
    # into one folder would read each other's half-written wheels.
    cache = DEPENDENCY_CACHE / scenario.name
    cache.mkdir(parents=True, exist_ok=True)
    download = subprocess.run(
        [vpython, "-m", "pip", "download", "-q", "--retries", "0", "--timeout", "15", "-d", cache]
        + ["--find-links", wheelhouse, *scenario.requirements],
        cwd=workdir,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=INSTALL_TIMEOUT,
    )
    # The packages under test come from this run's wheelhouse only, never from the cache.
    for stale in cache.glob("django_elearning_*"):
        stale.unlink()
    if download.returncode != 0 and not any(cache.iterdir()):
        pytest.fail(
            f"no package index reachable and no wheels cached in {cache} yet: run the suite once "
            f"with network access.\n{download.stderr[-2000:]}",
            pytrace=False,
        )
    run(
        [vpython, "-m", "pip", "install", "-q", "--no-index", "--find-links", wheelhouse]
        + ["--find-links", cache, *scenario.requirements],
        cwd=workdir,
        timeout=INSTALL_TIMEOUT,
    )
    # Installed from the wheels, not from the source tree: each app imports from the venv.
    for app in scenario.apps:
        where = run([vpython, "-c", f"import elearning_{app} as m; print(m.__file__)"], cwd=workdir).strip()
        assert where.startswith(str(venv)), f"elearning_{app} imported from {where}, not the virtualenv"

    site = workdir / "site"
    site.mkdir()
    run([venv / "bin" / "django-admin", "startproject", "mysite", site], cwd=workdir)
    files = SCENARIOS_DIR / scenario.name
    settings = site / "mysite" / "settings.py"
    settings.write_text(settings.read_text() + "\n\n" + (files / "settings.py").read_text())
    for name in ("urls.py", "asgi.py"):
        if (files / name).exists():
            shutil.copy(files / name, site / "mysite" / name)

    env = clean_env(DJANGO_SUPERUSER_PASSWORD=PASSWORD)
    run([vpython, "manage.py", "migrate", "--noinput"], cwd=site, env=env)
    run([vpython, "manage.py", "check", "--fail-level", "WARNING"], cwd=site, env=env)
    if "users" not in scenario.apps:
        # The docs' quick try without the users app: a staff user logs in on the admin's page.
        run(
            [
                vpython,
                "manage.py",
                "createsuperuser",
                "--noinput",
                "--username",
                "admin",
                "--email",
                "admin@example.com",
            ],
            cwd=site,
            env=env,
        )
    return vpython, site, env


@pytest.fixture(scope="session")
def sites(request, wheelhouse, tmp_path_factory):
    """Start preparing every selected scenario's site at once, two at a time: while one site is
    being tested, the next one installs."""
    wanted = []
    for item in request.session.items:
        scenario = getattr(item, "callspec", None) and item.callspec.params.get("scenario")
        if scenario and scenario not in wanted:
            wanted.append(scenario)
    pool = ThreadPoolExecutor(max_workers=2)
    futures = {
        s.name: pool.submit(prepare_site, s, wheelhouse, tmp_path_factory.mktemp(s.name)) for s in wanted
    }
    yield futures
    pool.shutdown(wait=True, cancel_futures=True)


class Server:
    """`python manage.py runserver --noreload` of one site, as the docs tell a developer to run it."""

    def __init__(self, python, site, env):
        self.python, self.site, self.env = python, site, env
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = site / "server.log"

    def start(self):
        self.log = open(self.log_path, "w")  # noqa: SIM115 (closed in stop())
        self.process = subprocess.Popen(
            [self.python, "manage.py", "runserver", "--noreload", f"127.0.0.1:{self.port}"],
            cwd=self.site,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"the server exited {self.process.returncode}:\n{self.output()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return self
            except OSError:
                time.sleep(0.1)
        raise AssertionError(f"the server did not listen within {SERVER_START_TIMEOUT} s:\n{self.output()}")

    def output(self):
        return self.log_path.read_text(errors="replace")[-5000:]

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


# --- the browser ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        try:
            executable = chromium_path(pw)
        except LookupError as missing:
            pytest.fail(str(missing), pytrace=False)
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


# Every stylesheet and script the page references, and whether Bootstrap's styles applied:
# its custom properties on :root and its reboot's body margin.
PAGE_FACTS = """() => ({
  assets: [...document.querySelectorAll('link[rel="stylesheet"][href], script[src]')]
    .map(e => e.href || e.src),
  stylesheets: document.querySelectorAll('link[rel="stylesheet"][href]').length,
  bootstrapFont: getComputedStyle(document.documentElement).getPropertyValue('--bs-body-font-family').trim(),
  bodyMargin: getComputedStyle(document.body).margin,
})"""


class Visitor:
    """A browser page that records why each page it opens is not a working, styled page."""

    def __init__(self, browser, base, problems):
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.context.set_default_timeout(15_000)
        self.page = self.context.new_page()
        self.base = base
        self.problems = problems
        self.current = []
        self.page.on("response", self._response)
        self.page.on("pageerror", lambda error: self.current.append(f"script error: {error}"))

    def _response(self, response):
        if response.status >= 400 and not response.url.endswith("/favicon.ico"):
            self.current.append(f"{response.request.resource_type} {response.url} answered {response.status}")

    def open(self, path):
        """Open a page and check it; return whether it answered 200 where it was asked."""
        self.current = []
        url = self.base + path
        response = self.page.goto(url)
        status = response.status if response else None
        if status != 200:
            self.problems.append(f"{path}: answered {status}")
            return False
        if urlparse(self.page.url).path != urlparse(url).path:
            self.problems.append(f"{path}: redirected to {self.page.url}")
            return False
        facts = self.page.evaluate(PAGE_FACTS)
        if not facts["stylesheets"]:
            self.current.append("references no stylesheet")
        for asset in facts["assets"]:
            answer = self.page.request.get(asset)
            if answer.status != 200:
                self.current.append(f"{asset} answered {answer.status}")
        if not facts["bootstrapFont"] or facts["bodyMargin"] != "0px":
            self.current.append(
                f"Bootstrap's styles did not apply (--bs-body-font-family={facts['bootstrapFont']!r}, "
                f"body margin {facts['bodyMargin']})"
            )
        self.problems.extend(f"{path}: {problem}" for problem in self.current)
        return True

    def cookie_header(self):
        return "; ".join(f"{c['name']}={c['value']}" for c in self.context.cookies(self.base))

    def close(self):
        self.context.close()


# --- what each installed app must do ----------------------------------------------------------


def sign_up_and_log_in(browser, base, problems, username, role):
    """Sign up through the sign-up page, then log in through the log-in page in a new browser."""
    visitor = Visitor(browser, base, problems)
    assert visitor.open("/accounts/login/"), problems
    assert visitor.open("/accounts/signup/"), problems
    page = visitor.page
    page.get_by_label("Username").fill(username)
    page.get_by_label("Email").fill(f"{username}@example.com")
    page.get_by_label(role).check()
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url(lambda url: "/accounts/signup/" not in url)
    visitor.close()

    visitor = Visitor(browser, base, problems)
    page = visitor.page
    page.goto(base + "/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    return visitor


def check_users(visitor, username):
    base = visitor.base
    status, body = http(base, "POST", "/api/auth/token/", {"username": username, "password": PASSWORD})
    assert status == 200 and body.get("token"), f"POST /api/auth/token/ answered {status}: {body}"
    token = body["token"]
    status, me = http(base, "GET", "/api/users/me/", token=token)
    assert status == 200, f"GET /api/users/me/ with a token answered {status}: {me}"
    assert me["username"] == username, me
    for path in ("/accounts/profile/", "/accounts/password/", f"/users/{username}/"):
        visitor.open(path)
    return token


def check_courses(visitor, token, through_page):
    """A teacher creates a course (the page or the API), opens every course page, and the live
    bell receives the notification of a student's enrollment over its WebSocket."""
    from websockets.sync.client import connect

    base = visitor.base
    visitor.open("/courses/new/")
    if through_page:
        page = visitor.page
        page.get_by_label("Title").fill("Chemistry 101")
        page.get_by_label("Description").fill("Atoms, molecules and reactions.")
        page.get_by_role("button", name="Create course").click()
        page.wait_for_url(lambda url: "/courses/new/" not in url)
        status, body = http(base, "GET", "/api/courses/?search=Chemistry", token=token)
        assert status == 200 and body["count"] == 1, f"GET /api/courses/ answered {status}: {body}"
        course_id = body["results"][0]["id"]
    else:
        course = {"title": "Chemistry 101", "description": "Atoms, molecules and reactions."}
        status, body = http(base, "POST", "/api/courses/", course, token=token)
        assert status == 201, f"POST /api/courses/ by a teacher answered {status}: {body}"
        course_id = body["id"]

    for path in (
        "/courses/",
        "/courses/mine/",
        f"/courses/{course_id}/",
        f"/courses/{course_id}/edit/",
        f"/courses/{course_id}/delete/",
        f"/courses/{course_id}/materials/new/",
        f"/courses/{course_id}/students/",
        f"/courses/{course_id}/blocked/",
        "/notifications/",
    ):
        visitor.open(path)

    ws_url = base.replace("http://", "ws://") + "/ws/notifications/"
    headers = {"Cookie": visitor.cookie_header(), "Origin": base}
    with connect(ws_url, additional_headers=headers, open_timeout=10) as bell:
        student = {"username": "sam", "password": PASSWORD, "email": "sam@example.com", "role": "student"}
        status, body = http(base, "POST", "/api/users/", student)
        assert status == 201, f"POST /api/users/ answered {status}: {body}"
        status, body = http(base, "POST", "/api/auth/token/", {"username": "sam", "password": PASSWORD})
        assert status == 200, body
        status, body = http(base, "POST", "/api/enrollments/", {"course": course_id}, token=body["token"])
        assert status == 201, f"POST /api/enrollments/ by a student answered {status}: {body}"
        # The consumer first sends the current count; the enrollment's notification follows.
        frames = []
        deadline = time.monotonic() + 10
        while not any(f["type"] == "notification" for f in frames) and time.monotonic() < deadline:
            frames.append(json.loads(bell.recv(timeout=max(deadline - time.monotonic(), 0.01))))
    pushed = [f for f in frames if f["type"] == "notification"]
    assert pushed and pushed[0]["unread_count"] >= 1, f"the bell received {frames}"
    return course_id


def check_chat(visitor, text):
    """The chat pages, then a message sent from the lobby's composer comes back over the WebSocket."""
    visitor.open("/chat/")
    assert visitor.open("/chat/lobby/"), visitor.problems
    page = visitor.page
    page.locator('[data-chat-state="connected"]').wait_for()
    box = page.get_by_label("Your message")
    box.fill(text)
    box.press("Enter")
    page.locator("[data-chat-messages] .chat-text", has_text=text).wait_for()


# --- the scenarios ----------------------------------------------------------------------------


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_fresh_site(scenario, sites, browser):
    python, site, env = sites[scenario.name].result(timeout=INSTALL_TIMEOUT)
    server = Server(python, site, env).start()
    problems = []
    try:
        if scenario.daphne:
            status = urllib.request.urlopen(server.base + "/admin/login/", timeout=15)
            assert status.headers.get("Server", "").lower().startswith("daphne"), (
                f"runserver is not Daphne's: Server header {status.headers.get('Server')!r}"
            )
        if "users" in scenario.apps:
            teacher = "courses" in scenario.apps
            username = "tess" if teacher else "ada"
            visitor = sign_up_and_log_in(
                browser, server.base, problems, username, "Teacher" if teacher else "Student"
            )
            token = check_users(visitor, username)
            if "courses" in scenario.apps:
                check_courses(visitor, token, through_page="chat" not in scenario.apps)
        else:
            visitor = Visitor(browser, server.base, problems)
            page = visitor.page
            page.goto(server.base + "/chat/")  # LOGIN_URL: the admin's log-in page
            page.get_by_label("Username").fill("admin")
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Log in").click()
            page.wait_for_url(server.base + "/chat/")
        if "chat" in scenario.apps:
            check_chat(visitor, f"Hello from a fresh {scenario.name} site")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        visitor.page.screenshot(path=str(ARTIFACTS / f"{scenario.name}.png"), full_page=True)
        visitor.close()
    except Exception as error:
        raise AssertionError(
            f"{error}\n\npage problems so far: {json.dumps(problems, indent=1)}\n\nserver log:\n{server.output()}"
        ) from error
    finally:
        server.stop()
    assert not problems, "pages that do not work in a fresh site:\n" + "\n".join(problems)
