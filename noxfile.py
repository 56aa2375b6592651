"""Project tasks. `nox -l` lists them; `nox -s NAME -- ARGS` runs one.

The README's two commands (`./run demo`, `./run tests`) need nothing but Python;
these sessions are the same tasks for people who use nox.
"""

import shutil
from pathlib import Path

import nox

ROOT = Path(__file__).parent
PACKAGES = ["users", "courses", "chat"]
nox.options.sessions = ["lint", "tests"]
nox.options.reuse_existing_virtualenvs = True
# The same WebSocket limits as ./run demo (Daphne >= 4.2.2 defaults to 1 MiB; 0 would mean unlimited).
DAPHNE_LIMITS = ["--websocket-max-message-size", "65536", "--websocket-max-frame-size", "65536"]


@nox.session(python="3.11")
def demo(session):
    """Serve the demo site with demo data at http://127.0.0.1:8000."""
    session.install("-r", "requirements/demo.txt")
    session.chdir("example_project")
    session.run("python", "manage.py", "migrate", "--noinput")
    session.run("python", "manage.py", "load_demo_data")
    session.run("daphne", "-b", "127.0.0.1", "-p", "8000", *DAPHNE_LIMITS, "example_project.asgi:application")


@nox.session(python="3.11")
def tests(session):
    """The whole suite (both database/channel-layer pairs, tox, browser, docs). `-- --fast` for SQLite only."""
    session.install("-r", "requirements/test.txt")
    session.run("python", "scripts/runtests.py", *session.posargs)


@nox.session(python="3.11")
def e2e(session):
    """Only the browser tests (Chromium at /usr/bin/chromium)."""
    session.install("-r", "requirements/test.txt")
    session.chdir("example_project")
    session.run("python", "-m", "pytest", "-m", "e2e", *session.posargs)


@nox.session(python="3.11")
def docs(session):
    """Build the HTML docs with warnings as errors into docs/_build/html."""
    session.install("-r", "requirements/test.txt")
    session.run("python", "-m", "sphinx", "-W", "--keep-going", "-b", "html", "docs", "docs/_build/html")


@nox.session(python="3.11")
def lint(session):
    """ruff (lint and formatting) and import-linter (the packages' boundaries)."""
    session.install("ruff>=0.8", "import-linter>=2.1", "-e", "packages/django-elearning-users")
    session.install("-e", "packages/django-elearning-courses", "-e", "packages/django-elearning-chat")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("lint-imports")


@nox.session(python="3.11")
def build(session):
    """Build every package's sdist and wheel into dist/ and check them with twine."""
    session.install("build>=1.2", "twine>=5.1")
    dist = ROOT / "dist"
    shutil.rmtree(dist, ignore_errors=True)
    for name in PACKAGES:
        session.run("python", "-m", "build", "--outdir", str(dist), f"packages/django-elearning-{name}")
    session.run("twine", "check", "--strict", *[str(p) for p in sorted(dist.iterdir())])


@nox.session(python="3.11")
def fresh_sites(session):
    """Host sites made with `django-admin startproject` from the built wheels, as the install
    pages tell (tests/fresh_sites): pyenv's Pythons 3.11-3.13 and Chromium at /usr/bin/chromium.
    `-- -k chat` runs one scenario."""
    session.install("pytest>=8.3", "playwright>=1.48", "websockets>=13", "build>=1.2", "twine>=5.1")
    session.run("python", "-m", "pytest", "-q", "tests/fresh_sites", *session.posargs)


@nox.session(python="3.11")
def bench(session):
    """Run the benchmarks (prints numbers beside their baselines; never a pass/fail gate)."""
    session.install("-r", "requirements/test.txt")
    for script in sorted((ROOT / "benchmarks").glob("*.py")):
        if not script.name.startswith("_"):
            # chat_storm's default run takes more than 5 minutes: its smoke test here.
            quick = ["--quick"] if script.name == "chat_storm.py" and not session.posargs else []
            session.run("python", str(script), *session.posargs, *quick)


@nox.session(python=False)
def assets(session):
    """Refresh the vendored Bootstrap, SortableJS, Chart.js and axe-core from npm (versions in package.json).

    The users and chat apps each ship a copy for their standalone layouts (chat depends on
    neither other app); the demo site uses the users app's. Source-map comments are
    dropped: the maps are not shipped, and ManifestStaticFilesStorage would look for them.
    """
    session.chdir("example_project")
    session.run("npm", "install", "--no-audit", "--no-fund", external=True)
    dist = ROOT / "example_project" / "node_modules" / "bootstrap" / "dist"
    for app in ("users", "chat"):
        vendor = ROOT / "packages" / f"django-elearning-{app}" / "src" / f"elearning_{app}" / "static"
        vendor = vendor / f"elearning_{app}" / "vendor" / "bootstrap"
        vendor.mkdir(parents=True, exist_ok=True)
        for name in ("css/bootstrap.min.css", "js/bootstrap.bundle.min.js"):
            lines = (dist / name).read_text().splitlines(keepends=True)
            kept = [line for line in lines if "sourceMappingURL=" not in line]
            (vendor / Path(name).name).write_text("".join(kept))
        shutil.copy(dist.parent / "LICENSE", vendor / "LICENSE")
    # SortableJS, the drag and drop of the courses app's content builder.
    sortable = ROOT / "example_project" / "node_modules" / "sortablejs"
    vendor = ROOT / "packages" / "django-elearning-courses" / "src" / "elearning_courses" / "static"
    vendor = vendor / "elearning_courses" / "vendor" / "sortablejs"
    vendor.mkdir(parents=True, exist_ok=True)
    for name in ("Sortable.min.js", "LICENSE"):
        shutil.copy(sortable / name, vendor / name)
    # Chart.js (UMD build: a plain script, no eval, no injected styles), the analytics charts.
    chartjs = ROOT / "example_project" / "node_modules" / "chart.js"
    vendor = ROOT / "packages" / "django-elearning-courses" / "src" / "elearning_courses" / "static"
    vendor = vendor / "elearning_courses" / "vendor" / "chartjs"
    vendor.mkdir(parents=True, exist_ok=True)
    lines = (chartjs / "dist" / "chart.umd.min.js").read_text().splitlines(keepends=True)
    (vendor / "chart.umd.min.js").write_text(
        "".join(line for line in lines if "sourceMappingURL=" not in line)
    )
    shutil.copy(chartjs / "LICENSE.md", vendor / "LICENSE.md")
    # axe-core, for the accessibility browser tests only (never served by the apps).
    axe = ROOT / "example_project" / "node_modules" / "axe-core"
    vendor = ROOT / "example_project" / "tests" / "e2e" / "vendor" / "axe-core"
    vendor.mkdir(parents=True, exist_ok=True)
    for name in ("axe.min.js", "LICENSE"):
        shutil.copy(axe / name, vendor / name)
