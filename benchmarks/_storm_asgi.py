"""ASGI application of the chat storm benchmark: ``chat_bench_asgi``'s application, plus
a count of the SQL queries this process ran, served at ``GET /_storm/queries`` (JSON).

Every database connection the process opens gets an execute wrapper that increments the
count: the benchmark reads it before and after a storm, a connect or a message.
``STORM_PROFILE`` profiles the process (``_storm_profile.py``). Benchmark only.
"""

import json
import threading

import _storm_profile
import chat_bench_asgi
from django.db.backends.signals import connection_created

COUNT = {"queries": 0}
_lock = threading.Lock()


def _count(execute, sql, params, many, context):
    with _lock:
        COUNT["queries"] += 1
    return execute(sql, params, many, context)


def _install(sender, connection, **kwargs):
    if _count not in connection.execute_wrappers:
        connection.execute_wrappers.append(_count)


connection_created.connect(_install)


async def _application(scope, receive, send):
    if scope["type"] == "http" and scope["path"] == "/_storm/queries":
        body = json.dumps(COUNT).encode()
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
