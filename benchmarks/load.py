"""Mixed load on the demo site: chat sockets and page/API users at once.

    python benchmarks/load.py                        # 60 s, 200 sockets, 20 HTTP users
    python benchmarks/load.py --split                # also: one HTTP and one WebSocket process
    python benchmarks/load.py --seconds 5 --rooms 2 --per-room 2 --http-users 2   # smoke
    python benchmarks/load.py --seconds 20 --db-threads 0,4   # the chat's database pool: off, on

One invocation creates a throw-away PostgreSQL database on the server of ``--database-url``
(dropped afterwards) and uses the Redis database ``--redis-url`` (flushed before and after),
seeds users, sessions, rooms and courses (``chat_storm.Site``), then runs each mode on fresh
Daphne processes of the demo site (``example_project.asgi`` with its production settings,
``DJANGO_DEBUG=0`` and collected static files; ``--debug`` for DEBUG on), on free 127.0.0.1
ports:

* **shared**: two processes, each serving pages, API and sockets (sockets and HTTP users
  spread over both);
* **split** (with ``--split``): one process for HTTP, one for ``/ws/``, as behind a proxy
  that routes ``/ws/`` apart (docs/deployment.rst).

In each mode ``--rooms`` x ``--per-room`` sockets (distinct users) join their rooms; one
socket per room sends ``--rate`` messages per second, and ``--http-users`` users request
pages and API endpoints back to back (no think time) for ``--seconds``. Printed: server
errors (HTTP 5xx, close code 1011, refused handshakes), lost chat messages (every message
must reach every socket of its room), chat latency p50/p99 (send to receipt, one
machine-wide monotonic clock), HTTP p50/p99 and requests/s, the servers' RSS before,
during and after the clients leave. The clients come ``--rounds`` times (2 by default) to the
same servers: latencies are the last round's (warm servers), errors and losses add up, and
the RSS after each round tells growth that stops (warm-up: caches, the allocator's high-water
mark) from growth per round (a leak).

``--db-threads 0,4`` runs each mode once per value of ``ELEARNING_CHAT["DB_THREADS"]``
(0: the chat's database calls on asgiref's one thread of thread-sensitive calls; N: on the
chat's own pool of N threads) through ``db_threads_settings``, which also measures how long
calls wait for their thread (p50/p99 per pool, printed) and prints the ratios side by side. Not a test: it never fails on the figures; it exits
non-zero only when the run itself broke. Loopback only, bounded in time.
"""

import argparse
import asyncio
import http.client
import json
import multiprocessing
import os
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from types import SimpleNamespace

from _net import free_port, wait_for_port  # benchmarks/ is sys.path[0] when run as a script
from chat_fanout import DAPHNE_FLAGS, PROJECT
from chat_storm import Site, client_opts, failure_kind, load_text, pct, raise_nofile, rss_kb
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

#: Courses (and their teacher) the HTTP users read.
COURSES_SEED = r"""
import json
from django.contrib.auth import get_user_model
from elearning_courses.models import Course
teacher = get_user_model().objects.create_user("load-teacher", role="teacher")
courses = Course.objects.bulk_create(
    [Course(teacher=teacher, title=f"Course {i}", description="A course of the load run. " * 10) for i in range(20)]
)
print(json.dumps([c.pk for c in courses]))
"""

#: Seconds between two sockets' joins.
CONNECT_SPACING = 0.05

#: What each HTTP user requests, in turn ({course} is one of the seeded courses).
HTTP_PATHS = (
    "/",
    "/courses/",
    "/courses/{course}/",
    "/chat/",
    "/api/courses/",
    "/api/courses/{course}/",
    "/api/chat/rooms/",
    "/api/notifications/unread-count/",
)


class DemoSite(Site):
    """The benchmark site of ``chat_storm``, serving the whole demo (pages, API, sockets)."""

    def __init__(self, args, tmp):
        super().__init__(args, tmp)
        self.env.update(DJANGO_SETTINGS_MODULE="example_project.settings")
        if args.debug:
            self.env["DJANGO_DEBUG"] = "1"
        else:
            # Production settings (the demo's DJANGO_DEBUG=0): with DEBUG on, Django keeps the
            # last 9,000 queries of every database connection, which reads as memory kept.
            self.env.update(DJANGO_DEBUG="0", DJANGO_SECRET_KEY=secrets.token_urlsafe(50))
        self.env["PYTHONPATH"] = os.pathsep.join(
            [str(PROJECT), *filter(None, [os.environ.get("PYTHONPATH")])]
        )

    def collect_static(self):
        """Production settings serve hashed static files from STATIC_ROOT: collect them."""
        if self.env.get("DJANGO_DEBUG") == "0":
            subprocess.run(
                [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
                cwd=PROJECT,
                env=self.env,
                check=True,
                capture_output=True,
            )

    def seed_courses(self):
        out = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", COURSES_SEED],
            cwd=PROJECT,
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        return json.loads(out.strip().splitlines()[-1])

    def demo_daphnes(self, count):
        """``count`` Daphne processes of the demo site: (ports, pids)."""
        ports, procs = [], []
        for _ in range(count):
            port = free_port()
            log = open(self.tmp / f"daphne-{port}.log", "w")  # noqa: SIM115
            proc = subprocess.Popen(
                [sys.executable, "-m", "daphne", *DAPHNE_FLAGS, "-b", "127.0.0.1", "-p", str(port)]
                + ["example_project.asgi:application"],
                cwd=PROJECT,
                env={**self.env, **self.server_env},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            self.procs.append(proc)
            procs.append(proc)
            ports.append(port)
        for port, proc in zip(ports, procs, strict=True):
            wait_for_port(port, proc)
        return ports, [p.pid for p in procs]


# Clients ------------------------------------------------------------------------------


async def chat_clients(plan, start_at, stop_at, drain, out):
    """The sockets of ``plan`` (``[(port, room, session, sends)]``): connect, wait for
    ``start_at``, send until ``stop_at`` (senders), receive until ``stop_at + drain``."""
    report = SimpleNamespace(
        errors=[],
        closes_1011=0,
        latencies=[],
        sent={},
        received={},
        refused=0,
        connected=0,
        refused_messages={},
    )

    async def socket(index, port, room, session, sends, rate):
        url = f"ws://127.0.0.1:{port}/ws/chat/{room}/"
        opts = client_opts({"Cookie": f"sessionid={session}", "Origin": f"http://127.0.0.1:{port}"})
        got = report.received.setdefault((room, session), set())
        # Joins are spread over the connect phase (a storm is chat_storm's subject, not this).
        await asyncio.sleep(index * CONNECT_SPACING)
        try:
            async with connect(url, open_timeout=30, **opts) as ws:
                report.connected += 1

                async def reader():
                    async for raw in ws:
                        now = time.monotonic()
                        frame = json.loads(raw)
                        if frame.get("type") == "message" and frame.get("body", "").startswith("load "):
                            _tag, seq, sent_at = frame["body"].split()
                            got.add(int(seq))
                            report.latencies.append(now - float(sent_at))
                        elif frame.get("type") == "error" and frame.get("code") == "rate_limited":
                            # Refused, not lost: never stored, so nobody is owed it.
                            report.refused_messages[room] = report.refused_messages.get(room, 0) + 1
                        elif frame.get("type") == "error":
                            report.errors.append(f"error frame {frame.get('code')}")

                task = asyncio.create_task(reader())
                await asyncio.sleep(max(0, start_at - time.monotonic()))
                if sends:
                    seq = 0
                    while time.monotonic() < stop_at:
                        await ws.send(
                            json.dumps({"type": "message", "body": f"load {seq} {time.monotonic()!r}"})
                        )
                        report.sent.setdefault(room, set()).add(seq)
                        seq += 1
                        await asyncio.sleep(1 / rate)
                await asyncio.sleep(max(0, stop_at + drain - time.monotonic()))
                task.cancel()
        except ConnectionClosed as closed:
            if closed.rcvd is not None and closed.rcvd.code == 1011:
                report.closes_1011 += 1
            else:
                report.errors.append(f"closed {closed.rcvd.code if closed.rcvd else '?'}")
        except Exception as exc:  # noqa: BLE001 - counted and reported
            report.refused += 1
            report.errors.append(failure_kind(exc))

    await asyncio.gather(*(socket(i, *item) for i, item in enumerate(plan)))
    lost = 0
    for (room, _session), got in report.received.items():
        lost += max(0, len(report.sent.get(room, set()) - got) - report.refused_messages.get(room, 0))
    out.put(
        {
            "connected": report.connected,
            "refused": report.refused,
            "closes_1011": report.closes_1011,
            "errors": report.errors[:10],
            "latencies": report.latencies,
            "sent": sum(len(s) for s in report.sent.values()),
            "lost": lost,
            "rate_limited": sum(report.refused_messages.values()),
        }
    )


def chat_process(plan, start_at, stop_at, drain, out):
    asyncio.run(chat_clients(plan, start_at, stop_at, drain, out))


def http_user(port, session, paths, start_at, stop_at, result):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Cookie": f"sessionid={session}", "Accept": "text/html,application/json"}
    time.sleep(max(0, start_at - time.monotonic()))
    i = 0
    while time.monotonic() < stop_at:
        path = paths[i % len(paths)]
        i += 1
        began = time.monotonic()
        try:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            status = response.status
        except (OSError, http.client.HTTPException) as exc:
            result["errors"].append(type(exc).__name__)
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            continue
        result["latencies"].append(time.monotonic() - began)
        if status >= 500:
            result["5xx"] += 1
        elif status >= 400:
            result["4xx"] += 1
    conn.close()


def http_process(users, start_at, stop_at, out):
    """``users``: ``[(port, session, paths)]``, each in a thread of its own."""
    result = {"latencies": [], "5xx": 0, "4xx": 0, "errors": []}
    threads = [
        threading.Thread(target=http_user, args=(port, session, paths, start_at, stop_at, result))
        for port, session, paths in users
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result["errors"] = result["errors"][:10]
    out.put(result)


# One mode ---------------------------------------------------------------------------


def read_waits(waits_dir):
    """Waits for a thread (ms) of every server, by pool: {kind: [p50, p99, calls]}."""
    waits = {}
    for path in Path(waits_dir).glob("waits-*.json"):
        for kind, values in json.loads(path.read_text()).items():
            waits.setdefault(kind, []).extend(values)
    return {kind: [pct(v, 0.5) * 1000, pct(v, 0.99) * 1000, len(v)] for kind, v in waits.items() if v}


def run_mode(mode, site, rooms, sessions, course_ids, args, db_threads=None):
    """Start the mode's servers, run the clients, return the figures."""
    site.stop_servers()
    waits_dir = Path(tempfile.mkdtemp(dir=site.tmp, prefix="waits-"))
    site.use_db_threads(db_threads, waits_dir)
    if mode == "shared":
        ports, pids = site.demo_daphnes(2)
        ws_ports, http_ports = ports, ports
    else:
        ports, pids = site.demo_daphnes(2)
        http_ports, ws_ports = ports[:1], ports[1:]
    # Warm up (imports, URL conf, templates) before the "before" figure.
    for port in ports:
        for path in ("/", "/courses/", "/api/courses/"):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", path, headers={"Cookie": f"sessionid={sessions[0]}"})
            conn.getresponse().read()
            conn.close()
    time.sleep(1)
    rss_before = rss_kb(pids)

    plan, k = [], 0
    for room in rooms:
        for j in range(args.per_room):
            plan.append((ws_ports[k % len(ws_ports)], room, sessions[k], j == 0, args.rate))
            k += 1
    paths = [p.format(course=course_ids[i % len(course_ids)]) for i, p in enumerate(HTTP_PATHS)]
    users = [
        (http_ports[u % len(http_ports)], sessions[k + u], paths[u % len(paths) :] + paths[: u % len(paths)])
        for u in range(args.http_users)
    ]

    connect_time = 5 + len(plan) * CONNECT_SPACING  # the sockets join before the clock starts
    rounds, rss_after_each = [], []
    for _ in range(args.rounds):  # the same clients again on the same servers
        start_at = time.monotonic() + connect_time
        stop_at = start_at + args.seconds
        out = multiprocessing.Queue()
        clients = [
            multiprocessing.Process(target=chat_process, args=(plan, start_at, stop_at, args.drain, out)),
            multiprocessing.Process(target=http_process, args=(users, start_at, stop_at, out)),
        ]
        for c in clients:
            c.start()
        time.sleep(max(0, start_at + args.seconds / 2 - time.monotonic()))
        rss_during = rss_kb(pids)
        results = [out.get(timeout=args.seconds + args.drain + connect_time + 120) for _ in clients]
        for c in clients:
            c.join(timeout=30)
        time.sleep(args.settle)
        rss_after_each.append(rss_kb(pids))
        rounds.append((next(r for r in results if "connected" in r), next(r for r in results if "5xx" in r)))
    rss_after = rss_after_each[-1]
    waits = read_waits(waits_dir) if db_threads is not None else {}
    chat, web = rounds[-1]  # latencies of the last round: the servers are warm
    earlier_chat = [c for c, _ in rounds[:-1]]
    earlier_web = [w for _, w in rounds[:-1]]
    site.stop_servers()
    return {
        "mode": mode if db_threads is None else f"{mode}/t{db_threads}",
        "db_threads": db_threads,
        "waits": waits,
        "sockets": len(plan),
        "rounds": args.rounds,
        "connected": chat["connected"],
        "refused": chat["refused"] + sum(c["refused"] for c in earlier_chat),
        "closes_1011": chat["closes_1011"] + sum(c["closes_1011"] for c in earlier_chat),
        "sent": chat["sent"] + sum(c["sent"] for c in earlier_chat),
        "lost": chat["lost"] + sum(c["lost"] for c in earlier_chat),
        "rate_limited": chat["rate_limited"] + sum(c["rate_limited"] for c in earlier_chat),
        "chat_p50": pct(chat["latencies"], 0.5) * 1000,
        "chat_p99": pct(chat["latencies"], 0.99) * 1000,
        "http_requests": len(web["latencies"]),
        "http_5xx": web["5xx"] + sum(w["5xx"] for w in earlier_web),
        "http_4xx": web["4xx"],
        "http_errors": web["errors"],
        "chat_errors": chat["errors"],
        "http_p50": pct(web["latencies"], 0.5) * 1000,
        "http_p99": pct(web["latencies"], 0.99) * 1000,
        "http_rps": len(web["latencies"]) / args.seconds,
        "rss_before_mb": rss_before / 1024,
        "rss_during_mb": rss_during / 1024,
        "rss_after_mb": rss_after / 1024,
        "rss_after_first_mb": rss_after_each[0] / 1024,
        "server_errors": sum(w["5xx"] for _, w in rounds)
        + sum(c["closes_1011"] + c["refused"] for c, _ in rounds),
    }


def print_report(rows, out=sys.stdout):
    fields = (
        ("server errors (5xx, 1011, refused)", "server_errors", "{:.0f}"),
        ("sockets connected", "connected", "{:.0f}"),
        ("chat messages sent", "sent", "{:.0f}"),
        ("refused (rate_limited)", "rate_limited", "{:.0f}"),
        ("lost chat messages", "lost", "{:.0f}"),
        ("chat latency p50 ms", "chat_p50", "{:.0f}"),
        ("chat latency p99 ms", "chat_p99", "{:.0f}"),
        ("HTTP requests", "http_requests", "{:.0f}"),
        ("HTTP p50 ms", "http_p50", "{:.0f}"),
        ("HTTP p99 ms", "http_p99", "{:.0f}"),
        ("HTTP requests/s", "http_rps", "{:.1f}"),
        ("RSS before MB", "rss_before_mb", "{:.0f}"),
        ("RSS during MB", "rss_during_mb", "{:.0f}"),
        ("RSS after the first round MB", "rss_after_first_mb", "{:.0f}"),
        ("RSS after the last round MB", "rss_after_mb", "{:.0f}"),
    )
    print(f"{'':36}" + "".join(f"{r['mode']:>12}" for r in rows), file=out)
    for label, key, fmt in fields:
        print(f"{label:36}" + "".join(f"{fmt.format(r[key]):>12}" for r in rows), file=out)
    kinds = sorted({kind for r in rows for kind in r.get("waits", {})})
    for kind in kinds:
        for i, label in enumerate(("p50", "p99")):
            name = f"wait for a {kind} thread {label} ms"
            print(
                f"{name:36}"
                + "".join(
                    f"{r['waits'].get(kind, ['-', '-'])[i]:>12.1f}" if kind in r["waits"] else f"{'-':>12}"
                    for r in rows
                ),
                file=out,
            )
    for r in rows:
        if r["http_errors"] or r["chat_errors"]:
            print(f"{r['mode']}: http {r['http_errors']} chat {r['chat_errors']}", file=out)
    by_threads = [r for r in rows if r.get("db_threads") is not None]
    for r in by_threads:
        base = next(b for b in by_threads if b["mode"].split("/")[0] == r["mode"].split("/")[0])
        if r is not base:
            print(
                f"{r['mode']} / {base['mode']}: chat p50 {r['chat_p50'] / base['chat_p50']:.2f}x, "
                f"chat p99 {r['chat_p99'] / base['chat_p99']:.2f}x, "
                f"HTTP p50 {r['http_p50'] / base['http_p50']:.2f}x, "
                f"HTTP requests/s {r['http_rps'] / base['http_rps']:.2f}x",
                file=out,
            )
    if len(rows) == 2 and not by_threads:
        shared, split = rows
        print(
            f"split / shared: chat p99 {split['chat_p99'] / shared['chat_p99']:.2f}x, "
            f"chat p50 {split['chat_p50'] / shared['chat_p50']:.2f}x, "
            f"HTTP p50 {split['http_p50'] / shared['http_p50']:.2f}x, "
            f"HTTP requests/s {split['http_rps'] / shared['http_rps']:.2f}x",
            file=out,
        )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--rooms", type=int, default=20)
    parser.add_argument("--per-room", type=int, default=10)
    parser.add_argument("--rate", type=float, default=0.8, help="messages per second of each room's sender")
    parser.add_argument("--http-users", type=int, default=20)
    parser.add_argument("--split", action="store_true", help="also run one HTTP + one WebSocket process")
    parser.add_argument("--drain", type=float, default=3, help="seconds of receiving after the last send")
    parser.add_argument("--settle", type=float, default=5, help="seconds after the clients left, for RSS")
    parser.add_argument(
        "--rounds",
        type=int,
        default=2,
        help="client rounds per mode on the same servers (RSS after each: warm-up or growth?)",
    )
    parser.add_argument("--debug", action="store_true", help="run the servers with DJANGO_DEBUG=1")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
        help="a PostgreSQL server (a database is created there and dropped)",
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/13", help="flushed before and after")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument(
        "--db-threads",
        help='comma-separated ELEARNING_CHAT["DB_THREADS"] values, each mode run once per value (0: the old way)',
    )
    args = parser.parse_args(argv)
    try:
        thread_counts = [int(v) for v in args.db_threads.split(",")] if args.db_threads else [None]
    except ValueError:
        parser.error("--db-threads takes integers, e.g. 0,4")
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        parser.error("--database-url must name a PostgreSQL server")
    raise_nofile()
    tmp = Path(tempfile.mkdtemp(prefix="elearning-load-"))
    site = DemoSite(args, tmp)
    rows = []
    try:
        sockets = args.rooms * args.per_room
        rooms = [f"load-{i:02d}" for i in range(args.rooms)]
        sessions = site.create(users=sockets + args.http_users, rooms=rooms, history=5)
        course_ids = site.seed_courses()
        site.collect_static()
        print(
            f"{sockets} sockets in {args.rooms} rooms, {args.http_users} HTTP users, {args.seconds:g} s; {load_text()}"
        )
        for mode in ("shared", "split") if args.split else ("shared",):
            for threads in thread_counts:
                rows.append(run_mode(mode, site, rooms, sessions, course_ids, args, threads))
        print_report(rows)
        print(load_text())
        if args.json:
            Path(args.json).write_text(json.dumps(rows, indent=2))
    finally:
        site.destroy()
    return 0


if __name__ == "__main__":
    sys.exit(main())
