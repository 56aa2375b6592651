"""Run the whole test suite.

1. every package's own suite and the demo site's suite on SQLite + the in-memory layer;
2. the same on PostgreSQL + Redis;
3. each package alone, installed from its wheel, on the newest Python x Django (tox);
4. the browser tests (Chromium + real Daphne processes, PostgreSQL + Redis);
5. repository checks: docs build, wheels, migrations, system checks, lint.

Usage: python scripts/runtests.py [--fast] [extra pytest args]
  --fast   only step 1 (needs no services)
Environment: TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test),
TEST_REDIS_URL (default redis://127.0.0.1:6379/0), TOX_ENVS (tox environments of step 3,
empty to leave it out). With CI set, a skipped test fails the run.
"""

import glob
import os
import socket
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ["users", "courses", "chat"]
PG_URL = os.environ.get("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
TOX_ENVS = os.environ.get("TOX_ENVS", "py313-django61-users,py313-django61-courses,py313-django61-chat")


def reachable(url):
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname, parsed.port), timeout=3):
            return True
    except OSError:
        return False


def interpreters_path():
    """Put pyenv's real interpreters on PATH: tox's discovery ignores pyenv shims."""
    root = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    found = sorted(glob.glob(os.path.join(root, "versions", "3.1[1-9]*", "bin")), reverse=True)
    return os.pathsep.join([*found, os.environ.get("PATH", "")])


def main(argv):
    fast = "--fast" in argv
    extra = [a for a in argv if a != "--fast"]
    reports = Path(tempfile.mkdtemp(prefix="elearning-junit-"))
    pytest = [sys.executable, "-m", "pytest", "-q"]
    base_env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    services_env = {**base_env, "DATABASE_URL": PG_URL, "REDIS_URL": REDIS_URL}

    runs = []  # (label, cwd, env, command); each pytest run writes a JUnit report

    def add_suites(label, env, example_marks):
        for name in PACKAGES:
            runs.append(
                (
                    f"{label}: django-elearning-{name}",
                    ROOT / "packages" / f"django-elearning-{name}",
                    env,
                    [*pytest, *extra],
                )
            )
        runs.append(
            (
                f"{label}: example_project",
                ROOT / "example_project",
                env,
                [*pytest, "-m", example_marks, *extra],
            )
        )

    add_suites("sqlite+memory", base_env, "not e2e and not redis")
    # The courses suite again with a site's own user model (tests/hostuser: a subclass of
    # AbstractElearningUser), so nothing in courses can rely on elearning_users.User.
    runs.append(
        (
            "sqlite+memory: django-elearning-courses, host-defined user model",
            ROOT / "packages" / "django-elearning-courses",
            base_env,
            [*pytest, "--ds=tests.settings_hostuser", *extra],
        )
    )
    if not fast:
        add_suites("postgresql+redis", services_env, "not e2e")
        if TOX_ENVS:
            tox_env = {**base_env, "TOX_JUNIT_DIR": str(reports), "PATH": interpreters_path()}
            runs.append(
                (
                    f"packages from wheels, in isolation ({TOX_ENVS})",
                    ROOT,
                    tox_env,
                    [sys.executable, "-m", "tox", "-q", "-p", "2", "-e", TOX_ENVS],
                )
            )
        runs.append(
            (
                "browser: Chromium + Daphne on postgresql+redis",
                ROOT / "example_project",
                services_env,
                [*pytest, "-m", "e2e", *extra],
            )
        )
        runs.append(
            (
                "repository: docs, wheels, migrations, checks, lint",
                ROOT / "tests",
                base_env,
                [*pytest, *extra],
            )
        )
        missing = [u for u in (PG_URL, REDIS_URL) if not reachable(u)]
        if missing:
            print(
                f"ERROR: cannot reach {', '.join(missing)}; start PostgreSQL and Redis "
                "(bash .ci/run does) or use --fast.",
                file=sys.stderr,
            )
            return 2

    failed_runs = []
    for i, (label, cwd, env, cmd) in enumerate(runs):
        print(f"\n==> {label}", flush=True)
        if cmd[:3] == pytest[:3]:
            cmd = [*cmd[:4], f"--junitxml={reports / f'{i:02d}.xml'}", *cmd[4:]]
        code = subprocess.call(cmd, cwd=cwd, env=env)
        if code != 0:
            failed_runs.append((label, code))

    passed = failed = skipped = 0
    for xml in sorted(reports.glob("*.xml")):
        for suite in ET.parse(xml).getroot().iter("testsuite"):
            total = int(suite.get("tests", 0))
            bad = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
            skip = int(suite.get("skipped", 0))
            passed += total - bad - skip
            failed += bad
            skipped += skip
    print()
    for label, code in failed_runs:
        print(f"FAILED RUN: {label} (exit {code})")
    if os.environ.get("CI") and skipped:
        print(f"ERROR: {skipped} test(s) skipped; nothing may be skipped in CI")
        failed_runs.append(("skipped tests", 1))
    if passed == 0:
        print("ERROR: no test ran")
        return 1
    print(f"TOTAL: {passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed_runs or failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
