"""Run the whole test suite: every package's own suite and the demo site's suite,
first on SQLite + the in-memory channel layer, then on PostgreSQL + Redis, then the
browser tests and the repository checks (docs, packaging, migrations).

Usage: python scripts/runtests.py [--fast] [extra pytest args]
  --fast   only the SQLite + in-memory pass (needs no services)
Environment: TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test),
TEST_REDIS_URL (default redis://127.0.0.1:6379/0).
"""

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


def reachable(url):
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname, parsed.port), timeout=3):
            return True
    except OSError:
        return False


def main(argv):
    fast = "--fast" in argv
    extra = [a for a in argv if a != "--fast"]
    reports = Path(tempfile.mkdtemp(prefix="elearning-junit-"))
    base_env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    services_env = {**base_env, "DATABASE_URL": PG_URL, "REDIS_URL": REDIS_URL}
    runs = []
    passes = [("sqlite+memory", base_env)]
    if not fast:
        passes.append(("postgresql+redis", services_env))
    for label, env in passes:
        for name in PACKAGES:
            runs.append(
                (f"{label}: django-elearning-{name}", ROOT / "packages" / f"django-elearning-{name}", env, [])
            )
        runs.append((f"{label}: example_project", ROOT / "example_project", env, ["-m", "not e2e"]))
    if not fast:
        runs.append(
            (
                "browser (Chromium + Daphne, postgresql+redis)",
                ROOT / "example_project",
                services_env,
                ["-m", "e2e"],
            )
        )
        runs.append(("repository: docs, packaging, migrations", ROOT / "tests", base_env, []))

    if not fast:
        missing = [u for u in (PG_URL, REDIS_URL) if not reachable(u)]
        if missing:
            print(
                f"ERROR: cannot reach {', '.join(missing)}; start PostgreSQL and Redis "
                "(bash .ci/run does) or use --fast.",
                file=sys.stderr,
            )
            return 2

    failed_runs = []
    for i, (label, cwd, env, args) in enumerate(runs):
        print(f"\n==> {label}", flush=True)
        xml = reports / f"{i}.xml"
        cmd = [sys.executable, "-m", "pytest", "-q", f"--junitxml={xml}", *args, *extra]
        code = subprocess.call(cmd, cwd=cwd, env=env)
        if code != 0:
            failed_runs.append((label, code))

    passed = failed = skipped = 0
    for xml in sorted(reports.glob("*.xml")):
        for suite in ET.parse(xml).getroot().iter("testsuite"):
            total = int(suite.get("tests", 0))
            f = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
            s = int(suite.get("skipped", 0))
            passed += total - f - s
            failed += f
            skipped += s
    print()
    for label, code in failed_runs:
        print(f"FAILED RUN: {label} (exit {code})")
    if passed == 0:
        print("ERROR: no test ran")
        return 1
    print(f"TOTAL: {passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed_runs or failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
