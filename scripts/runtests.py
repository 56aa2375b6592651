"""Run the whole test suite.

1. every package's own suite and the demo site's suite on SQLite + the in-memory layer;
2. the same on PostgreSQL + Redis;
3. each package alone, installed from its wheel, on the oldest and newest Python x Django (tox);
4. the browser tests (Chromium + real Daphne processes, PostgreSQL + Redis);
5. repository checks: docs build, wheels, migrations, system checks, lint, import contracts;
6. fresh host sites: the wheels installed into `startproject` sites, checked in Chromium.

Usage: python scripts/runtests.py [--fast] [extra pytest args]
  --fast   only step 1 (needs no services)
Environment: TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test),
TEST_REDIS_URL (default redis://127.0.0.1:6379/0): the servers there are used when they
answer, else throw-away ones are started for the run (scripts/services.py); TOX_ENVS (tox
environments of step 3, empty to leave it out). With CI set, a skipped test fails the run.
Ctrl+C or SIGTERM interrupts the running pass, lets it clean up, then stops started servers.
"""

import contextlib
import glob
import os
import signal
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

import services

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ["users", "courses", "chat"]
PG_URL = os.environ.get("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
TOX_ENVS = os.environ.get(
    "TOX_ENVS",
    # The oldest and the newest corner of tox.ini's matrix.
    "py311-django52-users,py311-django52-courses,py311-django52-chat,"
    "py313-django61-users,py313-django61-courses,py313-django61-chat",
)


def interpreters_path():
    """Put pyenv's real interpreters on PATH: tox's discovery ignores pyenv shims."""
    root = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    found = sorted(glob.glob(os.path.join(root, "versions", "3.1[1-9]*", "bin")), reverse=True)
    return os.pathsep.join([*found, os.environ.get("PATH", "")])


def call(cmd, cwd, env):
    """Run one pass; if the runner is interrupted, interrupt the pass and let it clean up.

    The pass runs in its own process group, so a terminal's Ctrl+C reaches the runner only;
    the runner passes one SIGINT on to the whole group (pytest, its Daphne processes, the
    browser) and waits for it to finish its teardown before the servers it uses are stopped.
    """
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, process_group=0)
    try:
        return proc.wait()
    except BaseException:
        with services.signals_ignored():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGINT)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        raise


def interrupt(signum, frame):
    raise KeyboardInterrupt


def main(argv):
    """Find or start PostgreSQL and Redis (not for --fast), run the suite, stop what was started."""
    # SIGTERM unwinds like Ctrl+C, so started servers are stopped and their files removed.
    signal.signal(signal.SIGTERM, interrupt)
    if "--fast" in argv:
        servers = contextlib.nullcontext((PG_URL, REDIS_URL))
    else:
        servers = services.provide(PG_URL, REDIS_URL)
    with servers as (database_url, redis_url):
        return run_suite(argv, database_url, redis_url)


def run_suite(argv, database_url, redis_url):
    fast = "--fast" in argv
    extra = [a for a in argv if a != "--fast"]
    reports = Path(tempfile.mkdtemp(prefix="elearning-junit-"))
    pytest = [sys.executable, "-m", "pytest", "-q"]
    base_env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    services_env = {**base_env, "DATABASE_URL": database_url, "REDIS_URL": redis_url}

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
        # startproject sites wired as the install pages say, from the built wheels, in
        # Chromium (the `fresh_sites` nox session); pytest args would deselect its scenarios.
        runs.append(("fresh host sites from the wheels", ROOT / "tests", base_env, [*pytest, "fresh_sites"]))

    failed_runs = []
    for i, (label, cwd, env, cmd) in enumerate(runs):
        print(f"\n==> {label}", flush=True)
        if cmd[:3] == pytest[:3]:
            cmd = [*cmd[:4], f"--junitxml={reports / f'{i:02d}.xml'}", *cmd[4:]]
        code = call(cmd, cwd, env)
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
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        print("\nINTERRUPTED: started servers stopped", file=sys.stderr)
        sys.exit(130)
