"""Optional cProfile of one storm server process (benchmark only).

With ``STORM_PROFILE=<folder>`` in a server's environment, :func:`wrap` returns the ASGI
application wrapped so that the first WebSocket connect starts profiling: the event-loop
thread and every thread started afterwards (the chat's database pool, asgiref's
executors), each with a profiler of its own because cProfile follows one thread. After
``STORM_PROFILE_CONNECTS`` connects (default 500) and ``STORM_PROFILE_SETTLE`` seconds
(default 3: the history and presence frames that follow), it writes
``<folder>/profile-<pid>.pstats`` (every thread merged), ``profile-main-<pid>.pstats``
(the event loop's thread) and ``threads-<pid>.txt``, the
CPU seconds of each thread of the process (``/proc``), which cProfile's own overhead
distorts less than it distorts the per-function figures: read those as proportions.
``STORM_PROFILE_FROM`` (default 1) delays the start to that connect: with the number of
sockets a process holds, the profile covers what follows the connects (the hold phase's
messages) rather than the connects.

With ``STORM_MEMORY=<folder>`` instead, the process traces its allocations
(``tracemalloc``) from the first WebSocket connect and, after the same number of connects
and the same pause, writes ``<folder>/memory-<pid>.txt``: the Python memory still held per
connect, by file and by line, beside ``VmRSS`` growth per connect, so that what each held
socket costs can be told apart by library (Daphne, autobahn, Twisted, Channels, the chat).
"""

import asyncio
import cProfile
import os
import pstats
import threading
import time
from pathlib import Path

_profiles = []


def _profiler():
    # CPU time of the thread, not wall time: a thread waiting on the database or on its
    # queue costs nothing.
    return cProfile.Profile(time.thread_time_ns, 1e-9)


def _thread_profiler(frame, event, arg):
    # threading.setprofile installs this in each new thread; on that thread's first event
    # it swaps itself for a cProfile of the thread's own.
    profile = _profiler()
    _profiles.append(profile)
    profile.enable()


def _thread_cpu():
    lines = []
    for task in sorted(Path("/proc/self/task").iterdir()):
        name = (task / "comm").read_text().strip()
        fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        ticks = int(fields[11]) + int(fields[12])  # utime + stime
        lines.append(f"{ticks / os.sysconf('SC_CLK_TCK'):8.2f} s  {task.name:>8}  {name}")
    return "\n".join(lines) + "\n"


def _rss_kb():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _memory(application, folder, target, settle):
    """``application`` with the allocations of ``target`` connects traced (see the doc)."""
    import gc
    import tracemalloc

    state = {"connects": 0, "before": None, "rss": 0}

    def dump():
        gc.collect()
        after = tracemalloc.take_snapshot()
        rss = _rss_kb() - state["rss"]
        lines = [f"{target} connects; VmRSS growth {rss / target:.1f} KB per connect"]
        for key, top in (("filename", 30), ("lineno", 60)):
            stats = after.compare_to(state["before"], key)
            held = sum(stat.size_diff for stat in stats)
            lines.append(f"\nby {key}: {held / target / 1024:.2f} KB per connect held by Python objects")
            for stat in stats[:top]:
                frame = stat.traceback[0]
                lines.append(
                    f"{stat.size_diff / target:9.1f} B {stat.count_diff / target:6.2f} blocks"
                    f"  {frame.filename}:{frame.lineno if key == 'lineno' else ''}"
                )
        (Path(folder) / f"memory-{os.getpid()}.txt").write_text("\n".join(lines) + "\n")
        tracemalloc.stop()

    async def traced(scope, receive, send):
        if scope["type"] == "websocket":
            state["connects"] += 1
            if state["before"] is None:
                tracemalloc.start()
                gc.collect()
                state["before"], state["rss"] = tracemalloc.take_snapshot(), _rss_kb()
            if state["connects"] == target:
                asyncio.get_running_loop().call_later(settle, dump)
        await application(scope, receive, send)

    return traced


def wrap(application):
    target = int(os.environ.get("STORM_PROFILE_CONNECTS", "500"))
    settle = float(os.environ.get("STORM_PROFILE_SETTLE", "3"))
    if os.environ.get("STORM_MEMORY"):
        return _memory(application, os.environ["STORM_MEMORY"], target, settle)
    folder = os.environ.get("STORM_PROFILE")
    if not folder:
        return application
    state = {"connects": 0, "main": None}

    def dump():
        for profile in _profiles:
            profile.disable()
        threading.setprofile(None)
        stats = pstats.Stats(_profiles[0])
        for profile in _profiles[1:]:
            stats.add(profile)
        pid = os.getpid()
        stats.dump_stats(Path(folder) / f"profile-{pid}.pstats")
        state["main"].dump_stats(Path(folder) / f"profile-main-{pid}.pstats")  # the event loop's
        (Path(folder) / f"threads-{pid}.txt").write_text(_thread_cpu())

    start = int(os.environ.get("STORM_PROFILE_FROM", "1"))

    async def profiled(scope, receive, send):
        if scope["type"] == "websocket":
            state["connects"] += 1
            if state["main"] is None and state["connects"] >= start:
                (Path(folder) / f"threads-start-{os.getpid()}.txt").write_text(_thread_cpu())
                threading.setprofile(_thread_profiler)
                state["main"] = _profiler()
                _profiles.insert(0, state["main"])
                state["main"].enable()
            if state["connects"] == target:
                asyncio.get_running_loop().call_later(settle, dump)
        await application(scope, receive, send)

    return profiled
