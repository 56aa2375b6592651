"""Connects at scale: queries per connect, per-room hub start, bounded rooms and slow
readers. Every condition is forced explicitly (events, settings), never by timing."""

import asyncio
import contextlib
import datetime
import io
import threading

import pytest
from channels.db import database_sync_to_async
from django.core.management import call_command
from django.db.backends.utils import CursorWrapper
from django.test import override_settings
from django.utils import timezone

from elearning_chat import consumers, services
from elearning_chat import hub as hub_module
from elearning_chat.consumers import SLOW_READER_CLOSE_CODE
from elearning_chat.hub import get_registry
from elearning_chat.models import Connection, Message, Room

from .helpers import TIMEOUT, communicator, join, presence_becomes, receive, send

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def users(make_user):
    async def make(*names, **extra):
        return [await database_sync_to_async(make_user)(name, **extra) for name in names]

    return make


@contextlib.contextmanager
def count_queries():
    """Every SQL statement run meanwhile, in any thread (the consumer runs its database
    work in worker threads, out of reach of django_assert_num_queries)."""
    statements = []
    original = CursorWrapper._execute_with_wrappers

    def counted(self, sql, *args, **kwargs):
        statements.append(sql)
        return original(self, sql, *args, **kwargs)

    CursorWrapper._execute_with_wrappers = counted
    try:
        yield statements
    finally:
        CursorWrapper._execute_with_wrappers = original


def stall(member):
    """Make ``member``'s client stop reading: its sends wait until the returned event is set."""
    gate = asyncio.Event()
    original = member.base_send

    async def blocked(event):
        await gate.wait()
        await original(event)

    member.base_send = blocked
    return gate


async def close_all(*comms):
    for comm in comms:
        await comm.disconnect()


# Queries per connect ------------------------------------------------------------------


@pytest.mark.asyncio
async def test_connect_to_a_running_room_costs_one_query_then_one_for_presence(users):
    ann, bob = await users("ann", "bob")
    a, _ = await join(ann)
    await send(a, type="message", body="hello")
    await receive(a, "message")
    with count_queries() as connect:
        b, history = await join(bob)
    # The presence row. The room and its history come from the running hub.
    assert len(connect) == 1 and connect[0].lstrip().upper().startswith("INSERT"), connect
    assert [m["body"] for m in history["messages"]] == ["hello"]
    with count_queries() as presence:
        await presence_becomes(b, ["ann", "bob"])
    # Who is here: the first PRESENCE_SNAPSHOT_LIMIT users (the count follows from them
    # while the room is smaller than that).
    assert len(presence) == 1, presence
    with count_queries() as leave:
        await b.disconnect()
        await presence_becomes(a, ["ann"])
    # The presence row, and at most one query for who is here (the hub's presence loop may
    # run it after the member already saw the delta of a local leave). SQLite opens its
    # write transaction with a BEGIN of its own.
    statements = [q for q in leave if q.strip().upper() != "BEGIN"]
    assert statements[0].lstrip().upper().startswith("DELETE") and len(statements) <= 2, leave
    await close_all(a)


@pytest.mark.asyncio
async def test_sockets_connecting_together_share_one_insert(users, monkeypatch):
    """A storm: the sockets that connect while an earlier connect's database work runs
    are let in together: one policy check each, one room lookup and one INSERT in all."""
    ann, *others = await users("ann", "bob", "cat", "dan", "eve")
    room = await database_sync_to_async(services.get_or_create_room)("lobby")
    batches, started, gate = [], threading.Event(), threading.Event()
    original = services.enter_many

    def held_first(server_id, entries):
        batches.append([user.username for user, *_rest in entries])
        if len(batches) == 1:
            started.set()
            assert gate.wait(TIMEOUT)
        return original(server_id, entries)

    monkeypatch.setattr(services, "enter_many", held_first)
    first = asyncio.ensure_future(join(ann))
    assert await asyncio.to_thread(started.wait, TIMEOUT)
    with count_queries() as storm:
        later = [asyncio.ensure_future(join(user)) for user in others]
        queue = consumers.enter._queues[asyncio.get_running_loop()]
        async with asyncio.timeout(TIMEOUT):
            while len(queue.waiting) < len(others):  # every one waits for the next batch
                await asyncio.sleep(0)
        gate.set()
        comms = [comm for comm, _history in await asyncio.gather(first, *later)]
    assert batches == [["ann"], ["bob", "cat", "dan", "eve"]]
    inserts = [
        q for q in storm if "elearning_chat_connection" in q and q.lstrip().upper().startswith("INSERT")
    ]
    room_lookups = [q for q in storm if 'FROM "elearning_chat_room" WHERE' in q]
    # One of each per batch (ann's went alone): 2, not 5.
    assert len(inserts) == 2 and len(room_lookups) == 2, storm
    assert await database_sync_to_async(Connection.objects.filter(room_slug=room.slug).count)() == 5
    await close_all(*comms)


@pytest.mark.asyncio
async def test_first_connect_to_a_room_loads_it_once(users):
    ann, bob = await users("ann", "bob")
    await database_sync_to_async(services.get_or_create_room)("lobby")
    with count_queries() as connect:
        a, _ = await join(ann)
    # room + presence row, then the hub's start: last id, recent messages, presence
    assert len(connect) == 5, connect
    await close_all(a)


@override_settings(ELEARNING_CHAT={"PRESENCE_SNAPSHOT_LIMIT": 2})
@pytest.mark.asyncio
async def test_presence_of_a_room_larger_than_the_snapshot_is_two_queries(users):
    ann, bob, cid = await users("ann", "bob", "cid")
    a, _ = await join(ann)
    b, _ = await join(bob)
    await presence_becomes(a, ["ann", "bob"])
    with count_queries() as queries:
        c, _ = await join(cid)
        await presence_becomes(a, ["ann", "bob"], count=3)
    assert len(queries) == 3, queries  # presence row; window + count
    await close_all(a, b, c)


@override_settings(ELEARNING_CHAT={"PRESENCE_INTERVAL": 3600})
@pytest.mark.asyncio
async def test_a_join_storm_sends_one_presence_notice_per_room_and_interval(users, monkeypatch):
    people = await users(*(f"user{i}" for i in range(6)))
    registry = get_registry()
    notices = []
    original = registry.broadcast

    async def broadcast(room_slug, message):
        if message["type"] == "chat.presence":
            notices.append(room_slug)
        await original(room_slug, message)

    monkeypatch.setattr(registry, "broadcast", broadcast)
    first, _ = await join(people[0])
    others = [(await join(person))[0] for person in people[1:]]
    other_room, _ = await join(people[0], "other")
    # The first join is announced at once, the next ones together at the interval's end.
    assert notices.count("lobby") == 1 and "other" not in registry._announce_again
    assert set(registry._announcing) == {"lobby", "other"} and registry._announce_again == {"lobby"}
    await presence_becomes(first, ["user0"])
    await close_all(first, *others, other_room)


@pytest.mark.asyncio
async def test_sockets_hold_no_channel_layer_channel(users):
    ann, bob = await users("ann", "bob")
    a, _ = await join(ann)
    b, _ = await join(bob)
    hub = get_registry().hubs["lobby"]
    assert hub.channel_name  # the room's one member of the group in this process
    assert all(member.channel_layer is None and not hasattr(member, "channel_name") for member in hub.members)
    await close_all(a, b)


# Hubs start per room ------------------------------------------------------------------


@pytest.mark.asyncio
async def test_a_new_room_joins_while_another_rooms_hub_is_slow_to_start(users, monkeypatch):
    ann, bob = await users("ann", "bob")
    started, release = asyncio.Event(), asyncio.Event()
    original = hub_module.RoomHub.start

    async def start(self):
        if self.room_slug == "slow":
            started.set()
            await release.wait()  # e.g. a database that takes its time
        await original(self)

    monkeypatch.setattr(hub_module.RoomHub, "start", start)
    slow = asyncio.create_task(join(ann, "slow"))
    await asyncio.wait_for(started.wait(), TIMEOUT)
    # While "slow" is starting: another room opens, and a second socket of "slow" waits
    # for the same start instead of starting a second hub.
    fast, _ = await join(bob, "fast")
    await send(fast, type="message", body="not held up")
    assert (await receive(fast, "message"))["body"] == "not held up"
    also_slow = asyncio.create_task(join(bob, "slow"))
    assert not slow.done() and "slow" in get_registry().starting
    release.set()
    (a, _), (b, _) = await slow, await also_slow
    assert len(get_registry().hubs["slow"].members) == 2
    await send(a, type="message", body="started")
    assert (await receive(b, "message"))["body"] == "started"
    await close_all(a, b, fast)


@pytest.mark.asyncio
async def test_a_failed_hub_start_lets_the_next_join_try_again(users, monkeypatch):
    (ann,) = await users("ann")
    original = hub_module.RoomHub.start
    failures = []

    async def start(self):
        if not failures:
            failures.append(self.room_slug)
            raise ConnectionError("layer down")
        await original(self)

    monkeypatch.setattr(hub_module.RoomHub, "start", start)
    with pytest.raises(ConnectionError):
        await get_registry().join("lobby", object())
    assert get_registry().starting == {} and get_registry().hubs == {}
    a, _ = await join(ann)
    await close_all(a)


# Slow readers -------------------------------------------------------------------------


@override_settings(ELEARNING_CHAT={"SEND_QUEUE_LIMIT": 2})
@pytest.mark.asyncio
async def test_a_slow_reader_is_closed_with_1013_and_the_room_goes_on(users):
    ann, bob, cid = await users("ann", "bob", "cid")
    a, _ = await join(ann)
    b, _ = await join(bob)
    c, _ = await join(cid)
    await presence_becomes(a, ["ann", "bob", "cid"])
    await presence_becomes(b, ["ann", "bob", "cid"])
    await presence_becomes(c, ["ann", "bob", "cid"])
    slow = next(m for m in get_registry().hubs["lobby"].members if m.user.pk == bob.pk)
    gate = stall(slow)  # bob's client stops reading
    for i in range(5):
        await send(a, type="message", body=f"m{i}")
    # The others get every message while bob's socket is stuck.
    for comm in (a, c):
        assert [(await receive(comm, "message"))["body"] for _ in range(5)] == [f"m{i}" for i in range(5)]
    # One frame in flight, two queued, the fourth overflowed: closed, nothing kept.
    assert slow.closing and not slow.backlog and not slow.ready
    gate.set()
    got = []
    while True:
        output = await b.receive_output(timeout=TIMEOUT)
        if output["type"] == "websocket.close":
            break
        got.append(output["type"])
    assert output["code"] == SLOW_READER_CLOSE_CODE
    assert len(got) < 5
    await b.disconnect()
    await presence_becomes(a, ["ann", "cid"])
    await send(c, type="message", body="still fine")
    assert (await receive(a, "message"))["body"] == "still fine"
    await close_all(a, c)


@pytest.mark.asyncio
async def test_a_reader_that_catches_up_loses_nothing(users):
    ann, bob = await users("ann", "bob")
    a, _ = await join(ann)
    b, _ = await join(bob)
    await presence_becomes(a, ["ann", "bob"])
    await presence_becomes(b, ["ann", "bob"])
    slow = next(m for m in get_registry().hubs["lobby"].members if m.user.pk == bob.pk)
    gate = stall(slow)
    for i in range(4):
        await send(a, type="message", body=f"m{i}")
    for _ in range(4):
        await receive(a, "message")
    assert len(slow.backlog) == 3  # queued behind the frame in flight, in order
    gate.set()
    assert [(await receive(b, "message"))["body"] for _ in range(4)] == [f"m{i}" for i in range(4)]
    await close_all(a, b)


# Bounded rooms ------------------------------------------------------------------------


@override_settings(ELEARNING_CHAT={"ROOM_CREATE_LIMIT": 2})
@pytest.mark.asyncio
async def test_room_creation_is_limited_per_user(users, client):
    ann, bob = await users("ann", "bob")
    first, _ = await join(ann, "new-1")
    second, _ = await join(ann, "new-2")
    connected, _ = await communicator(ann, "new-3").connect(timeout=TIMEOUT)
    assert not connected
    assert not await database_sync_to_async(Room.objects.filter(slug="new-3").exists)()
    # Rooms that exist stay open to her; other people may still create rooms.
    lobby_by_bob, _ = await join(bob)
    again, _ = await join(ann)
    bobs, _ = await join(bob, "new-3")
    creators = await database_sync_to_async(lambda: dict(Room.objects.values_list("slug", "created_by")))()
    assert creators == {"new-1": ann.pk, "new-2": ann.pk, "lobby": bob.pk, "new-3": bob.pk}
    # An hour later she may create rooms again.
    earlier = timezone.now() - datetime.timedelta(minutes=61)
    await database_sync_to_async(Room.objects.filter(created_by=ann).update)(created_at=earlier)
    fourth, _ = await join(ann, "new-4")
    await close_all(first, second, lobby_by_bob, again, bobs, fourth)
    assert not await database_sync_to_async(Connection.objects.exists)()


@pytest.mark.django_db
@override_settings(ELEARNING_CHAT={"ROOM_CREATE_LIMIT": 1})
def test_room_page_over_the_limit_explains_instead_of_failing(make_user, client):
    ann = make_user("ann")
    Room.objects.create(slug="mine", title="Mine", created_by=ann)
    client.force_login(ann)
    response = client.get("/chat/another/")
    assert response.status_code == 429
    assert b"data-chat-room-limit" in response.content
    assert "too many new rooms" in response.content.decode()
    assert client.get("/chat/mine/").status_code == 200  # existing rooms open as usual


@override_settings(ELEARNING_CHAT={"MAX_ROOMS_PER_PROCESS": 2})
@pytest.mark.asyncio
async def test_rooms_per_process_are_bounded(users):
    (ann,) = await users("ann")
    one, _ = await join(ann, "one")
    two, _ = await join(ann, "two")
    connected, _ = await communicator(ann, "three").connect(timeout=TIMEOUT)
    assert not connected
    extra, _ = await join(ann, "two")  # rooms already open here still take sockets
    await close_all(one)
    three, _ = await join(ann, "three")
    assert set(get_registry().hubs) == {"two", "three"}
    await close_all(two, extra, three)
    assert not await database_sync_to_async(Connection.objects.exists)()


def test_prune_chat_rooms_removes_only_unused_rooms(make_user):
    ann = make_user("ann")
    old = timezone.now() - datetime.timedelta(days=2)
    for slug in ("used", "empty", "occupied", "lobby", "recent"):
        Room.objects.create(slug=slug, title=slug)
    Room.objects.exclude(slug="recent").update(created_at=old)
    Message.objects.create(room=Room.objects.get(slug="used"), author=ann, body="hi", deleted=True)
    Connection.objects.create(
        room_slug="occupied", user=ann, server_id="s", channel_name="c", seen_at=timezone.now()
    )
    out = io.StringIO()
    call_command("prune_chat_rooms", "--dry-run", stdout=out)
    assert "Would delete 1 unused room(s). empty" in out.getvalue()
    assert Room.objects.count() == 5
    call_command("prune_chat_rooms", stdout=io.StringIO())
    assert sorted(Room.objects.values_list("slug", flat=True)) == ["lobby", "occupied", "recent", "used"]
    call_command("prune_chat_rooms", "--older-than", "0", stdout=io.StringIO())
    assert sorted(Room.objects.values_list("slug", flat=True)) == ["lobby", "occupied", "used"]


# Heartbeats -----------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_a_heartbeat_finds_the_rooms_behind_in_one_query_and_spreads_the_rooms(users, monkeypatch):
    ann, bob = await users("ann", "bob")
    comms = [(await join(ann, room))[0] for room in ("lobby", "room-a", "room-b")]
    room_b = await database_sync_to_async(Room.objects.get)(slug="room-b")
    # Stored without a broadcast: the hub of room-b misses its last message.
    lost, _ = await database_sync_to_async(services.post_message)(bob, room_b, "last and dropped")
    looked_up, caught_up, turns = [], [], []
    last_ids, between = services.last_message_ids, services.messages_between

    def counted_last_ids(slugs):
        looked_up.append(sorted(slugs))
        return last_ids(slugs)

    def counted_between(slug, *args):
        caught_up.append(slug)
        return between(slug, *args)

    async def turn(seconds):
        turns.append((seconds, len(caught_up)))

    monkeypatch.setattr(services, "last_message_ids", counted_last_ids)
    monkeypatch.setattr(services, "messages_between", counted_between)
    monkeypatch.setattr(hub_module, "pause", turn)
    await get_registry().beat(spread=3.0)
    assert looked_up == [["lobby", "room-a", "room-b"]]  # one query for every room
    assert caught_up == ["room-b"]  # and only the room behind reads its messages
    assert [seconds for seconds, _ in turns] == [1.0, 1.0]  # three rooms, evenly over 3 s
    assert (await receive(comms[2], "message"))["id"] == lost["id"]
    # Without a spread (the tests' and a direct call's), no pause at all.
    turns.clear()
    await get_registry().beat()
    assert turns == [] and caught_up == ["room-b"]
    await close_all(*comms)


class _Stop(Exception):
    pass


@pytest.mark.asyncio
async def test_heartbeats_keep_their_period_while_the_rooms_take_their_turns(monkeypatch):
    """A beat starts every PRESENCE_HEARTBEAT seconds (presence rows must be refreshed well
    within PRESENCE_TTL), its rooms' turns spread over the first half of the interval."""
    clock, waits, spreads = [1000.0], [], []

    async def pause(seconds):
        waits.append(seconds)
        clock[0] += seconds
        if len(waits) == 4:
            raise _Stop

    async def beat(spread=0.0):
        spreads.append(spread)
        clock[0] += spread  # the rooms' turns take the time they are given

    monkeypatch.setattr(hub_module, "now", lambda: clock[0])
    monkeypatch.setattr(hub_module, "pause", pause)
    registry = get_registry()
    monkeypatch.setattr(registry, "beat", beat)
    with override_settings(ELEARNING_CHAT={"PRESENCE_HEARTBEAT": 10, "PRESENCE_TTL": 30}):
        with pytest.raises(_Stop):
            await registry._heartbeat()
    assert spreads == [5.0, 5.0, 5.0]
    assert waits == [10.0, 5.0, 5.0, 5.0]  # beats at 1010, 1020, 1030: one every 10 s
