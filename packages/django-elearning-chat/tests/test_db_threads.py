"""The chat's database pool (elearning_chat.db): chat work never waits for the one
thread of thread-sensitive calls (page views, Channels' middleware, other consumers)."""

import asyncio
import contextvars
import threading

import channels.db
import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from django.test import override_settings

from elearning_chat import db
from elearning_chat.db import db_call
from elearning_chat.models import Connection, Message

from .helpers import TIMEOUT, communicator, join, receive, send

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

#: Bound for waiting on an outcome (never reached unless something hangs).
GENEROUS = 30

probe = contextvars.ContextVar("probe", default=None)


@pytest.fixture
def users(make_user):
    async def make(*names):
        return [await database_sync_to_async(make_user)(name) for name in names]

    return make


@pytest.fixture
def pooled(monkeypatch):
    """A pool of its own, also on this suite's in-memory SQLite.

    The helper keeps in-memory SQLite on the thread-sensitive way (its shared cache
    refuses overlapping writers instead of waiting: "database table is locked"). Here the
    thread-sensitive thread is held while the chat works, and on in-memory SQLite the pool
    has ONE thread, so that it is the only one using the database: with two, a socket's
    clean-up could overlap another call's write (seen once in 12 runs). Elsewhere, two.
    """
    in_memory = db.shares_memory_db()
    monkeypatch.setattr(db, "shares_memory_db", lambda: False)
    with override_settings(ELEARNING_CHAT={"DB_THREADS": 1 if in_memory else 2}):
        yield


class HeldThread:
    """Hold the thread that runs thread-sensitive calls, as a slow page view would."""

    def __init__(self):
        self.started = threading.Event()
        self.release = threading.Event()
        self.task = None

    def _hold(self):
        self.started.set()
        self.release.wait(GENEROUS)

    async def __aenter__(self):
        self.task = asyncio.ensure_future(sync_to_async(self._hold, thread_sensitive=True)())
        await asyncio.wait_for(asyncio.to_thread(self.started.wait, GENEROUS), GENEROUS)
        return self

    @property
    def held(self):
        return not self.task.done()

    async def __aexit__(self, *exc):
        self.release.set()
        await self.task


# The helper ------------------------------------------------------------------------


async def test_pool_size_from_setting_with_fallbacks(monkeypatch):
    monkeypatch.setattr(db, "shares_memory_db", lambda: False)
    with override_settings(ELEARNING_CHAT={"DB_THREADS": 3}):
        pool = db.executor()
        assert pool is not None and pool._max_workers == 3
        assert db.executor() is pool  # one pool per setting
    for bad in (0, -1, "4", None, True, 2.5):
        with override_settings(ELEARNING_CHAT={"DB_THREADS": bad}):
            assert db.pool_size() == 0 and db.executor() is None
    monkeypatch.setattr(db, "shares_memory_db", lambda: True)
    with override_settings(ELEARNING_CHAT={"DB_THREADS": 3}):
        assert db.executor() is None  # in-memory SQLite: the thread-sensitive way


async def test_default_is_four_threads_except_in_memory_sqlite():
    from django.db import connection

    in_memory = connection.vendor == "sqlite" and connection.is_in_memory_db()
    assert db.shares_memory_db() is in_memory
    assert db.pool_size() == (0 if in_memory else 4)


async def test_db_call_runs_on_pool_closes_connections_and_keeps_context(pooled, monkeypatch):
    closes = []
    monkeypatch.setattr(
        channels.db, "close_old_connections", lambda: closes.append(threading.current_thread().name)
    )
    probe.set("from the caller")

    def work(a, b=None):
        return threading.current_thread().name, probe.get(), a, b

    name, seen, a, b = await db_call(work, 1, b=2)
    assert name.startswith("elearning-chat-db")
    assert (seen, a, b) == ("from the caller", 1, 2)
    assert closes == [name, name]  # before and after, on the pool thread


async def test_db_call_raises_the_function_error_and_closes_after(pooled, monkeypatch):
    closes = []
    monkeypatch.setattr(channels.db, "close_old_connections", lambda: closes.append(1))

    def fail():
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        await db_call(fail)
    assert closes == [1, 1]


async def test_db_threads_zero_is_the_thread_sensitive_way():
    with override_settings(ELEARNING_CHAT={"DB_THREADS": 0}):
        async with HeldThread():
            call = asyncio.ensure_future(db_call(threading.current_thread))
            await asyncio.sleep(0.2)
            assert not call.done()  # queued behind the held thread, whatever the timing
        thread = await asyncio.wait_for(call, GENEROUS)
    assert not thread.name.startswith("elearning-chat-db")


# The chat while the thread-sensitive thread is held ----------------------------------


async def test_connect_store_and_broadcast_while_request_thread_is_held(users, pooled):
    ann, bob = await users("ann", "bob")
    async with HeldThread() as held:
        a, history = await join(ann)
        b, _ = await join(bob)
        assert history["messages"] == []
        await send(a, type="message", body="still here")
        got_a = await receive(a, "message", timeout=GENEROUS)
        got_b = await receive(b, "message", timeout=GENEROUS)
        assert got_a == got_b and got_a["body"] == "still here"
        stored = await db_call(lambda: list(Message.objects.values_list("pk", "body")))
        assert stored == [(got_a["id"], "still here")]
        assert await db_call(Connection.objects.count) == 2  # presence rows written
        await a.disconnect()
        await b.disconnect()
        assert await db_call(Connection.objects.count) == 0
        assert held.held  # all of it without the held thread


async def test_old_way_connect_waits_for_the_held_thread(users):
    # What the pool avoids: with DB_THREADS 0 the connect cannot finish while the
    # thread is held (asserted without timing: it can only be later, never sooner).
    (ann,) = await users("ann")
    with override_settings(ELEARNING_CHAT={"DB_THREADS": 0}):
        comm = communicator(ann)
        async with HeldThread():
            connecting = asyncio.ensure_future(comm.connect(timeout=GENEROUS))
            await asyncio.sleep(0.2)
            assert not connecting.done()
        connected, _ = await asyncio.wait_for(connecting, GENEROUS)
        assert connected
        assert (await comm.receive_json_from(timeout=TIMEOUT))["type"] == "history"
        await comm.disconnect()


async def test_sockets_hold_no_database_connection_object_of_their_own(users, monkeypatch):
    """Django keeps database connections per asyncio context: a socket's task that so much
    as looks at ``connections[alias]`` gets a connection object of its own, held (a few KB)
    for as long as the socket lives. The chat leaves connections to its database threads."""
    from django.db import connections

    ann, bob, cid = await users("ann", "bob", "cid")
    loop_thread = threading.get_ident()
    created = []
    original = connections.create_connection

    def create_connection(alias):
        created.append(threading.get_ident() == loop_thread)
        return original(alias)

    monkeypatch.setattr(connections, "create_connection", create_connection)
    with override_settings(ELEARNING_CHAT={"DB_THREADS": 2}):  # the pool's size worked out anew
        comms = [(await join(user))[0] for user in (ann, bob, cid)]
        await send(comms[0], type="message", body="hello")
        assert (await receive(comms[2], "message"))["body"] == "hello"
        assert True not in created  # none on the event loop's thread (the sockets' tasks)
        for comm in comms:
            await comm.disconnect()
