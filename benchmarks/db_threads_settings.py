"""Settings of a benchmark server run with ``--db-threads``: the settings module named by
BENCH_BASE_SETTINGS, with ``ELEARNING_CHAT["DB_THREADS"]`` = BENCH_DB_THREADS (0: the
thread-sensitive way of ``database_sync_to_async``).

With BENCH_WAITS_DIR set, the process also measures how long each call submitted to a
thread pool waits before it starts, by pool: ``sensitive`` (asgiref's one thread of
thread-sensitive calls outside a request: Channels' middleware and consumers, and the
chat with DB_THREADS 0), ``chat`` (the chat's own pool), ``request`` (the thread of one
HTTP request) and ``other``; it writes them to ``<BENCH_WAITS_DIR>/waits-<pid>.json``
every second. Benchmark only.
"""

import importlib
import json
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor

_base = importlib.import_module(os.environ["BENCH_BASE_SETTINGS"])
globals().update({name: value for name, value in vars(_base).items() if name.isupper()})
ELEARNING_CHAT = {**getattr(_base, "ELEARNING_CHAT", {}), "DB_THREADS": int(os.environ["BENCH_DB_THREADS"])}

WAITS = {}  # pool kind -> list of waits (seconds)


def _kind(executor):
    from asgiref.sync import SyncToAsync

    if executor is SyncToAsync.single_thread_executor:
        return "sensitive"
    prefix = getattr(executor, "_thread_name_prefix", "")
    if prefix.startswith("elearning-chat-db"):
        return "chat"
    if executor._max_workers == 1:
        return "request"  # a ThreadSensitiveContext's own thread (Django's ASGI handler)
    return "other"


def _install_probe(directory):
    submit = ThreadPoolExecutor.submit

    def timed_submit(self, fn, /, *args, **kwargs):
        queued = time.perf_counter()
        waits = WAITS.setdefault(_kind(self), [])

        def run(*a, **kw):
            waits.append(time.perf_counter() - queued)
            return fn(*a, **kw)

        return submit(self, run, *args, **kwargs)

    ThreadPoolExecutor.submit = timed_submit

    def dump():
        path = os.path.join(directory, f"waits-{os.getpid()}.json")
        while True:
            time.sleep(1)
            with open(path + ".tmp", "w") as f:
                json.dump({kind: list(waits) for kind, waits in WAITS.items()}, f)
            os.replace(path + ".tmp", path)

    threading.Thread(target=dump, daemon=True, name="bench-waits").start()


if os.environ.get("BENCH_WAITS_DIR"):
    _install_probe(os.environ["BENCH_WAITS_DIR"])
