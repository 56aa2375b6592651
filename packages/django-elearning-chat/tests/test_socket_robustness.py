"""Hostile frames, crashes and lost broadcasts: the socket stays usable, nothing is left behind."""

import asyncio
import json
import logging

import pytest
from channels.db import database_sync_to_async
from django.db import OperationalError, connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from elearning_chat import audit, services
from elearning_chat.consumers import ChatConsumer
from elearning_chat.frames import MAX_CLIENT_DEPTH
from elearning_chat.hub import get_registry
from elearning_chat.models import Connection, Message, Room

from .helpers import TIMEOUT, before_probe, communicator, join, receive, send
from .policies import RevocablePolicy

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

REVOCABLE = {"ROOM_POLICY": "tests.policies.RevocablePolicy"}


@pytest.fixture
def users(make_user):
    async def make(*names, **extra):
        return [await database_sync_to_async(make_user)(name, **extra) for name in names]

    return make


@pytest.fixture(autouse=True)
def _reset_policy():
    RevocablePolicy.banned = set()
    RevocablePolicy.moderators = set()


async def rows():
    return await database_sync_to_async(Connection.objects.count)()


async def closed_with(comm):
    """The close code of a socket the server closes (frames before it are skipped)."""
    while True:
        output = await comm.receive_output(timeout=TIMEOUT)
        if output["type"] == "websocket.close":
            return output.get("code")


def deep(depth):
    return '{"type": "message", "body": ' + "[" * depth + "]" * depth + "}"


@pytest.mark.parametrize(
    "text",
    [
        deep(1000),  # the crash of the finding: RecursionError in json.loads
        deep(30_000),  # just under the frame size limit
        deep(MAX_CLIENT_DEPTH + 1),
        '{"type": "resync", "after": ' + "[" * 500 + "]" * 500 + "}",
        '{"type": "message", "body": "\\ud800"}',  # an unpaired surrogate
        '{"type": "message", "body": "x"',
        "",
        "null",
        "[]",
        '{"type": 7}',
    ],
)
async def test_hostile_frame_is_bad_request_and_the_socket_lives(users, text):
    (ann,) = await users("ann")
    a, _ = await join(ann)
    await a.send_input({"type": "websocket.receive", "text": text})
    assert (await receive(a, "error"))["code"] == "bad_request"
    await send(a, type="message", body="still here")
    assert (await receive(a, "message"))["body"] == "still here"
    await a.disconnect()
    assert await rows() == 0


async def test_oversized_frame_is_too_long(users):
    (ann,) = await users("ann")
    a, _ = await join(ann)
    await a.send_to(text_data=json.dumps({"type": "typing", "pad": "x" * 200_000}))
    assert (await receive(a, "error"))["code"] == "too_long"
    await send(a, type="message", body="after")
    assert (await receive(a, "message"))["body"] == "after"
    await a.disconnect()


async def test_a_failing_handler_is_server_error_logged_once(users, monkeypatch, caplog):
    (ann,) = await users("ann")
    monkeypatch.setattr(ChatConsumer, "RESYNC_BURST", 50)
    a, _ = await join(ann)

    def broken(*args, **kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(services, "history", broken)
    with caplog.at_level(logging.WARNING, logger="elearning_chat.consumers"):
        for _ in range(20):
            await send(a, type="resync", after=0)
            assert (await receive(a, "error"))["code"] == "server_error"
        await send(a, type="message", body="alive")
        assert (await receive(a, "message"))["body"] == "alive"
        await a.disconnect()
    tracebacks = [r for r in caplog.records if r.exc_info]
    assert len(tracebacks) == 1
    assert any("19 more failed frames" in r.getMessage() for r in caplog.records)


async def test_crashed_consumers_leave_no_ghost_presence(users, monkeypatch):
    """Whatever escapes a consumer (here: an error outside any frame handler, which the
    server answers with 1011), its presence row is deleted and its hub left."""
    ann, bob = await users("ann", "bob")
    b, _ = await join(bob)

    async def crash(self, message):
        raise RuntimeError("unexpected")

    monkeypatch.setattr(ChatConsumer, "websocket_receive", crash)
    for _ in range(20):
        a, _ = await join(ann)
        await a.send_to(text_data="{}")
        with pytest.raises(RuntimeError):
            await a.wait(timeout=TIMEOUT)
    hub = get_registry().hubs["lobby"]
    assert [m.user.pk for m in hub.members] == [bob.pk]
    assert await rows() == 1  # bob's
    await b.disconnect()
    assert await rows() == 0
    assert get_registry().hubs == {}


async def test_a_database_failure_on_connect_closes_with_try_again_later(users, monkeypatch, caplog):
    """The database cannot let a socket in (down, connection lost): the handshake is
    accepted and closed with 1013, so the client reconnects later; no 1011, no row."""
    (ann,) = await users("ann")

    def database_down(*args, **kwargs):
        raise OperationalError("the database is down")

    monkeypatch.setattr(services, "enter_many", database_down)
    comm = communicator(ann)
    connected, _ = await comm.connect(timeout=TIMEOUT)
    assert connected
    assert await closed_with(comm) == 1013
    assert "could not let a socket into lobby" in caplog.text
    monkeypatch.undo()
    assert await rows() == 0
    assert get_registry().hubs == {}
    a, history = await join(ann)  # the database is back: the next connect works
    assert history["type"] == "history"
    await a.disconnect()


# Resync throttle ------------------------------------------------------------------------


async def test_resync_burst_then_rate_limited(users):
    (ann,) = await users("ann")
    a, _ = await join(ann)
    answers = []
    for _ in range(ChatConsumer.RESYNC_BURST + 3):
        await send(a, type="resync", after=0)
        frame = await a.receive_json_from(timeout=TIMEOUT)
        while frame["type"] not in ("history", "error"):
            frame = await a.receive_json_from(timeout=TIMEOUT)
        answers.append(frame["type"] if frame["type"] == "history" else frame["code"])
    assert answers == ["history"] * ChatConsumer.RESYNC_BURST + ["rate_limited"] * 3
    await a.disconnect()


async def test_resync_continuations_are_free_and_tokens_refill(users, monkeypatch):
    (ann,) = await users("ann")
    room = await database_sync_to_async(services.get_or_create_room)("lobby")
    await database_sync_to_async(Message.objects.bulk_create)(
        Message(room=room, author=ann, body=f"m{i}") for i in range(60)
    )
    clock = [1000.0]
    monkeypatch.setattr("elearning_chat.consumers.time.monotonic", lambda: clock[0])
    with override_settings(ELEARNING_CHAT={"RESYNC_PAGE_SIZE": 5}):
        a, _ = await join(ann)
        after, pages = 0, 0
        while True:  # 12 pages, far more than the burst
            await send(a, type="resync", after=after)
            page = await receive(a, "history")
            pages += 1
            if not page["has_more"]:
                break
            after = page["messages"][-1]["id"]
        assert pages == 12
        for _ in range(ChatConsumer.RESYNC_BURST - 1):
            await send(a, type="resync", after=0)
            assert (await receive(a, "history"))["after"] == 0
        await send(a, type="resync", after=0)
        assert (await receive(a, "error"))["code"] == "rate_limited"
        clock[0] += ChatConsumer.RESYNC_REFILL_SECONDS  # one token back
        await send(a, type="resync", after=0)
        assert (await receive(a, "history"))["after"] == 0
        await a.disconnect()


# Lost kicks and deletions -----------------------------------------------------------------


async def test_heartbeat_closes_a_socket_whose_kick_was_lost(users):
    ann, bob = await users("ann", "bob")
    with override_settings(ELEARNING_CHAT=REVOCABLE):
        a, _ = await join(ann)
        b, _ = await join(bob)
        RevocablePolicy.banned = {"ann"}  # and the kick's broadcast never arrives
        await get_registry().beat()
        assert (await receive(a, "error"))["code"] == "forbidden"
        assert await closed_with(a) == 4403
        await a.disconnect()
        await send(b, type="message", body="bob stays")
        assert (await receive(b, "message"))["body"] == "bob stays"
        await b.disconnect()


async def test_a_gap_in_the_messages_rechecks_access(users):
    ann, bob = await users("ann", "bob")
    with override_settings(ELEARNING_CHAT=REVOCABLE):
        a, _ = await join(ann)
        b, _ = await join(bob)
        room = await database_sync_to_async(Room.objects.get)(slug="lobby")
        RevocablePolicy.banned = {"ann"}
        # A broadcast the layer dropped (stored, never sent) reveals a gap at the next one.
        await database_sync_to_async(services.post_message)(bob, room, "dropped")
        await send(b, type="message", body="next")
        assert (await receive(a, "error"))["code"] == "forbidden"
        assert await closed_with(a) == 4403
        await a.disconnect()
        await b.disconnect()


async def test_heartbeat_sends_a_lost_deletion_once(users):
    ann, bob = await users("ann", "bob")
    a, _ = await join(ann)
    b, _ = await join(bob)
    await send(a, type="message", body="to delete")
    doomed = await receive(b, "message")
    await receive(a, "message")
    # Deleted in the database; the ``deleted`` broadcast is lost.
    await database_sync_to_async(Message.objects.filter(pk=doomed["id"]).update)(deleted=True)
    await get_registry().beat()
    for comm in (a, b):
        assert await receive(comm, "deleted") == {"type": "deleted", "room": "lobby", "id": doomed["id"]}
    await get_registry().beat()
    assert "deleted" not in await before_probe(b, a)
    # Nor sent for deletions made before the hub started, nor after a delivered one.
    await a.disconnect()
    await b.disconnect()
    c, history = await join(ann)
    assert history["messages"][-1]["body"] == "probe"
    await get_registry().beat()
    assert "deleted" not in await before_probe(c)
    await c.disconnect()


async def test_access_recheck_is_one_query_whatever_the_users(make_user):
    def check():
        people = [make_user(f"u{i}") for i in range(8)]
        people[3].is_active = False
        people[3].save()
        with CaptureQueriesContext(connection) as one:
            assert audit.allowed_user_ids("lobby", {people[0].pk}) == {people[0].pk}
        with CaptureQueriesContext(connection) as eight:
            allowed = audit.allowed_user_ids("lobby", {p.pk for p in people})
        assert allowed == {p.pk for p in people} - {people[3].pk}
        with CaptureQueriesContext(connection) as deletions:
            audit.deleted_ids("lobby", 0)
        assert len(one) == len(eight) == len(deletions) == 1

    await database_sync_to_async(check)()


# Tasks ---------------------------------------------------------------------------------


def chat_tasks():
    return [t for t in asyncio.all_tasks() if not t.done() and "elearning_chat" in t.get_name()]


async def test_no_task_is_left_running_after_the_sockets_close(users):
    ann, bob = await users("ann", "bob")
    a, _ = await join(ann)
    b, _ = await join(bob, "other")
    hub = get_registry().hubs["lobby"]
    await send(a, type="message", body="one")
    await receive(a, "message")
    await get_registry().beat()
    consumer = next(iter(hub.members))
    assert chat_tasks()
    await a.disconnect()
    await b.disconnect()
    assert consumer.message_writer is None or consumer.message_writer.done()
    assert consumer.writer is None
    for task in (hub._task, hub._presence_task, hub._audit_task):
        assert task is None or task.done()
    # Only the presence notices of the last leaves remain; they end on their own.
    await asyncio.gather(*get_registry()._announcing.values())
    assert chat_tasks() == []
    assert await rows() == 0


async def test_a_message_in_flight_when_the_client_leaves_is_stored_and_sent(users, monkeypatch):
    ann, bob = await users("ann", "bob")
    a, _ = await join(ann)
    b, _ = await join(bob)
    release = asyncio.Event()
    loop = asyncio.get_running_loop()
    original = services.post_messages

    def slow(*args, **kwargs):
        asyncio.run_coroutine_threadsafe(release.wait(), loop).result(TIMEOUT)
        return original(*args, **kwargs)

    monkeypatch.setattr(services, "post_messages", slow)
    await send(a, type="message", body="last words")
    disconnecting = asyncio.ensure_future(a.disconnect())
    await asyncio.sleep(0)
    release.set()
    await disconnecting
    assert (await receive(b, "message"))["body"] == "last words"
    await b.disconnect()
    assert await rows() == 0
