"""ASGI application of the chat storm benchmark: ``chat_bench_asgi``'s application, plus
a count of the SQL queries this process ran, served at ``GET /_storm/queries`` (JSON),
with the process's garbage collections so far (per generation: count, total and longest
pause in ms: a full collection over the objects of thousands of sockets stalls the loop)
and the event loop's stalls so far (a 10 ms sleep that came back more than 20 ms late:
count, total ms, of which in garbage collections, longest ms).

Every database connection the process opens gets an execute wrapper that increments the
count: the benchmark reads it before and after a storm, a connect or a message.
``STORM_PROFILE`` profiles the process (``_storm_profile.py``). Benchmark only.
"""

import asyncio
import gc
import json
import os
import threading
import time

import _storm_profile
import chat_bench_asgi
from django.db.backends.signals import connection_created

COUNT = {"queries": 0}
GC = {str(generation): [0, 0.0, 0.0] for generation in range(3)}
STALLS = {"count": 0, "ms": 0.0, "gc_ms": 0.0, "longest": 0.0}
_watching = []
_lock = threading.Lock()
_gc_started = [0.0]


def _gc_timer(phase, info):
    if phase == "start":
        _gc_started[0] = time.perf_counter()
        return
    ms = (time.perf_counter() - _gc_started[0]) * 1000
    stats = GC[str(info["generation"])]
    stats[0] += 1
    stats[1] += ms
    stats[2] = max(stats[2], ms)


gc.callbacks.append(_gc_timer)
if os.environ.get("STORM_GC_THRESHOLD"):  # e.g. 50000,10,10: compare collector settings
    gc.set_threshold(*(int(part) for part in os.environ["STORM_GC_THRESHOLD"].split(",")))


def _gc_ms():
    return sum(stats[1] for stats in GC.values())


async def _watch():
    while True:
        started, gc_before = time.perf_counter(), _gc_ms()
        await asyncio.sleep(0.01)
        late = (time.perf_counter() - started - 0.01) * 1000
        if late > 20:
            STALLS["count"] += 1
            STALLS["ms"] += late
            STALLS["gc_ms"] += min(late, _gc_ms() - gc_before)
            STALLS["longest"] = max(STALLS["longest"], late)


def _count(execute, sql, params, many, context):
    with _lock:
        COUNT["queries"] += 1
    return execute(sql, params, many, context)


def _install(sender, connection, **kwargs):
    if _count not in connection.execute_wrappers:
        connection.execute_wrappers.append(_count)


connection_created.connect(_install)


async def _application(scope, receive, send):
    if not _watching:
        _watching.append(asyncio.get_running_loop().create_task(_watch()))
    if scope["type"] == "http" and scope["path"] == "/_storm/queries":
        body = json.dumps({**COUNT, "gc": GC, "stalls": STALLS}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": body})
        return
    await chat_bench_asgi.application(scope, receive, send)


# STORM_PROFILE=<folder>: a cProfile of this process during a storm (see _storm_profile).
application = _storm_profile.wrap(_application)
