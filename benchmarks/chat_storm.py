"""Chat connection-storm benchmark: many sockets opening at once, then many rooms held.

    python benchmarks/chat_storm.py                 # defaults sized for a 2-core machine
    python benchmarks/chat_storm.py --quick         # smoke test, about a minute
    python benchmarks/chat_storm.py --storm 1000 --cases distinct --skip hold,costs --db-threads 0,4
                                                    # the chat's database pool off and on

One invocation creates a throw-away PostgreSQL database (``elearning_storm_<pid>`` on the
server of ``DATABASE_URL``, default postgres://postgres@127.0.0.1:5432/postgres; dropped
afterwards), uses Redis ``REDIS_URL`` (default redis://127.0.0.1:6379/15, a database
number of its own, flushed before and after), seeds users, sessions, rooms and history in
bulk, and then, each case on fresh server processes on free 127.0.0.1 ports:

1. **storm**: for each N of ``--storm`` (default 1000 and 2000), N sockets open at once on
   one room of TWO Daphne processes sharing Redis (the chat, ``/ws/chat/<room>/``), first
   all with ONE user's session, then with N distinct users' sessions, and, beside them, on
   TWO bare ``websockets`` processes (``_storm_bare.py``) that accept and send the same
   history frame. Printed: seconds until every socket is back with its history,
   sockets/s, p50/p99 connect-to-history time, failed handshakes, frames and bytes the
   clients received (history frames apart), server RSS per held socket (``VmRSS`` of both
   server processes, before and while holding), SQL queries and server CPU milliseconds
   per connect (``srv ms``: both processes, the storm and the frames that follow it).
2. **hold**: ``--hold-sockets`` (default 5,000) distinct users over ``--rooms`` (default 100)
   rooms, held for ``--hold-seconds`` (default 60) while one member of each room sends one
   message per second: lost deliveries and p50/p99 delivery latency (one machine-wide
   monotonic clock), RSS per held socket, server CPU while holding idle and while sending.
3. **costs**: SQL queries (counted inside both Daphne processes, ``_storm_asgi.py``) and
   Redis commands (``MONITOR``, this database number only) of one connect and one message.

Clients run in ``--workers`` processes (default: one per core), asyncio and the
``websockets`` client; each reports its CPU use and event-loop lag, and a case is flagged
``client saturated`` when a client process used more than 90% of a core or lagged more
than 100 ms. Targets are printed beside the figures; the script never fails on them
(not a test). Bounded in time, loopback only.
"""

import argparse
import asyncio
import gc
import json
import multiprocessing
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from _net import free_port, stop_processes, wait_for_port  # benchmarks/ is sys.path[0] when run as a script
from chat_fanout import DAPHNE_FLAGS, HERE, PROJECT
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

#: ``--server uvicorn``: Uvicorn with the ``websockets`` implementation, the same frame
#: limits as Daphne's, no lifespan (Channels' router has none) and no access log.
UVICORN_FLAGS = [
    "--ws",
    "websockets",
    "--ws-max-size",
    str(2**20),
    "--lifespan",
    "off",
    "--no-access-log",
    "--log-level",
    "warning",
]
HISTORY_MARKS = (b'"type":"history"', b'"type": "history"')
MESSAGE_MARKS = (b'"type":"message"', b'"type": "message"')
TARGETS_TEXT = {
    "back": "<= 2 s",
    "failed": "0",
    "other_mb": "<= 10 MB",
    "rate": ">= 500/s",
    "rss": "<= 1.2x bare",
    "lost": "0",
    "p99": "< 50 ms",
}

SEED = r"""
import datetime, json, os
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone
from django.utils.crypto import get_random_string
from elearning_chat.models import Message, Room

spec = json.loads(os.environ["STORM_SEED"])
User = get_user_model()
password = make_password("Bench-pass-123")
User.objects.bulk_create(
    [User(username=f"user{i:06d}", password=password, role="student") for i in range(spec["users"])],
    batch_size=1000,
)
users = list(User.objects.order_by("id"))
store, expire, sessions, keys = SessionStore(), timezone.now() + datetime.timedelta(days=1), [], []
backend = "django.contrib.auth.backends.ModelBackend"
for user in users:
    key = get_random_string(32, "abcdefghijklmnopqrstuvwxyz0123456789")
    data = store.encode({SESSION_KEY: str(user.pk), BACKEND_SESSION_KEY: backend,
                         HASH_SESSION_KEY: user.get_session_auth_hash()})
    sessions.append(Session(session_key=key, session_data=data, expire_date=expire))
    keys.append(key)
Session.objects.bulk_create(sessions, batch_size=1000)
rooms = Room.objects.bulk_create([Room(slug=slug, title=slug) for slug in spec["rooms"]])
Message.objects.bulk_create(
    [Message(room=room, author=users[i % len(users)], body=f"Message {i} of {room.slug}: " + "lorem ipsum " * 5)
     for room in rooms for i in range(spec["history"])],
    batch_size=2000,
)
print(json.dumps(keys))
"""


def raise_nofile(want=65536):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = want if hard == resource.RLIM_INFINITY else min(want, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def rss_kb(pids):
    total = 0
    for pid in pids:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total


def cpu_seconds(pids):
    """User + system CPU seconds of the processes ``pids`` so far."""
    total = 0
    for pid in pids:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / os.sysconf("SC_CLK_TCK")


def load_text():
    return "load " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def pct(values, q):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * q))]


# Servers ------------------------------------------------------------------------------


class Site:
    """The throw-away database, the Redis database number and the server processes."""

    def __init__(self, args, tmp):
        self.args = args
        self.tmp = tmp
        self.procs = []
        base = urlsplit(args.database_url)
        self.db_name = f"elearning_storm_{os.getpid()}"
        self.admin_url = args.database_url
        self.db_url = urlunsplit(base._replace(path="/" + self.db_name))
        self.redis_url = args.redis_url
        self.env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
        self.env.update(
            DJANGO_SETTINGS_MODULE="chat_bench_settings",
            # An inherited PYTHONPATH stays (after ours): it may point to another copy of the apps.
            PYTHONPATH=os.pathsep.join(
                [str(HERE), str(PROJECT), *filter(None, [os.environ.get("PYTHONPATH")])]
            ),
            DATABASE_URL=self.db_url,
            REDIS_URL=self.redis_url,
            MEDIA_ROOT=str(tmp / "media"),
            PRIVATE_MEDIA_ROOT=str(tmp / "private"),
        )
        self.created = False
        self.server_env = {}  # added to the Daphne processes' environment (--db-threads)

    def use_db_threads(self, threads, waits_dir=None):
        """The next Daphne processes run with ``ELEARNING_CHAT["DB_THREADS"]`` = ``threads``
        (None: the settings' own), through ``db_threads_settings``, which also writes how long
        calls wait for a thread to ``waits_dir`` when given."""
        if threads is None:
            self.server_env = {}
            return
        self.server_env = {
            "DJANGO_SETTINGS_MODULE": "db_threads_settings",
            "BENCH_BASE_SETTINGS": self.env["DJANGO_SETTINGS_MODULE"],
            "BENCH_DB_THREADS": str(threads),
            "PYTHONPATH": os.pathsep.join([str(HERE), self.env["PYTHONPATH"]]),
        }
        if waits_dir is not None:
            self.server_env["BENCH_WAITS_DIR"] = str(waits_dir)

    def _admin(self, sql):
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(sql)

    def _flush_redis(self):
        import redis

        redis.Redis.from_url(self.redis_url).flushdb()

    def create(self, users, rooms, history):
        self._admin(f'CREATE DATABASE "{self.db_name}"')
        self.created = True
        self._flush_redis()
        manage = [sys.executable, "manage.py"]
        subprocess.run(
            [*manage, "migrate", "--noinput"], cwd=PROJECT, env=self.env, check=True, capture_output=True
        )
        env = {**self.env, "STORM_SEED": json.dumps({"users": users, "rooms": rooms, "history": history})}
        out = subprocess.run(
            [*manage, "shell", "-c", SEED], cwd=PROJECT, env=env, check=True, capture_output=True, text=True
        ).stdout
        return json.loads(out.strip().splitlines()[-1])

    def daphnes(self, count=2):
        """``count`` Daphne processes on the chat (``_storm_asgi``): (urls, pids, ports)."""
        urls, procs, ports = [], [], []
        for _ in range(count):
            port = free_port()
            log = open(self.tmp / f"daphne-{port}.log", "w")  # noqa: SIM115
            if self.args.server == "uvicorn":  # the same application on another ASGI server
                cmd = [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    *UVICORN_FLAGS,
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                ]
            else:
                cmd = [sys.executable, "-m", "daphne", *DAPHNE_FLAGS, "-b", "127.0.0.1", "-p", str(port)]
            proc = subprocess.Popen(
                [*cmd, "_storm_asgi:application"],
                cwd=HERE,
                env={**self.env, **self.server_env},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            self.procs.append(proc)
            procs.append(proc)
            ports.append(port)
            urls.append(f"ws://127.0.0.1:{port}")
        for port, proc in zip(ports, procs, strict=True):
            try:
                wait_for_port(port, proc)
            except RuntimeError as exc:
                tail = (self.tmp / f"daphne-{port}.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"{exc}; Daphne's log ends with:\n{tail}") from None
        return urls, [p.pid for p in procs], ports

    def bares(self, history_file, count=2):
        urls, procs, ports = [], [], []
        for _ in range(count):
            port = free_port()
            proc = subprocess.Popen(
                [sys.executable, str(HERE / "_storm_bare.py"), str(port), str(history_file)]
            )
            self.procs.append(proc)
            procs.append(proc)
            ports.append(port)
            urls.append(f"ws://127.0.0.1:{port}")
        for port, proc in zip(ports, procs, strict=True):
            wait_for_port(port, proc)
        return urls, [p.pid for p in procs], ports

    def stop_servers(self):
        stop_processes(self.procs)
        self.procs = []

    def daphne_log_tail(self, lines=3):
        """Last lines of the Daphne logs that mention an error (for the report)."""
        found = []
        for log in sorted(self.tmp.glob("daphne-*.log")):
            found += [
                line.rstrip() for line in log.read_text(errors="replace").splitlines() if "Error" in line
            ]
        return found[-lines:]

    def destroy(self):
        self.stop_servers()
        if self.created:
            try:
                self._admin(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
            except Exception as exc:  # report, keep cleaning up
                print(f"could not drop {self.db_name}: {exc}", file=sys.stderr)
        try:
            self._flush_redis()
        except Exception as exc:
            print(f"could not flush {self.redis_url}: {exc}", file=sys.stderr)


def server_stats(ports):
    """What each server process reports at ``/_storm/queries`` (``_storm_asgi``)."""
    found = []
    for port in ports:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_storm/queries", timeout=10) as resp:
            found.append(json.load(resp))
    return found


def query_count(ports, stats=None):
    """SQL queries the server processes ran so far (from ``stats`` when read already)."""
    return sum(data["queries"] for data in (stats if stats is not None else server_stats(ports)))


def gc_stats(stats):
    """Per generation ``[collections, total ms, longest ms]`` of the server processes so far
    (longest: the worst of the processes), and under ``"stalls"`` their event loops' stalls
    (``[count, total ms, ms of it in collections, longest ms]``), from :func:`server_stats`."""
    total = {"stalls": [0, 0.0, 0.0, 0.0]}
    for data in stats:
        stalls = data["stalls"]
        mine = total["stalls"]
        mine[0] += stalls["count"]
        mine[1] += stalls["ms"]
        mine[2] += stalls["gc_ms"]
        mine[3] = max(mine[3], stalls["longest"])
        for generation, (count, ms, longest) in data["gc"].items():
            mine = total.setdefault(generation, [0, 0.0, 0.0])
            mine[0] += count
            mine[1] += ms
            mine[2] = max(mine[2], longest)
    return total


def gc_during(before, after):
    """What :func:`gc_stats` grew by (the longest pause is the run's, not the window's)."""
    grown = {g: [after[g][0] - before[g][0], after[g][1] - before[g][1], after[g][2]] for g in after}
    b, a = before["stalls"], after["stalls"]
    grown["stalls"] = [a[0] - b[0], a[1] - b[1], a[2] - b[2], a[3]]
    return grown


# Client side --------------------------------------------------------------------------


def client_opts(headers):
    return {
        "additional_headers": headers,
        "max_size": 2**24,
        "close_timeout": 1,
        "ping_interval": None,
        "compression": None,
    }


def failure_kind(exc):
    if isinstance(exc, InvalidStatus):
        return f"HTTP {exc.response.status_code}"
    if isinstance(exc, TimeoutError):
        return "timeout"
    cause = exc.__cause__ or exc.__context__
    return type(exc).__name__ + (f" ({type(cause).__name__})" if cause else "")


def is_history(raw):
    head = raw[:64]
    return any(mark in head for mark in HISTORY_MARKS)


class LoopWatch:
    """CPU use and worst event-loop lag of a client process."""

    def __init__(self):
        self.lag = 0.0
        self.cpu0 = time.process_time()
        self.wall0 = time.monotonic()
        self.task = asyncio.create_task(self._tick())

    async def _tick(self):
        while True:
            before = time.monotonic()
            await asyncio.sleep(0.05)
            self.lag = max(self.lag, time.monotonic() - before - 0.05)

    def stop(self):
        self.task.cancel()
        wall = max(time.monotonic() - self.wall0, 1e-9)
        return {"cpu": (time.process_time() - self.cpu0) / wall, "lag": self.lag}


async def storm_client(items, start_at, opts, report, release):
    """Open every socket of ``items`` ((url, cookie)) at ``start_at``; count what arrives."""
    raise_nofile()
    await asyncio.sleep(max(0.0, start_at - time.monotonic()))
    watch = LoopWatch()
    recs, sockets = [], []
    state = {"last_frame": time.monotonic()}

    async def one(url, cookie):
        rec = {"err": None, "hist": None, "hist_frames": 0, "hist_bytes": 0, "frames": 0, "bytes": 0}
        recs.append(rec)
        t0 = time.monotonic()
        headers = {"Cookie": f"sessionid={cookie}"} if cookie else {}
        try:
            ws = await connect(url, open_timeout=opts["open_timeout"], **client_opts(headers))
        except Exception as exc:
            rec["err"] = failure_kind(exc)
            return
        sockets.append(ws)
        try:
            while True:
                raw = await ws.recv(decode=False)
                state["last_frame"] = now = time.monotonic()
                if is_history(raw):
                    rec["hist_frames"] += 1
                    rec["hist_bytes"] += len(raw)
                    if rec["hist"] is None:
                        rec["hist"], rec["hist_at"] = now - t0, now
                else:
                    rec["frames"] += 1
                    rec["bytes"] += len(raw)
        except ConnectionClosed as exc:
            if rec["hist"] is None:
                rec["err"] = f"closed {exc.rcvd.code if exc.rcvd else 'abnormally'} before history"

    tasks = [asyncio.create_task(one(url, cookie)) for url, cookie in items]
    deadline = start_at + opts["storm_timeout"]
    while time.monotonic() < deadline:
        if len(recs) == len(items) and all(r["err"] or r["hist"] is not None for r in recs):
            break
        await asyncio.sleep(0.05)
    back_at = time.monotonic()
    load = watch.stop()  # the client's CPU use and lag while the storm was being timed
    # Then wait for the frames that follow the storm (presence) to stop, within a bound.
    settle_end = back_at + opts["settle_max"]
    while time.monotonic() < settle_end and time.monotonic() - state["last_frame"] < opts["quiet"]:
        await asyncio.sleep(0.1)
    still = time.monotonic() - state["last_frame"] < opts["quiet"]
    for rec in recs:
        if rec["err"] is None and rec["hist"] is None:
            rec["err"] = "no history in time"
    report.put({"recs": list(recs), "still_receiving": still, **load})
    await asyncio.to_thread(release.wait, 120)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    async with asyncio.timeout(30):
        await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)


async def hold_client(rooms, opts, run, report, go, start_value, done_q):
    """Hold the sockets of ``rooms`` ({room: [(url, cookie), ...]}); the first member of
    each room sends one message every 1/rate s once ``go`` is set."""
    raise_nofile()
    sem = asyncio.Semaphore(opts["ramp"])
    members = {room: [] for room in rooms}  # room -> [(ws, got set)]
    failed = Counter()
    lat = []
    state = {"last_frame": time.monotonic()}
    closed = Counter()

    async def reader(room, ws, got):
        try:
            while True:
                raw = await ws.recv(decode=False)
                state["last_frame"] = now = time.monotonic()
                if not any(mark in raw[:40] for mark in MESSAGE_MARKS):
                    continue
                try:
                    payload = json.loads(json.loads(raw)["body"])
                except (ValueError, KeyError, TypeError):
                    continue
                if not isinstance(payload, dict) or payload.get("r") != run or payload["s"] in got:
                    continue
                got.add(payload["s"])
                lat.append((payload["t"], now - payload["t"]))
        except ConnectionClosed as exc:
            closed[exc.rcvd.code if exc.rcvd else "abnormal"] += 1

    async def open_one(room, url, cookie):
        async with sem:
            try:
                ws = await connect(
                    url, open_timeout=opts["open_timeout"], **client_opts({"Cookie": f"sessionid={cookie}"})
                )
            except Exception as exc:
                failed[failure_kind(exc)] += 1
                return None
        got = set()
        members[room].append((ws, got))
        return asyncio.create_task(reader(room, ws, got))

    t0 = time.monotonic()
    opened = await asyncio.gather(
        *(open_one(room, url, cookie) for room, items in rooms.items() for url, cookie in items)
    )
    readers = [t for t in opened if t is not None]
    connect_s = time.monotonic() - t0
    settle_end = time.monotonic() + opts["settle_max"]
    while time.monotonic() < settle_end and time.monotonic() - state["last_frame"] < opts["quiet"]:
        await asyncio.sleep(0.1)
    still = time.monotonic() - state["last_frame"] < opts["quiet"]
    report.put({"connected": len(readers), "failed": dict(failed), "connect_s": connect_s, "still": still})
    # The sockets held are long-lived: this client's collections skip them, so that its own
    # pauses do not count as delivery latency.
    gc.collect()
    gc.freeze()
    await asyncio.to_thread(go.wait, 300)
    start = start_value.value
    watch = LoopWatch()
    sent = Counter()
    lat.clear()
    count = int(opts["seconds"] * opts["rate"])
    room_list = sorted(members)

    async def sender(index, room):
        if not members[room]:
            return
        ws = members[room][0][0]
        offset = index / max(len(room_list), 1) / opts["rate"] + opts["offset"]
        for seq in range(count):
            delay = start + offset + seq / opts["rate"] - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            try:
                await ws.send(
                    json.dumps(
                        {"type": "message", "body": json.dumps({"r": run, "s": seq, "t": time.monotonic()})}
                    )
                )
            except ConnectionClosed:
                return
            sent[room] += 1

    await asyncio.gather(*(sender(i, room) for i, room in enumerate(room_list)))

    def expected():
        return sum(len(members[room]) * sent[room] for room in members)

    def received():
        return sum(len(got) for items in members.values() for _, got in items)

    grace_end = time.monotonic() + opts["grace"]
    while time.monotonic() < grace_end and received() < expected():
        await asyncio.sleep(0.1)
    load = watch.stop()
    done_q.put(
        {
            "expected": expected(),
            "received": received(),
            "sent": sum(sent.values()),
            "lat": lat,
            "start": start,
            "closed": dict(closed),
            **load,
        }
    )
    await asyncio.to_thread(go.wait, 1)
    for task in readers:
        task.cancel()
    await asyncio.gather(*readers, return_exceptions=True)
    async with asyncio.timeout(30):
        await asyncio.gather(
            *(ws.close() for items in members.values() for ws, _ in items), return_exceptions=True
        )


def storm_process(*args):
    asyncio.run(storm_client(*args))


def hold_process(*args):
    asyncio.run(hold_client(*args))


# Phases -------------------------------------------------------------------------------


def warm_up(urls, path, cookie):
    """One socket per server process (imports, first queries); returns a history frame."""

    async def one(url):
        headers = {"Cookie": f"sessionid={cookie}"} if cookie else {}
        async with connect(url + path, open_timeout=30, **client_opts(headers)) as ws:
            async with asyncio.timeout(30):
                while True:
                    raw = await ws.recv(decode=False)
                    if is_history(raw):
                        return raw

    async def all_():
        return await asyncio.gather(*(one(url) for url in urls))

    frames = asyncio.run(all_())
    time.sleep(1.0)
    return frames[0]


def run_storm(label, urls, pids, ports, path, cookies, args):
    """N sockets at once; ``cookies`` is one per socket (None for the bare server)."""
    n = len(cookies)
    ctx = multiprocessing.get_context("spawn")
    report, release = ctx.Queue(), ctx.Event()
    items = [(urls[i % len(urls)] + path, cookies[i]) for i in range(n)]
    shares = [items[w :: args.workers] for w in range(args.workers)]
    opts = {
        "open_timeout": args.open_timeout,
        "storm_timeout": args.storm_timeout,
        "settle_max": args.settle,
        "quiet": 1.0,
    }
    q0 = query_count(ports) if ports else None
    rss0 = rss_kb(pids)
    cpu0 = cpu_seconds(pids)
    start_at = time.monotonic() + 3.0  # the client processes start meanwhile
    procs = [
        ctx.Process(target=storm_process, args=(share, start_at, opts, report, release))
        for share in shares
        if share
    ]
    for proc in procs:
        proc.start()
    outs = []
    try:
        for _ in procs:
            outs.append(report.get(timeout=args.storm_timeout + args.settle + 60))
        rss1 = rss_kb(pids)
        cpu1 = cpu_seconds(pids)
        q1 = query_count(ports) if ports else None
    finally:
        release.set()
        for proc in procs:
            proc.join(timeout=60)
            if proc.is_alive():
                proc.kill()
    recs = [r for o in outs for r in o["recs"]]
    ok = [r for r in recs if r["err"] is None]
    times = [r["hist"] for r in ok]
    # Seconds from the common start until the last socket had its history.
    all_back = max((r["hist_at"] - start_at for r in ok), default=float("nan"))
    failures = Counter(r["err"] for r in recs if r["err"])
    row = {
        "case": label,
        "n": n,
        "ok": len(ok),
        "failed": n - len(ok),
        "failures": dict(failures),
        "back": all_back,
        "rate": len(ok) / all_back if ok and all_back > 0 else 0.0,
        "p50": statistics.median(times) * 1000 if times else float("nan"),
        "p99": pct(times, 0.99) * 1000,
        "hist_frames": sum(r["hist_frames"] for r in recs),
        "hist_mb": sum(r["hist_bytes"] for r in recs) / 1e6,
        "frames": sum(r["frames"] for r in recs),
        "other_mb": sum(r["bytes"] for r in recs) / 1e6,
        # Per socket back with its history (per attempt when none came back).
        "rss_kb": (rss1 - rss0) / len(ok) if ok else float("nan"),
        "queries": (q1 - q0) / max(n, 1) if q0 is not None else None,
        "cpu_ms": (cpu1 - cpu0) * 1000 / max(n, 1),
        "cpu": max(o["cpu"] for o in outs),
        "lag": max(o["lag"] for o in outs) * 1000,
        "still": any(o["still_receiving"] for o in outs),
        "load": load_text(),
    }
    # The client delayed its own reading by up to ``lag``: client-bound when that is a
    # tenth of the time measured, or when a client process was busy most of the time.
    row["saturated"] = row["cpu"] > 0.8 or row["lag"] > 100 * row["back"]
    return row


def run_hold(site, keys, rooms, args):
    urls, pids, ports = site.daphnes()
    try:
        warm_up(urls, f"/ws/chat/{rooms[0]}/", keys[0])
        ctx = multiprocessing.get_context("spawn")
        report, done_q, go = ctx.Queue(), ctx.Queue(), ctx.Event()
        start_value = ctx.Value("d", 0.0)
        run = uuid.uuid4().hex[:8]
        by_room = {room: [] for room in rooms}
        for j in range(args.hold_sockets):
            room = rooms[j % len(rooms)]
            by_room[room].append((urls[j % len(urls)] + f"/ws/chat/{room}/", keys[j % len(keys)]))
        shares = [{room: by_room[room] for room in rooms[w :: args.workers]} for w in range(args.workers)]
        opts = {
            "ramp": args.ramp,
            "open_timeout": args.open_timeout,
            "settle_max": args.settle,
            "quiet": 1.0,
            "seconds": args.hold_seconds,
            "rate": args.hold_rate,
            "offset": 0.0,
            "grace": 15.0,  # a delivery later than this after the last send counts as lost
        }
        rss0 = rss_kb(pids)
        q0 = query_count(ports)
        procs = [
            ctx.Process(target=hold_process, args=(share, opts, run, report, go, start_value, done_q))
            for share in shares
            if share
        ]
        for proc in procs:
            proc.start()
        try:
            ready = [report.get(timeout=args.hold_sockets / 20 + args.settle + 120) for _ in procs]
            rss1 = rss_kb(pids)
            # The servers may still be working through the fill (presence, database queue)
            # after the clients saw their last frame: wait until both are idle, bounded.
            t_wait = time.monotonic()
            while time.monotonic() - t_wait < args.settle * 4:
                c0 = cpu_seconds(pids)
                time.sleep(1.0)
                if cpu_seconds(pids) - c0 < 0.1:
                    break
            server_settle = time.monotonic() - t_wait
            # Idle: the sockets are held, nothing is sent.
            idle0, t_idle = cpu_seconds(pids), time.monotonic()
            time.sleep(args.idle)
            idle_cpu = (cpu_seconds(pids) - idle0) / (time.monotonic() - t_idle)
            stats = server_stats(ports)
            q1, gc1 = query_count(ports, stats), gc_stats(stats)
            start_value.value = time.monotonic() + 1.0
            go.set()
            busy0 = cpu_seconds(pids)
            done = [done_q.get(timeout=args.hold_seconds + 120) for _ in procs]
            busy_cpu = (cpu_seconds(pids) - busy0) / (time.monotonic() - start_value.value)
            stats = server_stats(ports)
            q2, gc2 = query_count(ports, stats), gc_stats(stats)
        finally:
            go.set()
            for proc in procs:
                proc.join(timeout=60)
                if proc.is_alive():
                    proc.kill()
        connected = sum(r["connected"] for r in ready)
        start = start_value.value
        third = args.hold_seconds / 3
        first = [x for d in done for t, x in d["lat"] if t - start < third]
        last = [x for d in done for t, x in d["lat"] if t - start >= 2 * third]
        lat = [x for d in done for _, x in d["lat"]]
        failures = Counter()
        for r in ready:
            failures.update(r["failed"])
        closed = Counter()
        for d in done:
            closed.update(d["closed"])
        expected = sum(d["expected"] for d in done)
        received = sum(d["received"] for d in done)
        sent = sum(d["sent"] for d in done)
        return {
            "sockets": args.hold_sockets,
            "rooms": len(rooms),
            "connected": connected,
            "failures": dict(failures),
            "connect_s": max(r["connect_s"] for r in ready),
            "still": any(r["still"] for r in ready),
            "server_settle": server_settle,
            "idle_cpu": idle_cpu,
            "busy_cpu": busy_cpu,
            "rss_kb": (rss1 - rss0) / max(connected, 1),
            "connect_queries": (q1 - q0) / max(connected, 1),
            "queries_per_msg": (q2 - q1) / max(sent, 1),
            "sent": sent,
            "expected": expected,
            "received": received,
            "lost": expected - received,
            "closed": dict(closed),
            "deliv_s": received / max(args.hold_seconds, 1e-9),
            "p50": statistics.median(lat) * 1000 if lat else float("nan"),
            "p99": pct(lat, 0.99) * 1000,
            "max": max(lat, default=float("nan")) * 1000,
            "windows": latency_windows(done, start, args.hold_seconds),
            "gc": gc_during(gc1, gc2),
            "p50_first": statistics.median(first) * 1000 if first else float("nan"),
            "p50_last": statistics.median(last) * 1000 if last else float("nan"),
            "cpu": max(d["cpu"] for d in done),
            "lag": max(d["lag"] for d in done) * 1000,
            "load": load_text(),
        }
    finally:
        site.stop_servers()


def latency_windows(done, start, seconds, width=5.0):
    """``(from s, p50 ms, p99 ms, deliveries)`` per ``width`` seconds of sending (by send
    time): a periodic stall (a heartbeat's burst) shows as a window of its own."""
    windows = []
    at = 0.0
    while at < seconds:
        lat = [x for d in done for t, x in d["lat"] if at <= t - start < at + width]
        if lat:
            windows.append((at, statistics.median(lat) * 1000, pct(lat, 0.99) * 1000, len(lat)))
        at += width
    return windows


class RedisMonitor:
    """Counts the Redis commands run on one database number (``MONITOR``, in a thread)."""

    def __init__(self, url):
        import redis

        self.db = int(urlsplit(url).path.strip("/") or 0)
        self.client = redis.Redis.from_url(url)
        self.counts = Counter()
        self.lock = threading.Lock()
        self.stopped = False
        self.monitor = self.client.monitor()
        self.conn = self.monitor.__enter__()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        try:
            while not self.stopped:
                cmd = self.conn.next_command()
                if cmd.get("db") != self.db:
                    continue
                name = cmd["command"].split(" ", 1)[0].strip('"').upper()
                with self.lock:
                    self.counts[name] += 1
        except Exception:
            pass

    def snapshot(self):
        time.sleep(0.3)  # let MONITOR's stream catch up
        with self.lock:
            return Counter(self.counts)

    def close(self):
        self.stopped = True
        try:
            self.conn.connection.disconnect()
        except Exception:
            pass


def run_costs(site, keys, room, args):
    """SQL queries and Redis commands of one connect and one message, two processes."""
    urls, pids, ports = site.daphnes()
    path = f"/ws/chat/{room}/"
    results = {}
    monitor = None
    try:
        warm_up(urls, "/ws/chat/lobby/", keys[-1])

        async def scenario():
            nonlocal monitor
            held = []

            async def step(name, action, repeat=1):
                q0, r0 = query_count(ports), monitor.snapshot()
                await action()
                await asyncio.sleep(1.0)  # presence and other follow-ups
                q1, r1 = query_count(ports), monitor.snapshot()
                diff = r1 - r0
                results[name] = {
                    "queries": (q1 - q0) / repeat,
                    "redis": sum(diff.values()) / repeat,
                    "redis_by": {k: v / repeat for k, v in sorted(diff.items())},
                }

            async def open_socket(url, key):
                ws = await connect(url + path, open_timeout=30, **client_opts({"Cookie": f"sessionid={key}"}))
                async with asyncio.timeout(30):
                    while not is_history(await ws.recv(decode=False)):
                        pass
                held.append(ws)

            monitor = RedisMonitor(site.redis_url)
            await asyncio.sleep(0.5)
            await step("first connect to a room (process 1)", lambda: open_socket(urls[0], keys[0]))
            await step("first connect to a room (process 2)", lambda: open_socket(urls[1], keys[1]))
            repeat = 10

            async def connects():
                for i in range(repeat):
                    await open_socket(urls[i % 2], keys[2 + i])

            await step("connect to a room already open", connects, repeat)

            async def messages():
                for i in range(repeat):
                    await held[0].send(json.dumps({"type": "message", "body": f"cost probe {i}"}))
                    await asyncio.sleep(0.2)

            await step(f"message (room open on 2 processes, {len(held)} sockets)", messages, repeat)

            async def closes():
                for ws in held[2:]:
                    await ws.close()

            await step("disconnect", closes, repeat)
            for ws in held[:2]:
                await ws.close()

        asyncio.run(scenario())
    finally:
        if monitor is not None:
            monitor.close()
        site.stop_servers()
    return results


# Report -------------------------------------------------------------------------------


def print_storm_header():
    print(
        f"{'case':22} {'N':>5} {'failed':>6} {'back s':>7} {'sock/s':>7} {'p50 ms':>7} {'p99 ms':>7} "
        f"{'hist fr':>7} {'other fr':>9} {'other MB':>9} {'KB/cl':>7} {'RSS KB/s':>8} {'q/conn':>6} {'srv ms':>6} "
        f"{'cl cpu':>6} {'lag ms':>6}  load"
    )


def print_storm_row(r):
    queries = f"{r['queries']:.1f}" if r["queries"] is not None else "-"
    flags = (" client saturated" if r["saturated"] else "") + (
        " (still receiving at cut-off)" if r["still"] else ""
    )
    print(
        f"{r['case']:22} {r['n']:>5} {r['failed']:>6} {r['back']:>7.2f} {r['rate']:>7.0f} {r['p50']:>7.0f} "
        f"{r['p99']:>7.0f} {r['hist_frames']:>7} {r['frames']:>9} {r['other_mb']:>9.2f} "
        f"{r['other_mb'] * 1000 / max(r['n'], 1):>7.1f} {r['rss_kb']:>8.1f} {queries:>6} {r['cpu_ms']:>6.1f} "
        f"{r['cpu'] * 100:>5.0f}% {r['lag']:>6.0f}  {r['load']}{flags}",
        flush=True,
    )
    if r["failures"]:
        print(f"{'':22} failures: {r['failures']}", flush=True)


def print_hold(h):
    print(
        f"\nhold: {h['sockets']} sockets over {h['rooms']} rooms ({h['connected']} connected in "
        f"{h['connect_s']:.1f} s, failures {h['failures'] or 0}"
        f"{', frames still arriving when sending began' if h['still'] else ''}; servers idle "
        f"{h['server_settle']:.0f} s later), {h['sent']} messages sent\n"
        f"  deliveries {h['received']}/{h['expected']} ({h['deliv_s']:.0f}/s)  lost {h['lost']}  "
        f"p50 {h['p50']:.1f} ms  p99 {h['p99']:.1f} ms  max {h['max']:.1f} ms  "
        f"closed by server {h['closed'] or 0}\n"
        f"  p50 of messages sent in the first third {h['p50_first']:.1f} ms, in the last third {h['p50_last']:.1f} ms\n"
        f"  RSS {h['rss_kb']:.1f} KB/socket  SQL queries {h['connect_queries']:.1f}/connect, "
        f"{h['queries_per_msg']:.1f}/message  client cpu {h['cpu'] * 100:.0f}% lag {h['lag']:.0f} ms  {h['load']}\n"
        f"  server CPU (both processes, % of one core): {h['idle_cpu'] * 100:.0f}% holding idle, "
        f"{h['busy_cpu'] * 100:.0f}% while sending\n"
        "  by send time (s: p50/p99 ms): "
        + "  ".join(f"{at:.0f}: {p50:.0f}/{p99:.0f}" for at, p50, p99, _n in h["windows"])
        + "\n  server garbage collections while sending (both processes): "
        + ", ".join(
            f"gen{g} {stats[0]} ({stats[1]:.0f} ms, longest so far {stats[2]:.0f} ms)"
            for g, stats in sorted(h["gc"].items())
            if g != "stalls"
        )
        + "\n  server event-loop stalls over 20 ms while sending: {} ({:.0f} ms, {:.0f} ms of it in "
        "collections; longest so far {:.0f} ms)".format(*h["gc"]["stalls"]),
        flush=True,
    )


def print_costs(costs):
    print("\ncosts (2 Daphne processes; Redis commands include those run inside Lua scripts):")
    for name, c in costs.items():
        by = ", ".join(f"{k} {v:g}" for k, v in c["redis_by"].items())
        print(f"  {name:48} SQL {c['queries']:5.1f}  Redis {c['redis']:5.1f}  ({by})")


def summary(storms, hold):
    print("\ntargets (2 Daphne processes, PostgreSQL + Redis):")
    lines = []
    chat = [r for r in storms if not r["case"].startswith("bare")]
    by = {(r["case"], r["n"]): r for r in storms}
    distinct = [r for r in chat if r["case"].startswith("chat, distinct") and r["n"] == 1000] or [
        r for r in chat if r["case"].startswith("chat, distinct")
    ][:1]
    for r in distinct:
        lines.append(
            (
                f"{r['n']} distinct users all back in {r['back']:.2f} s",
                r["back"] <= 2 and r["ok"] == r["n"],
                TARGETS_TEXT["back"],
            )
        )
        lines.append(
            (f"{r['n']} distinct users failed = {r['failed']}", r["failed"] == 0, TARGETS_TEXT["failed"])
        )
        lines.append(
            (
                f"{r['n']} distinct users other MB = {r['other_mb']:.1f}",
                r["other_mb"] <= 10 and r["ok"] == r["n"],
                TARGETS_TEXT["other_mb"],
            )
        )
    if chat:
        worst = min(chat, key=lambda r: r["rate"])
        lines.append(
            (
                f"connect rate (worst: {worst['case']} {worst['n']}) = {worst['rate']:.0f}/s",
                worst["rate"] >= 500,
                TARGETS_TEXT["rate"],
            )
        )
        big = max(r["n"] for r in chat)
        failed = sum(r["failed"] for r in chat if r["n"] == big)
        total = sum(r["n"] for r in chat if r["n"] == big)
        lines.append((f"{big} at once failed = {failed} of {total}", failed == 0, TARGETS_TEXT["failed"]))
        for r in chat:
            bare = by.get(("bare websockets", r["n"]))
            if bare and bare["rss_kb"] > 0 and r["case"] == "chat, one user":
                ratio = r["rss_kb"] / bare["rss_kb"]
                lines.append(
                    (f"RSS/socket at {r['n']} = {ratio:.2f}x bare", ratio <= 1.2, TARGETS_TEXT["rss"])
                )
    if hold:
        lines.append(
            (
                f"hold {hold['sockets']}/{hold['rooms']} rooms lost = {hold['lost']}",
                hold["lost"] == 0,
                TARGETS_TEXT["lost"],
            )
        )
        lines.append((f"hold p99 = {hold['p99']:.1f} ms", hold["p99"] < 50, TARGETS_TEXT["p99"]))
    for text, passed, target in lines:
        print(f"  {text:52} target {target:14} {'met' if passed else 'MISSED'}")


def threads_suffix(threads, sep="-"):
    """Room name and label suffix of a run with DB_THREADS ``threads`` (None: none)."""
    return "" if threads is None else f"{sep}t{threads}"


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--storm", default="1000,2000", help="sockets opened at once, comma-separated")
    parser.add_argument("--cases", default="one,distinct,bare", help="which of one,distinct,bare")
    parser.add_argument("--hold-sockets", type=int, default=5000)
    parser.add_argument("--rooms", type=int, default=100, help="rooms of the hold phase")
    parser.add_argument("--hold-seconds", type=float, default=60.0)
    parser.add_argument("--hold-rate", type=float, default=1.0, help="messages/s per room while holding")
    parser.add_argument(
        "--ramp", type=int, default=25, help="concurrent handshakes per client while filling rooms"
    )
    parser.add_argument("--history", type=int, default=50, help="stored messages per room")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="client processes")
    parser.add_argument("--open-timeout", type=float, default=30.0, help="seconds for one handshake")
    parser.add_argument("--storm-timeout", type=float, default=60.0, help="seconds for a whole storm")
    parser.add_argument(
        "--settle", type=float, default=15.0, help="max seconds to wait for frames after a storm"
    )
    parser.add_argument("--idle", type=float, default=5.0, help="seconds of idle holding measured for CPU")
    parser.add_argument("--skip", default="", help="phases to skip: storm,hold,costs")
    parser.add_argument("--keep-logs", action="store_true", help="keep the servers' logs (prints where)")
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke test of about a minute")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/postgres",
    )
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15")
    parser.add_argument(
        "--server",
        choices=["daphne", "uvicorn"],
        default="daphne",
        help="the chat's ASGI server (uvicorn: a comparison; pip install uvicorn)",
    )
    parser.add_argument(
        "--db-threads",
        help='comma-separated ELEARNING_CHAT["DB_THREADS"] values: each chat storm once per value (0: the old way)',
    )
    args = parser.parse_args(argv)
    try:
        thread_counts = [int(v) for v in args.db_threads.split(",")] if args.db_threads else [None]
    except ValueError:
        parser.error("--db-threads takes integers, e.g. 0,4")
    if args.quick:
        args.storm, args.hold_sockets, args.rooms, args.hold_seconds, args.settle = "200", 300, 10, 5.0, 3.0
        args.idle = 2.0
    sizes = [int(x) for x in args.storm.split(",") if x.strip()]
    cases = [c.strip() for c in args.cases.split(",") if c.strip()]
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        parser.error("DATABASE_URL must point to a PostgreSQL server")
    nofile = raise_nofile()
    storm_rooms = [
        f"storm-{n}-{c}{threads_suffix(t)}"
        for n in sizes
        for c in cases
        if c != "bare"
        for t in thread_counts
    ]
    hold_rooms = [f"hold-{i:03d}" for i in range(args.rooms)]
    users = max([*sizes, args.hold_sockets if "hold" not in skip else 0, 20]) + 1
    print(
        f"{os.cpu_count()} CPUs, {args.workers} client processes, open files {nofile}, "
        f"Daphne flags: {' '.join(DAPHNE_FLAGS)}, {load_text()}",
        flush=True,
    )
    tmp = Path(tempfile.mkdtemp(prefix="elearning-chat-storm-"))
    site = Site(args, tmp)
    storms, hold, costs = [], None, None
    try:
        t0 = time.monotonic()
        keys = site.create(users, storm_rooms + hold_rooms + ["costs"], args.history)
        print(
            f"seeded {users} users and sessions, {len(storm_rooms) + len(hold_rooms) + 1} rooms "
            f"x {args.history} messages in {time.monotonic() - t0:.1f} s",
            flush=True,
        )
        solo = keys[-1]
        if "storm" not in skip:
            print_storm_header()
            for n in sizes:
                history_frame = None
                for case in cases:
                    if case == "bare":
                        if history_frame is None:
                            continue
                        hist_file = tmp / "history.json"
                        hist_file.write_bytes(history_frame)
                        urls, pids, _ = site.bares(hist_file)
                        warm_up(urls, "/", None)
                        row = run_storm("bare websockets", urls, pids, None, "/", [None] * n, args)
                        site.stop_servers()
                        storms.append(row)
                        print_storm_row(row)
                        time.sleep(1.0)
                        continue
                    for threads in thread_counts:  # each on fresh servers and a room of its own
                        site.use_db_threads(threads)
                        urls, pids, ports = site.daphnes()
                        path = f"/ws/chat/storm-{n}-{case}{threads_suffix(threads)}/"
                        history_frame = warm_up(urls, path, solo)
                        cookies = [solo] * n if case == "one" else keys[:n]
                        label = "chat, one user" if case == "one" else "chat, distinct users"
                        row = run_storm(
                            label + threads_suffix(threads, " "), urls, pids, ports, path, cookies, args
                        )
                        site.stop_servers()
                        site.use_db_threads(None)
                        storms.append(row)
                        print_storm_row(row)
                        time.sleep(1.0)
        if "hold" not in skip:
            hold = run_hold(site, keys, hold_rooms, args)
            print_hold(hold)
        if "costs" not in skip:
            costs = run_costs(site, keys, "costs", args)
            print_costs(costs)
        errors = site.daphne_log_tail()
        if errors:
            print("\nlast errors in the Daphne logs:\n  " + "\n  ".join(errors))
    finally:
        site.destroy()
        if args.keep_logs:
            print(f"server logs kept in {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    summary(storms, hold)
    return 0


if __name__ == "__main__":
    sys.exit(main())
