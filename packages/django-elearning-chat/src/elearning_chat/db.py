"""The chat's database calls, on the chat's own bounded thread pool.

``channels.db.database_sync_to_async`` is thread-sensitive: every call of a process runs
on ONE thread, shared with every other thread-sensitive call made outside a request
(Channels' authentication and session middleware, other apps' consumers). Under load the
chat's stores, connects and presence queries queue there one behind the other.
:func:`db_call` runs them on a dedicated pool of ``ELEARNING_CHAT["DB_THREADS"]``
threads instead, with what ``database_sync_to_async`` does around each call: old or
unusable connections closed before and after (``close_old_connections``), contextvars
propagated (asgiref's ``SyncToAsync``).

Each pool thread holds at most one database connection per alias (for as long as
``CONN_MAX_AGE`` keeps it), so a process opens up to DB_THREADS connections for the
chat on top of those of its requests: keep DB_THREADS x processes within the
database's connection budget (docs/performance.rst).

``DB_THREADS = 0`` keeps the thread-sensitive way. So does an in-memory SQLite database
(a test database): its connections share one cache whose table locks are not retried
(``database table is locked``), so they must not write from two threads at once.

Ordering: a caller that awaits each call sees them run in its order; two callers that do
not wait for each other may now see their calls overlap (each runs in its own
transaction, as on PostgreSQL from two processes).
"""

import threading
from concurrent.futures import ThreadPoolExecutor

from channels.db import DatabaseSyncToAsync
from django.core.signals import setting_changed
from django.db import connections
from django.db.utils import load_backend

from .conf import app_settings

_lock = threading.Lock()
#: (DB_THREADS setting, pool size, its ThreadPoolExecutor or None), set on first use.
_state = None


def shares_memory_db():
    """True when a configured database is in-memory SQLite (threads must not overlap).

    Read from the databases' settings and backend classes, without a connection object.
    """
    for settings_dict in connections.settings.values():
        wrapper = load_backend(settings_dict["ENGINE"]).DatabaseWrapper
        if wrapper.vendor == "sqlite" and wrapper.creation_class.is_in_memory_db(settings_dict["NAME"]):
            return True
    return False


def _size(setting):
    if not isinstance(setting, int) or isinstance(setting, bool) or setting < 1 or shares_memory_db():
        return 0
    return setting


def _current():
    global _state
    setting = app_settings.DB_THREADS
    state = _state
    if state is not None and state[0] == setting:
        return state
    with _lock:
        if _state is None or _state[0] != setting:
            old = _state
            size = _size(setting)
            pool = (
                ThreadPoolExecutor(max_workers=size, thread_name_prefix="elearning-chat-db") if size else None
            )
            _state = (setting, size, pool)
            if old is not None and old[2] is not None:
                old[2].shutdown(wait=False)  # its running calls finish; its threads end
        return _state


def pool_size():
    """Threads of the chat's pool; 0: the thread-sensitive way (see the module doc)."""
    return _current()[1]


def executor():
    """The pool (None: thread-sensitive), created once per DB_THREADS value."""
    return _current()[2]


async def db_call(fn, *args, **kwargs):
    """Await ``fn(*args, **kwargs)`` (sync, database work) on the chat's database pool."""
    pool = executor()
    if pool is None:
        wrapped = DatabaseSyncToAsync(fn, thread_sensitive=True)
    else:
        wrapped = DatabaseSyncToAsync(fn, thread_sensitive=False, executor=pool)
    return await wrapped(*args, **kwargs)


def _reset(*, setting, **kwargs):
    # A new DB_THREADS (tests) gets a new pool at the next call; the old one winds down.
    if setting in ("ELEARNING_CHAT", "DATABASES"):
        global _state
        with _lock:
            old, _state = _state, None
        if old is not None and old[2] is not None:
            old[2].shutdown(wait=False)


setting_changed.connect(_reset)
