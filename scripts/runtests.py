"""Run the whole test suite.

1. every package's own suite and the demo site's suite on SQLite + the in-memory layer;
2. the same on PostgreSQL + Redis;
3. each package alone, installed from its wheel, on the oldest and newest Python x Django (tox);
4. the browser tests (Chromium + real Daphne processes, PostgreSQL + Redis);
5. repository checks: docs build, wheels, migrations, system checks, lint, import contracts;
6. fresh host sites: the wheels installed into `startproject` sites, checked in Chromium.

Steps 1-2 run in one lane, steps 3-6 in another, side by side (one per core); each pass
has a budget in minutes (see ``Run``) and prints its output whole when it ends.

Usage: python scripts/runtests.py [--fast] [extra pytest args]
  --fast   only step 1 (needs no services)
Environment: TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test),
TEST_REDIS_URL (default redis://127.0.0.1:6379/0): the servers there are used when they
answer, else throw-away ones are started for the run (scripts/services.py); TOX_ENVS (tox
environments of step 3, empty to leave it out). With CI set, a skipped test fails the run.
Ctrl+C or SIGTERM interrupts the running pass, lets it clean up, then stops started servers.
"""

import contextlib
import dataclasses
import glob
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urlparse, urlunparse

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


def other_redis_db(url):
    """The same Redis server, the next database number (``/0`` -> ``/1``)."""
    parsed = urlparse(url)
    db = int(parsed.path.strip("/") or 0)
    return urlunparse(parsed._replace(path=f"/{db + 1}"))


class Lanes:
    """Runs the passes of each lane one after the other, the lanes side by side.

    Each pass runs in its own process group with its output in a log file; when it ends,
    its output is printed whole (lanes never interleave lines) with its duration; with a
    single lane (``--fast``) the output streams as it comes. If the
    runner is interrupted (Ctrl+C, SIGTERM), every running pass gets one SIGINT for the
    whole group (pytest, its Daphne processes, the browser) and time to clean up before
    the servers it uses are stopped. A pass over its budget is interrupted the same way.
    """

    def __init__(self, runs, logs, stream=False):
        self.runs = runs
        self.stream = stream
        self.logs = logs
        self.lock = threading.Lock()
        self.procs = {}
        self.stopping = threading.Event()
        self.failed = []

    def say(self, text):
        with self.lock:
            print(text, flush=True)

    def lane(self, number):
        for i, run in enumerate(self.runs):
            if run.lane != number or self.stopping.is_set():
                continue
            self.run(i, run)

    def run(self, i, run):
        log_path = self.logs / f"{i:02d}.log"
        if self.stream:
            self.say(f"\n==> {run.label}")
        else:
            self.say(f"==> started: {run.label} (budget {run.budget} min)")
        started = time.monotonic()
        with contextlib.nullcontext() if self.stream else open(log_path, "w") as log:
            output = {} if self.stream else {"stdout": log, "stderr": subprocess.STDOUT}
            proc = subprocess.Popen(run.cmd, cwd=run.cwd, env=run.env, process_group=0, **output)
            with self.lock:
                self.procs[i] = proc
                # Started after stop() had collected the running passes: interrupt it too.
                late = self.stopping.is_set()
            if late:
                self.interrupt(proc)
            try:
                code = proc.wait(timeout=run.budget * 60)
                over = False
            except subprocess.TimeoutExpired:
                over = True
                self.interrupt(proc)
                code = proc.returncode
            with self.lock:
                self.procs.pop(i, None)
        minutes = (time.monotonic() - started) / 60
        verdict = "passed" if code == 0 else f"FAILED (exit {code})"
        if over:
            verdict = f"FAILED: over its budget of {run.budget} min, interrupted"
        with self.lock:
            if not self.stream:
                print(f"\n==> {run.label}", flush=True)
                sys.stdout.write(log_path.read_text(errors="replace"))
            print(f"==> {run.label}: {verdict} in {minutes:.1f} min", flush=True)
            if code != 0 or over:
                self.failed.append((run.label, code))

    @staticmethod
    def interrupt(proc):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()

    def stop(self):
        self.stopping.set()
        with self.lock:
            procs = list(self.procs.values())
        for proc in procs:
            self.interrupt(proc)


def run_lanes(runs):
    """Run every pass; return ``[(label, exit code)]`` of those that failed."""
    numbers = sorted({run.lane for run in runs})
    lanes = Lanes(runs, Path(tempfile.mkdtemp(prefix="elearning-logs-")), stream=len(numbers) == 1)
    threads = [threading.Thread(target=lanes.lane, args=(n,), daemon=True) for n in numbers]
    for thread in threads:
        thread.start()
    try:
        for thread in threads:
            while thread.is_alive():
                thread.join(timeout=1)
    except BaseException:
        with services.signals_ignored():
            lanes.stop()
            for thread in threads:
                thread.join()
        raise
    return lanes.failed


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


@dataclasses.dataclass
class Run:
    """One pass of the suite: a command run in ``cwd`` with ``env``.

    ``lane`` 0 or 1: the two lanes run side by side (one per core), each pass of a lane
    after the other. ``budget``: minutes after which the pass is interrupted and counted
    as failed, so one stuck pass cannot use up the whole CI job; generous, about twice
    what the pass takes on a quiet machine.
    """

    label: str
    cwd: Path
    env: dict
    cmd: list
    lane: int = 0
    budget: int = 20


def run_suite(argv, database_url, redis_url):
    fast = "--fast" in argv
    extra = [a for a in argv if a != "--fast"]
    reports = Path(tempfile.mkdtemp(prefix="elearning-junit-"))
    # The slowest tests of each pass are printed with it: where its budget goes.
    pytest = [sys.executable, "-m", "pytest", "-q", "--durations=10"]
    base_env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    services_env = {**base_env, "DATABASE_URL": database_url, "REDIS_URL": redis_url}
    # The browser lane's demo servers use groups named like the suites' (chat rooms): a
    # database of their own on the same Redis keeps the two lanes from hearing each other.
    browser_env = {**services_env, "REDIS_URL": other_redis_db(redis_url)}

    runs = []

    def add_suites(label, env, example_marks, budgets):
        for name, budget in zip(PACKAGES, budgets[:3], strict=True):
            runs.append(
                Run(
                    f"{label}: django-elearning-{name}",
                    ROOT / "packages" / f"django-elearning-{name}",
                    env,
                    [*pytest, *extra],
                    budget=budget,
                )
            )
        runs.append(
            Run(
                f"{label}: example_project",
                ROOT / "example_project",
                env,
                [*pytest, "-m", example_marks, *extra],
                budget=budgets[3],
            )
        )

    add_suites("sqlite+memory", base_env, "not e2e and not redis", [5, 10, 10, 15])
    # The courses suite again with a site's own user model (tests/hostuser: a subclass of
    # AbstractElearningUser), so nothing in courses can rely on elearning_users.User.
    runs.append(
        Run(
            "sqlite+memory: django-elearning-courses, host-defined user model",
            ROOT / "packages" / "django-elearning-courses",
            base_env,
            [*pytest, "--ds=tests.settings_hostuser", *extra],
            budget=10,
        )
    )
    if not fast:
        add_suites("postgresql+redis", services_env, "not e2e", [5, 10, 10, 20])
        # Lane 1: the browser, the packaging and the fresh sites.
        runs.append(
            Run(
                "browser: Chromium + Daphne on postgresql+redis",
                ROOT / "example_project",
                browser_env,
                [*pytest, "-m", "e2e", *extra],
                lane=1,
                budget=25,
            )
        )
        if TOX_ENVS:
            tox_env = {**base_env, "TOX_JUNIT_DIR": str(reports), "PATH": interpreters_path()}
            runs.append(
                Run(
                    f"packages from wheels, in isolation ({TOX_ENVS})",
                    ROOT,
                    tox_env,
                    [sys.executable, "-m", "tox", "-q", "-e", TOX_ENVS],
                    lane=1,
                    budget=20,
                )
            )
        runs.append(
            Run(
                "repository: docs, wheels, migrations, checks, lint",
                ROOT / "tests",
                base_env,
                [*pytest, *extra],
                lane=1,
                budget=10,
            )
        )
        # startproject sites wired as the install pages say, from the built wheels, in
        # Chromium (the `fresh_sites` nox session); pytest args would deselect its scenarios.
        runs.append(
            Run(
                "fresh host sites from the wheels",
                ROOT / "tests",
                base_env,
                [*pytest, "fresh_sites"],
                lane=1,
                budget=15,
            )
        )

    for i, run in enumerate(runs):
        if run.cmd[:3] == pytest[:3]:
            run.cmd = [*run.cmd[:4], f"--junitxml={reports / f'{i:02d}.xml'}", *run.cmd[4:]]
    failed_runs = run_lanes(runs)

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
