"""benchmarks/load.py keeps working: a tiny run (4 sockets, 2 HTTP users, 3 s) on
PostgreSQL and Redis, with no server error and no lost chat message. No timing is asserted.
About 40 s (the run migrates a fresh database)."""

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

pytestmark = pytest.mark.redis

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def test_load_script_runs_clean(tmp_path):
    # The script creates (and drops) its own database on the server: connect to "postgres".
    database_url = os.environ.get("DATABASE_URL", "")
    if database_url.startswith(("postgres://", "postgresql://")):
        database_url = urlunsplit(urlsplit(database_url)._replace(path="/postgres"))
    else:
        database_url = "postgres://postgres@127.0.0.1:5432/postgres"
    out = tmp_path / "load.json"
    run = subprocess.run(
        [sys.executable, "load.py", "--seconds", "3", "--rooms", "2", "--per-room", "2", "--http-users", "2"]
        + ["--settle", "0.5", "--drain", "2", "--split", "--rounds", "2", "--json", str(out)]
        + ["--database-url", database_url, "--redis-url", os.environ["REDIS_URL"]],
        cwd=BENCHMARKS,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    rows = json.loads(out.read_text())
    assert [r["mode"] for r in rows] == ["shared", "split"]
    for row in rows:
        assert row["rounds"] == 2 and row["rss_after_first_mb"] > 0, row
        assert row["connected"] == 4, row
        assert row["server_errors"] == 0, row
        assert row["sent"] > 0 and row["lost"] == 0, row
        assert row["http_requests"] > 0 and row["http_5xx"] == 0, row


def test_storm_script_runs_clean():
    """benchmarks/chat_storm.py keeps working: storms of 20 sockets, 20 held in 2 rooms for
    2 s, the costs phase; every socket back, nothing lost, every figure printed. No timing
    is asserted. About 40 s."""
    database_url = os.environ.get("DATABASE_URL", "")
    if database_url.startswith(("postgres://", "postgresql://")):
        database_url = urlunsplit(urlsplit(database_url)._replace(path="/postgres"))
    else:
        database_url = "postgres://postgres@127.0.0.1:5432/postgres"
    run = subprocess.run(
        [sys.executable, "chat_storm.py", "--storm", "20", "--hold-sockets", "20", "--rooms", "2"]
        + ["--hold-seconds", "2", "--settle", "2", "--idle", "0.5", "--workers", "1"]
        + ["--database-url", database_url, "--redis-url", os.environ["REDIS_URL"]],
        cwd=BENCHMARKS,
        capture_output=True,
        text=True,
        timeout=300,
    )
    out = run.stdout
    assert run.returncode == 0, out + run.stderr
    rows = [line.split() for line in out.splitlines() if line.startswith(("chat, ", "bare "))]
    assert len(rows) == 3, out  # one user, distinct users, bare
    for row in rows:
        n, failed = (row[3], row[4]) if row[0] == "chat," else (row[2], row[3])
        assert (n, failed) == ("20", "0"), out
    assert "hold: 20 sockets over 2 rooms (20 connected" in out, out
    assert "lost 0 " in out, out
    for figure in ("by send time", "server garbage collections", "event-loop stalls", "connect to a room"):
        assert figure in out, figure
