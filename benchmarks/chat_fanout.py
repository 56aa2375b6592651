"""Chat fan-out benchmark: one sender, N receivers in one room, three servers.

    python benchmarks/chat_fanout.py                    # both modes, 50 receivers
    python benchmarks/chat_fanout.py --mode memory --clients 20

For each mode it starts, on free 127.0.0.1 ports, with the same Daphne flags:

* ``memory``: ONE Daphne process with the in-memory channel layer;
* ``redis``: TWO Daphne processes sharing Redis (``REDIS_URL``, default
  redis://127.0.0.1:6379/0); receivers alternate between them, the sender uses the first.

and measures, on each of them, (a) our chat (``/ws/chat/<room>/``: session auth, room
policy, rate limit, every message stored in the database before it is broadcast),
(b) the Channels tutorial's consumer shape (``fanout_baseline.py``: group member per
socket, no storage, no checks) and (c) a bare ``websockets`` broadcast server
(``fanout_bare.py``, one process). Two phases per server: a burst at a high fixed rate
(fan-out capacity: deliveries per second until the last delivery) and a steady 50
messages/s (end-to-end latency p50/p99). Every receiver checks it got every message once,
in order; ``lost`` counts the rest. Each server/phase uses a fresh room.
The database is a fresh SQLite file (WAL) in a temporary folder. Bounded in time,
loopback only; not part of the test suite.
"""

import argparse
import asyncio
import json
import multiprocessing
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from _net import free_port, stop_processes, wait_for_port  # benchmarks/ is sys.path[0] when run as a script
from websockets.asyncio.client import connect

ROOT = Path(__file__).resolve().parent.parent
PROJECT = ROOT / "example_project"
HERE = Path(__file__).resolve().parent
DAPHNE_FLAGS = ["--websocket-max-message-size", str(2**20), "--websocket-max-frame-size", str(2**20)]
TARGETS = {"memory": (3.0, 0.3), "redis": (2.0, 0.3)}  # chat vs (b), chat vs (c)

SETUP = """
import json
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.sessions.backends.db import SessionStore

out = {}
for name in ("sender", "reader"):
    user = get_user_model().objects.create_user(name, password="Bench-pass-123", role="student")
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    out[name] = store.session_key
print(json.dumps(out))
"""


class Site:
    """A fresh database and the server processes of one mode."""

    def __init__(self, tmp, redis_url):
        self.env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
        self.env.update(
            DJANGO_SETTINGS_MODULE="chat_bench_settings",
            PYTHONPATH=os.pathsep.join([str(HERE), str(PROJECT)]),
            DATABASE_URL=f"sqlite:///{tmp / f'chat-{uuid.uuid4().hex[:6]}.sqlite3'}",
            MEDIA_ROOT=str(tmp / "media"),
            PRIVATE_MEDIA_ROOT=str(tmp / "private"),
        )
        if redis_url:
            self.env["REDIS_URL"] = redis_url
        self.procs = []
        self.tmp = tmp
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput"],
            cwd=PROJECT,
            env=self.env,
            check=True,
            capture_output=True,
        )
        out = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", SETUP],
            cwd=PROJECT,
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        self.sessions = json.loads(out.strip().splitlines()[-1])

    def daphne(self):
        port = free_port()
        log = open(self.tmp / f"daphne-{port}.log", "w")  # noqa: SIM115
        proc = subprocess.Popen(
            [sys.executable, "-m", "daphne", *DAPHNE_FLAGS, "-b", "127.0.0.1", "-p", str(port)]
            + ["chat_bench_asgi:application"],
            cwd=HERE,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.procs.append(proc)
        wait_for_port(port, proc)
        return f"ws://127.0.0.1:{port}"

    def bare(self):
        port = free_port()
        proc = subprocess.Popen([sys.executable, str(HERE / "fanout_bare.py"), str(port)], cwd=HERE)
        self.procs.append(proc)
        wait_for_port(port, proc)
        return f"ws://127.0.0.1:{port}"

    def stop(self):
        stop_processes(self.procs)


# Client side -------------------------------------------------------------------------


def encode(kind, payload):
    text = json.dumps(payload)
    if kind == "chat":
        return json.dumps({"type": "message", "body": text})
    if kind == "baseline":
        return json.dumps({"message": text})
    return text


def decode(kind, raw):
    """The benchmark payload of a received frame, or None for other frames."""
    frame = json.loads(raw)
    if kind == "chat":
        return json.loads(frame["body"]) if frame.get("type") == "message" else None
    if kind == "baseline":
        return json.loads(frame["message"])
    return frame


async def receive_all(ws, kind, run, expected, idle):
    got, latencies, dup, disorder, last_seq, last_at, first_sent = set(), [], 0, 0, -1, None, None
    wait = 60.0  # before the first message
    while len(got) < expected:
        try:
            async with asyncio.timeout(wait):
                raw = await ws.recv()
        except TimeoutError:
            break
        now = time.monotonic()
        payload = decode(kind, raw)
        if payload is None or payload.get("r") != run:
            continue
        wait = idle
        seq = payload["s"]
        if seq in got:
            dup += 1
            continue
        disorder += seq < last_seq
        last_seq = max(last_seq, seq)
        got.add(seq)
        latencies.append(now - payload["t"])
        last_at = now
        first_sent = payload["t"] if first_sent is None else min(first_sent, payload["t"])
    return {
        "got": len(got),
        "dup": dup,
        "disorder": disorder,
        "lat": latencies,
        "last": last_at,
        "first_sent": first_sent,
    }


async def receivers_main(kind, urls, headers, run, expected, idle, ready, results):
    sockets = [
        await connect(url, additional_headers=headers, max_size=2**20, close_timeout=1) for url in urls
    ]
    ready.put(len(sockets))
    outcome = await asyncio.gather(*(receive_all(ws, kind, run, expected, idle) for ws in sockets))
    results.put(outcome)
    await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)


def receivers_process(*args):
    asyncio.run(receivers_main(*args))


async def send_all(url, headers, kind, run, count, rate):
    async with connect(url, additional_headers=headers, max_size=2**20, close_timeout=1) as ws:
        await asyncio.sleep(1.0)  # let history and presence frames settle everywhere
        start = time.monotonic()
        for seq in range(count):
            due = start + seq / rate
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            await ws.send(encode(kind, {"r": run, "s": seq, "t": time.monotonic()}))
        # Keep the sender connected until the receivers are done (it reads its echoes).
        try:
            async with asyncio.timeout(count / rate + 60):
                async for _ in ws:
                    pass
        except TimeoutError:
            pass


def measure(kind, base_urls, headers, sender_headers, clients, count, rate, workers, idle=3.0):
    """One phase on one server: receivers in worker processes, the sender here."""
    run = uuid.uuid4().hex[:8]
    room = f"bench-{run}"
    path = {"chat": f"/ws/chat/{room}/", "baseline": f"/ws/baseline/{room}/", "bare": "/"}[kind]
    urls = [base_urls[i % len(base_urls)] + path for i in range(clients)]
    ctx = multiprocessing.get_context("spawn")
    ready, results = ctx.Queue(), ctx.Queue()
    shares = [urls[i::workers] for i in range(workers)]
    procs = [
        ctx.Process(target=receivers_process, args=(kind, share, headers, run, count, idle, ready, results))
        for share in shares
        if share
    ]
    for proc in procs:
        proc.start()
    for _ in procs:
        ready.get(timeout=60)

    async def drive():
        task = asyncio.create_task(send_all(base_urls[0] + path, sender_headers, kind, run, count, rate))
        outcome = []
        for _ in procs:
            outcome += await asyncio.to_thread(results.get, True, count / rate + 120)
        task.cancel()
        return outcome

    outcome = asyncio.run(drive())
    for proc in procs:
        proc.join(timeout=10)
    got = sum(o["got"] for o in outcome)
    lat = sorted(x for o in outcome for x in o["lat"])
    first_sent = min((o["first_sent"] for o in outcome if o["first_sent"]), default=0)
    last = max((o["last"] for o in outcome if o["last"]), default=0)
    span = max(last - first_sent, 1e-9)
    return {
        "kind": kind,
        "messages": count,
        "rate": rate,
        "deliveries": got,
        "per_s": got / span if got else 0.0,
        "p50": statistics.median(lat) * 1000 if lat else float("nan"),
        "p99": lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000 if lat else float("nan"),
        "lost": clients * count - got,
        "dup": sum(o["dup"] for o in outcome),
        "disorder": sum(o["disorder"] for o in outcome),
    }


def run_mode(mode, args, tmp):
    redis_url = args.redis_url if mode == "redis" else ""
    site = Site(tmp, redis_url)
    rows = []
    try:
        servers = [site.daphne() for _ in range(2 if mode == "redis" else 1)]
        bare = site.bare()
        chat_headers = {"Cookie": f"sessionid={site.sessions['reader']}"}
        sender_headers = {"Cookie": f"sessionid={site.sessions['sender']}"}
        for kind, urls in (("chat", servers), ("baseline", servers), ("bare", [bare])):
            if kind not in args.servers:
                continue
            for phase, count, rate in (
                ("burst", args.burst_messages, args.burst_rate),
                ("steady", args.steady_messages, args.steady_rate),
            ):
                # The chat's sender is another user than the receivers'.
                row = measure(
                    kind,
                    urls,
                    chat_headers if kind == "chat" else {},
                    sender_headers if kind == "chat" else {},
                    args.clients,
                    count,
                    rate,
                    args.workers,
                )
                row.update(mode=mode, phase=phase)
                rows.append(row)
                print_row(row, flush=True)
    finally:
        site.stop()
    return rows


def print_header():
    print(
        f"{'mode':7} {'server':9} {'phase':7} {'msgs':>5} {'rate/s':>6} {'deliv/s':>9} "
        f"{'p50 ms':>7} {'p99 ms':>7} {'lost':>5} {'dup':>4} {'order':>5}"
    )


def print_row(r, flush=False):
    print(
        f"{r['mode']:7} {r['kind']:9} {r['phase']:7} {r['messages']:>5} {r['rate']:>6} "
        f"{r['per_s']:>9.0f} {r['p50']:>7.1f} {r['p99']:>7.1f} {r['lost']:>5} {r['dup']:>4} "
        f"{r['disorder']:>5}",
        flush=flush,
    )


def summary(rows):
    print("\nratios (burst deliveries/s, chat over the others) and targets:")
    ok = True
    for mode, (target_b, target_c) in TARGETS.items():
        by = {r["kind"]: r for r in rows if r["mode"] == mode and r["phase"] == "burst"}
        if not {"chat", "baseline", "bare"} <= set(by):
            continue
        vs_b = by["chat"]["per_s"] / max(by["baseline"]["per_s"], 1e-9)
        vs_c = by["chat"]["per_s"] / max(by["bare"]["per_s"], 1e-9)
        steady = next(r for r in rows if r["mode"] == mode and r["kind"] == "chat" and r["phase"] == "steady")
        lost = sum(r["lost"] for r in rows if r["mode"] == mode and r["kind"] == "chat")
        checks = [
            (f"chat/baseline = {vs_b:.2f}x", vs_b >= target_b, f">= {target_b}x"),
            (f"chat/bare = {vs_c:.2f}x", vs_c >= target_c, f">= {target_c}x"),
            (f"chat lost = {lost}", lost == 0, "0"),
        ]
        if mode == "redis":
            checks.append((f"chat steady p99 = {steady['p99']:.1f} ms", steady["p99"] < 50, "< 50 ms"))
        for text, passed, target in checks:
            ok &= passed
            print(f"  {mode:6} {text:32} target {target:10} {'ok' if passed else 'MISSED'}")
    return ok


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--mode", choices=["memory", "redis", "both"], default="both")
    parser.add_argument("--clients", type=int, default=50, help="receivers in the room (default 50)")
    parser.add_argument("--burst-messages", type=int, default=1000)
    parser.add_argument("--burst-rate", type=float, default=1000.0, help="messages/s of the burst phase")
    parser.add_argument("--steady-messages", type=int, default=250)
    parser.add_argument("--steady-rate", type=float, default=50.0, help="messages/s of the latency phase")
    parser.add_argument("--servers", default="chat,baseline,bare", help="which of chat,baseline,bare")
    parser.add_argument("--workers", type=int, default=1, help="receiver client processes")
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0")
    args = parser.parse_args(argv)
    modes = ["memory", "redis"] if args.mode == "both" else [args.mode]
    tmp = Path(tempfile.mkdtemp(prefix="elearning-chat-bench-"))
    print(f"{args.clients} receivers, {os.cpu_count()} CPUs, Daphne flags: {' '.join(DAPHNE_FLAGS)}")
    print_header()
    rows = []
    try:
        for mode in modes:
            rows += run_mode(mode, args, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    summary(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
