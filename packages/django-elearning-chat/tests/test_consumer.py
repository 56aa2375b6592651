"""ChatConsumer: every frame type, role and bad input (default policy unless stated)."""

import asyncio
import contextlib
import datetime
import json

import channels.consumer
import pytest
from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser
from django.test import override_settings
from django.utils import timezone

from elearning_chat import services
from elearning_chat.frames import encode
from elearning_chat.hub import SERVER_ID, get_registry
from elearning_chat.models import Connection, Message, Room
from elearning_chat.moderation import remove_user_from_room
from elearning_chat.rooms import websocket_path
from elearning_chat.routing import websocket_urlpatterns

from .helpers import TIMEOUT, application, before_probe, communicator, join, presence_becomes, receive, send
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
    yield


@database_sync_to_async
def stored(room="lobby"):
    return list(Message.objects.filter(room__slug=room).order_by("id").values_list("body", flat=True))


@database_sync_to_async
def add_messages(user, count, room="lobby", deleted=()):
    room_obj = services.get_or_create_room(room)
    rows = Message.objects.bulk_create(
        Message(room=room_obj, author=user, body=f"m{i}") for i in range(count)
    )
    Message.objects.filter(body__in=[f"m{i}" for i in deleted]).update(deleted=True)
    return (
        [m.pk for m in rows]
        if rows[0].pk
        else list(Message.objects.order_by("id").values_list("id", flat=True))
    )


async def close_all(*comms):
    for comm in comms:
        await comm.disconnect()


# Handshake ---------------------------------------------------------------------------


async def test_anonymous_rejected():
    connected, code = await communicator(AnonymousUser()).connect(timeout=TIMEOUT)
    assert not connected
    assert not await database_sync_to_async(Room.objects.exists)()


async def test_inactive_user_rejected(users):
    (ann,) = await users("ann", is_active=False)
    connected, _ = await communicator(ann).connect(timeout=TIMEOUT)
    assert not connected


async def test_refused_by_policy_rejected_and_room_not_created(users):
    (ann,) = await users("ann")
    with override_settings(ELEARNING_CHAT=REVOCABLE):
        connected, _ = await communicator(ann, "closed-room").connect(timeout=TIMEOUT)
    assert not connected
    assert not await database_sync_to_async(Room.objects.filter(slug="closed-room").exists)()


async def test_bad_room_slug_not_routed():
    # The router refuses the path itself, before any consumer exists (the longest
    # valid slug is routed: tests/test_rooms.py).
    scope = {"type": "websocket", "path": websocket_path("x" * 65)}
    with pytest.raises(ValueError, match="No route found"):
        await application(scope, None, None)


async def test_session_cookie_authentication(users, client):
    (ann,) = await users("ann")
    await database_sync_to_async(client.force_login)(ann)
    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()
    app = AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
    comm = WebsocketCommunicator(app, "/ws/chat/lobby/", headers=[(b"cookie", cookie)])
    connected, _ = await comm.connect(timeout=TIMEOUT)
    assert connected
    await close_all(comm)
    forged = WebsocketCommunicator(app, "/ws/chat/lobby/", headers=[(b"cookie", b"sessionid=forged")])
    connected, _ = await forged.connect(timeout=TIMEOUT)
    assert not connected


async def test_room_created_on_first_join_with_policy_title(users):
    (ann,) = await users("ann")
    comm, _ = await join(ann, "study_group-2")
    room = await database_sync_to_async(Room.objects.get)(slug="study_group-2")
    assert room.title == "Study group 2"
    await close_all(comm)


# History -----------------------------------------------------------------------------


async def test_history_last_50_oldest_first_without_deleted(users):
    (ann,) = await users("ann")
    await add_messages(ann, 60, deleted=(58,))
    comm, history = await join(ann)
    bodies = [m["body"] for m in history["messages"]]
    expected = [f"m{i}" for i in range(60) if i != 58][-50:]
    assert bodies == expected
    first = history["messages"][0]
    assert first["type"] == "message" and first["room"] == "lobby"
    assert first["author"] == {"id": ann.pk, "username": "ann", "avatar_url": ""}
    assert first["created_at"].endswith("Z") and len(first["created_at"]) == 24
    await close_all(comm)


@override_settings(ELEARNING_CHAT={"HISTORY_LENGTH": 3})
async def test_history_length_setting(users):
    (ann,) = await users("ann")
    await add_messages(ann, 5)
    comm, history = await join(ann)
    assert [m["body"] for m in history["messages"]] == ["m2", "m3", "m4"]
    await close_all(comm)


async def test_history_of_an_empty_room(users):
    (ann,) = await users("ann")
    comm, history = await join(ann, "empty")
    assert history == {"type": "history", "after": None, "messages": [], "has_more": False}
    await close_all(comm)


# Messages ----------------------------------------------------------------------------


async def test_message_stored_then_echoed_to_everyone_including_sender(users):
    ann, bob = await users("ann", "bob")
    a, _ = await join(ann)
    b, _ = await join(bob)
    other, _ = await join(bob, "elsewhere")
    await send(a, type="message", body="  hello <b>world</b>  ")
    got_a = await receive(a, "message")
    got_b = await receive(b, "message")
    assert got_a == got_b
    assert got_a["body"] == "hello <b>world</b>"  # trimmed, stored as sent
    assert got_a["author"]["username"] == "ann"
    row = await database_sync_to_async(Message.objects.get)(pk=got_a["id"])
    assert row.body == "hello <b>world</b>" and row.author_id == ann.pk
    # Other rooms hear nothing: the lobby's frames were all written before this one.
    assert "message" not in await before_probe(other)
    await close_all(a, b, other)


async def test_ids_increase_and_order_is_kept(users):
    (ann,) = await users("ann")
    a, _ = await join(ann)
    for i in range(5):
        await send(a, type="message", body=f"n{i}")
    frames = [await receive(a, "message") for _ in range(5)]
    assert [f["body"] for f in frames] == [f"n{i}" for i in range(5)]
    ids = [f["id"] for f in frames]
    assert ids == sorted(ids) and len(set(ids)) == 5
    await close_all(a)


@pytest.mark.parametrize("body", ["", "   ", "\n\t "])
async def test_empty_body_is_bad_request(users, body):
    (ann,) = await users("ann")
    a, _ = await join(ann)
    await send(a, type="message", body=body)
    frame = await receive(a, "error")
    assert frame["code"] == "bad_request" and frame["detail"]
    assert await stored() == []
    await close_all(a)


async def test_too_long(users):
    (ann,) = await users("ann")
    a, _ = await join(ann)
    await send(a, type="message", body="x" * 2001)
    assert (await receive(a, "error"))["code"] == "too_long"
    await send(a, type="message", body="y" * 2000 + "   ")
    assert len((await receive(a, "message"))["body"]) == 2000
    assert await stored() == ["y" * 2000]
    await close_all(a)


@override_settings(ELEARNING_CHAT={"MAX_MESSAGE_LENGTH": 5})
async def test_max_length_setting(users):
    (ann,) = await users("ann")
    a, _ = await join(ann)
    await send(a, type="message", body="123456")
    assert (await receive(a, "error"))["code"] == "too_long"
    await close_all(a)


async def test_rate_limited_across_sockets_and_nothing_stored(users):
    ann, bob = await users("ann", "bob")
    a1, _ = await join(ann)
    a2, _ = await join(ann, "other")
    b, _ = await join(bob)
    for i in range(6):
        await send(a1, type="message", body=f"a{i}")
        await receive(a1, "message")
    for i in range(4):
        await send(a2, type="message", body=f"o{i}")
        await receive(a2, "message")
    await send(a1, type="message", body="one too many")
    frame = await receive(a1, "error")
    assert frame["code"] == "rate_limited"
    assert "one too many" not in await stored()
    # Other users are not affected; the socket stays open.
    await send(b, type="message", body="bob speaks")
    while (await receive(b, "message"))["body"] != "bob speaks":
        pass
    await close_all(a1, a2, b)


async def test_rate_limit_window_slides(users):
    (ann,) = await users("ann")
    await add_messages(ann, 10)
    a, _ = await join(ann)
    await send(a, type="message", body="blocked")
    assert (await receive(a, "error"))["code"] == "rate_limited"
    old = timezone.now() - datetime.timedelta(seconds=11)
    await database_sync_to_async(Message.objects.update)(created_at=old)
    await send(a, type="message", body="allowed")
    assert (await receive(a, "message"))["body"] == "allowed"
    await close_all(a)


BAD_FRAMES = [
    "not json",
    "[1, 2]",
    "42",
    json.dumps({"body": "no type"}),
    json.dumps({"type": "shout", "body": "x"}),
    json.dumps({"type": 7}),
    json.dumps({"type": "message"}),
    json.dumps({"type": "message", "body": 12}),
    json.dumps({"type": "message", "body": ["x"]}),
    json.dumps({"type": "resync"}),
    json.dumps({"type": "resync", "after": "3"}),
    json.dumps({"type": "resync", "after": True}),
    json.dumps({"type": "resync", "after": -1}),
    json.dumps({"type": "resync", "after": 1.5}),
    json.dumps({"type": "delete"}),
    json.dumps({"type": "delete", "id": "1"}),
]


@pytest.mark.parametrize("text", BAD_FRAMES)
async def test_bad_request_keeps_the_connection(users, text):
    (ann,) = await users("ann")
    a, _ = await join(ann)
    await a.send_to(text_data=text)
    frame = await receive(a, "error")
    assert frame["code"] == "bad_request"
    await send(a, type="message", body="still here")
    assert (await receive(a, "message"))["body"] == "still here"
    await close_all(a)


async def test_binary_frame_is_bad_request(users):
    (ann,) = await users("ann")
    a, _ = await join(ann)
    await a.send_to(bytes_data=b'{"type": "message", "body": "x"}')
    assert (await receive(a, "error"))["code"] == "bad_request"
    assert await stored() == []
    await close_all(a)


# Resync ------------------------------------------------------------------------------


async def test_resync_pages_and_skips_deleted(users):
    (ann,) = await users("ann")
    ids = await add_messages(ann, 130, deleted=(5,))
    a, _ = await join(ann)
    await send(a, type="resync", after=0)
    page = await receive(a, "history")
    assert page["after"] == 0
    assert page["has_more"] is True and len(page["messages"]) == 100
    assert "m5" not in [m["body"] for m in page["messages"]]
    await send(a, type="resync", after=page["messages"][-1]["id"])
    rest = await receive(a, "history")
    assert rest["after"] == page["messages"][-1]["id"]
    assert rest["has_more"] is False
    bodies = [m["body"] for m in page["messages"] + rest["messages"]]
    assert bodies == [f"m{i}" for i in range(130) if i != 5]
    await send(a, type="resync", after=ids[-1])
    assert await receive(a, "history") == {
        "type": "history",
        "after": ids[-1],
        "messages": [],
        "has_more": False,
    }
    await close_all(a)


async def test_resync_after_reconnect_catches_up(users):
    ann, bob = await users("ann", "bob")
    a, _ = await join(ann)
    await send(a, type="message", body="seen")
    last_seen = (await receive(a, "message"))["id"]
    await a.disconnect()
    b, _ = await join(bob)
    for body in ("missed 1", "missed 2"):
        await send(b, type="message", body=body)
        await receive(b, "message")
    a, _ = await join(ann)
    await send(a, type="resync", after=last_seen)
    frame = await receive(a, "history")
    assert [m["body"] for m in frame["messages"]] == ["missed 1", "missed 2"]
    await close_all(a, b)


# Typing and presence -----------------------------------------------------------------


async def test_typing_relayed_and_throttled(users):
    ann, bob = await users("ann", "bob")
    a, _ = await join(ann)
    b, _ = await join(bob)
    await send(a, type="typing")
    frame = await receive(b, "typing")
    assert frame["user"]["username"] == "ann" and frame["room"] == "lobby"
    await send(a, type="typing")  # within TYPING_INTERVAL: dropped
    assert "typing" not in await before_probe(b, sender=a)
    await close_all(a, b)


async def test_presence_join_and_leave(users):
    ann, bob = await users("ann", "bob")
    a, _ = await join(ann)
    await presence_becomes(a, ["ann"])
    b, _ = await join(bob)
    await presence_becomes(a, ["ann", "bob"])
    # bob's snapshot may predate his own row; the delta that follows adds him.
    await presence_becomes(b, ["ann", "bob"])
    await b.disconnect()
    await presence_becomes(a, ["ann"])
    assert await database_sync_to_async(Connection.objects.count)() == 1
    await close_all(a)
    assert await database_sync_to_async(Connection.objects.count)() == 0


async def test_presence_frames_snapshot_then_deltas(users):
    ann, bob = await users("ann", "bob")
    a, _ = await join(ann)
    snapshot = a.presence.frames[0]
    assert snapshot == {
        "type": "presence",
        "room": "lobby",
        "count": 1,
        "users": [{"id": ann.pk, "username": "ann", "avatar_url": ""}],
    }
    b, _ = await join(bob)
    await presence_becomes(a, ["ann", "bob"])
    assert a.presence.frames[-1] == {
        "type": "presence_delta",
        "room": "lobby",
        "count": 2,
        "joined": [{"id": bob.pk, "username": "bob", "avatar_url": ""}],
        "left": [],
    }
    await close_all(b)
    await presence_becomes(a, ["ann"])
    assert a.presence.frames[-1] == {
        "type": "presence_delta",
        "room": "lobby",
        "count": 1,
        "joined": [],
        "left": [bob.pk],
    }
    await close_all(a)


async def test_presence_lists_a_user_with_two_tabs_once(users):
    (ann,) = await users("ann")
    a1, _ = await join(ann)
    a2, _ = await join(ann)
    await presence_becomes(a2, ["ann"])
    assert "presence_delta" not in await before_probe(a1)  # the second tab changed nothing
    await close_all(a1, a2)


@override_settings(ELEARNING_CHAT={"PRESENCE_SNAPSHOT_LIMIT": 3, "PRESENCE_INTERVAL": 0})
async def test_presence_snapshot_is_capped_with_the_total(users):
    people = await users("dan", "cat", "eve", "bob", "ann")
    comms = [(await join(person))[0] for person in people]
    late = comms[-1]
    view = await presence_becomes(late, ["ann", "bob", "cat"], count=5)
    # A newcomer's snapshot: the first three by username and the total.
    newcomer, _ = await join(people[0])
    snapshot = newcomer.presence.frames[0]
    assert snapshot["count"] == 5 and [u["username"] for u in snapshot["users"]] == ["ann", "bob", "cat"]
    # Leaving inside the window brings the next name in; outside it, only the count moves.
    await close_all(comms[-1])  # ann
    view = await presence_becomes(newcomer, ["bob", "cat", "dan"], count=4)
    assert view.frames[-1]["joined"] == [{"id": people[0].pk, "username": "dan", "avatar_url": ""}]
    assert view.frames[-1]["left"] == [people[-1].pk]
    await close_all(comms[2])  # eve
    view = await presence_becomes(newcomer, ["bob", "cat", "dan"], count=3)
    assert view.frames[-1]["joined"] == [] and view.frames[-1]["left"] == []
    await close_all(newcomer, *comms[:2], comms[3])


@override_settings(ELEARNING_CHAT={"PRESENCE_SNAPSHOT_LIMIT": 5, "PRESENCE_INTERVAL": 0})
async def test_join_storm_costs_each_member_bounded_presence(users):
    """N users join one room at once: every member ends with the right count and window,
    and receives at most N small frames whose lists never exceed the cap (the full list
    on every join would be O(N) entries per frame, O(N^2) per member)."""
    n = 30
    people = await users(*(f"user{i:02d}" for i in range(n)))
    first, _ = await join(people[0])
    comms = [first] + list(await asyncio.gather(*(join(person) for person in people[1:])))
    comms = [first] + [comm for comm, _ in comms[1:]]
    window = [f"user{i:02d}" for i in range(5)]
    for comm in comms:
        view = await presence_becomes(comm, window, count=n)
        assert len(view.frames) <= n
        for frame in view.frames:
            assert len(frame.get("users", frame.get("joined", []))) <= 5
            assert len(frame.get("left", [])) <= 5
        entries = sum(
            len(f.get("users", [])) + len(f.get("joined", [])) + len(f.get("left", [])) for f in view.frames
        )
        assert entries <= 2 * 5 + n  # not O(n) per join
    await close_all(*comms)


async def test_stale_connections_of_a_dead_process_expire(users):
    ann, ghost = await users("ann", "ghost")
    long_ago = timezone.now() - datetime.timedelta(minutes=5)
    await database_sync_to_async(Connection.objects.create)(
        room_slug="lobby", user=ghost, server_id="dead-process", channel_name="x!dead", seen_at=long_ago
    )
    a, _ = await join(ann)
    await presence_becomes(a, ["ann"])
    await database_sync_to_async(services.heartbeat)(SERVER_ID)
    assert not await database_sync_to_async(Connection.objects.filter(server_id="dead-process").exists)()
    assert await database_sync_to_async(Connection.objects.filter(server_id=SERVER_ID).count)() == 1
    await close_all(a)


async def test_heartbeat_announces_expired_presence(users):
    ann, ghost = await users("ann", "ghost")
    await database_sync_to_async(Connection.objects.create)(
        room_slug="lobby", user=ghost, server_id="dead-process", channel_name="x!dead", seen_at=timezone.now()
    )
    a, _ = await join(ann)
    await presence_becomes(a, ["ann", "ghost"])
    # The ghost's process stops refreshing its row; the next heartbeat notices,
    # without any join or leave.
    long_ago = timezone.now() - datetime.timedelta(minutes=5)
    await database_sync_to_async(Connection.objects.filter(server_id="dead-process").update)(seen_at=long_ago)
    await get_registry().beat()
    await presence_becomes(a, ["ann"])
    await close_all(a)


# Moderation --------------------------------------------------------------------------


async def test_delete_by_moderator(users, client):
    (ann,) = await users("ann")
    (mod,) = await users("mod", is_staff=True)
    a, _ = await join(ann)
    m, _ = await join(mod)
    await send(a, type="message", body="rude")
    msg = await receive(a, "message")
    await receive(m, "message")
    await send(m, type="delete", id=msg["id"])
    assert await receive(a, "deleted") == {"type": "deleted", "room": "lobby", "id": msg["id"]}
    assert (await receive(m, "deleted"))["id"] == msg["id"]
    assert await database_sync_to_async(lambda: Message.objects.get(pk=msg["id"]).deleted)()
    # Gone from history, resync and the API.
    fresh, history = await join(ann)
    assert history["messages"] == []
    await send(fresh, type="resync", after=0)
    assert (await receive(fresh, "history"))["messages"] == []
    await database_sync_to_async(client.force_login)(ann)
    response = await database_sync_to_async(client.get)("/api/chat/rooms/lobby/messages/")
    assert response.json()["results"] == []
    await close_all(a, m, fresh)


async def test_delete_by_non_moderator_is_forbidden(users):
    ann, bob = await users("ann", "bob")
    a, _ = await join(ann)
    b, _ = await join(bob)
    await send(a, type="message", body="mine")
    msg = await receive(b, "message")
    await send(b, type="delete", id=msg["id"])
    assert (await receive(b, "error"))["code"] == "forbidden"
    await send(a, type="delete", id=msg["id"])  # authors are not moderators either
    assert (await receive(a, "error"))["code"] == "forbidden"
    assert "deleted" not in await before_probe(a)
    assert await stored() == ["mine", "probe"]
    assert not await database_sync_to_async(lambda: Message.objects.get(pk=msg["id"]).deleted)()
    await send(b, type="message", body="still connected")
    assert (await receive(b, "message"))["body"] == "probe"  # ann's, posted first
    assert (await receive(b, "message"))["body"] == "still connected"
    await close_all(a, b)


async def test_delete_unknown_or_other_rooms_message(users):
    (mod,) = await users("mod", is_staff=True)
    other = await add_messages(mod, 1, room="other")
    m, _ = await join(mod)
    await send(m, type="delete", id=other[0])
    assert (await receive(m, "error"))["code"] == "bad_request"
    await send(m, type="delete", id=999999)
    assert (await receive(m, "error"))["code"] == "bad_request"
    assert not await database_sync_to_async(Message.objects.filter(deleted=True).exists)()
    await close_all(m)


async def test_policy_moderator(users):
    ann, teacher = await users("ann", "teacher")
    with override_settings(ELEARNING_CHAT=REVOCABLE):
        RevocablePolicy.moderators = {"teacher"}
        a, _ = await join(ann)
        t, _ = await join(teacher)
        await send(a, type="message", body="x")
        msg = await receive(t, "message")
        await send(t, type="delete", id=msg["id"])
        assert (await receive(a, "deleted"))["id"] == msg["id"]
        await close_all(a, t)


async def test_policy_revoked_mid_connection(users):
    ann, bob = await users("ann", "bob")
    with override_settings(ELEARNING_CHAT=REVOCABLE):
        a, _ = await join(ann)
        b, _ = await join(bob)
        RevocablePolicy.banned = {"ann"}
        await send(a, type="message", body="after ban")
        assert (await receive(a, "error"))["code"] == "forbidden"
        closed = await a.receive_output(timeout=TIMEOUT)
        while closed["type"] != "websocket.close":
            closed = await a.receive_output(timeout=TIMEOUT)
        assert closed["code"] == 4403
        assert "after ban" not in await stored()
        # Reconnecting is refused.
        connected, _ = await communicator(ann).connect(timeout=TIMEOUT)
        assert not connected
        await close_all(a, b)


async def test_remove_user_from_room(users):
    ann, bob = await users("ann", "bob")
    a, _ = await join(ann, "course-1")
    a_lobby, _ = await join(ann)
    b, _ = await join(bob, "course-1")
    await database_sync_to_async(remove_user_from_room)("course-1", ann.pk)
    assert (await receive(a, "error"))["code"] == "forbidden"
    closed = await a.receive_output(timeout=TIMEOUT)
    assert closed == {"type": "websocket.close", "code": 4403}
    await a.disconnect()
    await presence_becomes(b, ["bob"])
    # The other room and the other user are untouched.
    await send(a_lobby, type="message", body="lobby still works")
    assert (await receive(a_lobby, "message"))["body"] == "lobby still works"
    await send(b, type="message", body="course goes on")
    assert (await receive(b, "message"))["body"] == "course goes on"
    await close_all(a_lobby, b)


# The per-process hub -----------------------------------------------------------------


async def test_one_hub_per_room_and_process(users):
    ann, bob = await users("ann", "bob")
    a, _ = await join(ann)
    b, _ = await join(bob)
    c, _ = await join(bob, "other")
    registry = get_registry()
    assert set(registry.hubs) == {"lobby", "other"}
    assert len(registry.hubs["lobby"].members) == 2
    await close_all(a, b, c)
    assert registry.hubs == {}


async def test_hub_skips_a_socket_that_fails_mid_broadcast(users):
    ann, bob, cid = await users("ann", "bob", "cid")
    a, _ = await join(ann)
    b, _ = await join(bob)
    c, _ = await join(cid)
    hub = get_registry().hubs["lobby"]
    broken = next(m for m in hub.members if m.user.pk == bob.pk)

    async def fail(*args, **kwargs):
        raise RuntimeError("socket gone")

    broken.base_send = fail
    await send(a, type="message", body="for the living")
    assert (await receive(a, "message"))["body"] == "for the living"
    assert (await receive(c, "message"))["body"] == "for the living"
    await close_all(a, c)


async def test_hub_recovers_from_channel_layer_errors(users, monkeypatch):
    ann, bob = await users("ann", "bob")
    a, _ = await join(ann)
    b, _ = await join(bob)
    hub = get_registry().hubs["lobby"]
    layer = hub.layer
    original = layer.receive
    failures = []
    failed_twice = asyncio.Event()

    async def flaky(channel):
        if channel == hub.channel_name and len(failures) < 2:
            failures.append(channel)
            if len(failures) == 2:
                failed_twice.set()
            raise ConnectionError("layer down")
        return await original(channel)

    monkeypatch.setattr(layer, "receive", flaky)
    # The loop waits inside the original receive: restart it on the flaky one.
    hub._task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await hub._task
    hub._task = asyncio.create_task(hub._run())
    await asyncio.wait_for(failed_twice.wait(), TIMEOUT)
    await send(a, type="message", body="after the outage")
    assert (await receive(b, "message"))["body"] == "after the outage"
    await close_all(a, b)


@pytest.mark.parametrize("moment", ["connecting", "reloading"])
async def test_message_stored_while_joining_is_not_lost_nor_doubled(users, monkeypatch, moment):
    """A message stored and broadcast while a newcomer connects (during its database
    work, or while its hub re-reads the history after a deletion) reaches it once:
    in the history or live."""
    ann, bob = await users("ann", "bob")
    b, _ = await join(bob)
    hub = get_registry().hubs["lobby"]
    room = await database_sync_to_async(Room.objects.get)(slug="lobby")
    loop = asyncio.get_running_loop()
    target = "enter_many" if moment == "connecting" else "recent_messages"
    original = getattr(services, target)
    if moment == "reloading":
        await send(b, type="message", body="to delete")
        doomed = await receive(b, "message")
        await database_sync_to_async(Message.objects.filter(pk=doomed["id"]).update)(deleted=True)
        await hub.dispatch({"type": "chat.deleted", "id": doomed["id"], "frame": "{}"})
        assert hub.recent is None

    def meanwhile(*args, **kwargs):
        # In the newcomer's database thread: store, then broadcast without waiting (the
        # hub may be holding its ordering lock for this very read).
        message, previous = services.post_message(bob, room, "during join")
        coroutine = hub.fan_out_message(encode(message), message["id"], previous)
        loop.call_soon_threadsafe(asyncio.ensure_future, coroutine)
        return original(*args, **kwargs)

    monkeypatch.setattr(services, target, meanwhile)
    comm = communicator(ann)
    connected, _ = await comm.connect(timeout=TIMEOUT)
    assert connected
    history = await receive(comm, "history")
    monkeypatch.setattr(services, target, original)
    in_history = [m["body"] for m in history["messages"]]
    await send(comm, type="message", body="probe")
    live = [(await receive(comm, "message"))["body"]]
    while live[-1] != "probe":
        live.append((await receive(comm, "message"))["body"])
    assert in_history.count("during join") + live.count("during join") == 1
    assert "to delete" not in in_history + live
    await close_all(comm, b)


async def test_hub_fills_a_gap_left_by_a_dropped_broadcast(users):
    ann, bob = await users("ann", "bob")
    a, _ = await join(ann)
    room = await database_sync_to_async(Room.objects.get)(slug="lobby")
    # Stored, but its broadcast never reached this process (e.g. a full channel).
    lost, _ = await database_sync_to_async(services.post_message)(bob, room, "dropped broadcast")
    await send(a, type="message", body="next one")
    first = await receive(a, "message")
    second = await receive(a, "message")
    assert first["id"] == lost["id"] < second["id"]
    assert [first["body"], second["body"]] == ["dropped broadcast", "next one"]
    assert "message" not in await before_probe(a)  # neither is written twice
    await close_all(a)


async def test_heartbeat_delivers_a_dropped_last_broadcast(users):
    ann, bob = await users("ann", "bob")
    a, _ = await join(ann)
    room = await database_sync_to_async(Room.objects.get)(slug="lobby")
    lost, _ = await database_sync_to_async(services.post_message)(bob, room, "last and dropped")
    await get_registry().hubs["lobby"].catch_up()
    assert (await receive(a, "message"))["id"] == lost["id"]
    await get_registry().hubs["lobby"].catch_up()
    assert "message" not in await before_probe(a)
    await close_all(a)


async def test_a_burst_is_stored_in_order_and_rate_limited_per_message(users):
    ann, bob = await users("ann", "bob")
    a, _ = await join(ann)
    b, _ = await join(bob)
    for i in range(13):  # without waiting: stored together, in one round trip
        await send(a, type="message", body=f"burst {i}")
    echoed = [(await receive(b, "message"))["body"] for _ in range(10)]
    assert echoed == [f"burst {i}" for i in range(10)]
    errors = [await receive(a, "error") for _ in range(3)]
    assert {e["code"] for e in errors} == {"rate_limited"}
    assert await stored() == [f"burst {i}" for i in range(10)]
    assert "message" not in await before_probe(b)
    await close_all(a, b)


async def test_storage_failure_is_reported_and_the_socket_survives(users, monkeypatch):
    (ann,) = await users("ann")
    a, _ = await join(ann)
    original = services.post_messages

    def broken(*args, **kwargs):
        raise RuntimeError("database down")

    monkeypatch.setattr(services, "post_messages", broken)
    await send(a, type="message", body="lost?")
    assert (await receive(a, "error"))["code"] == "server_error"
    monkeypatch.setattr(services, "post_messages", original)
    await send(a, type="message", body="back")
    assert (await receive(a, "message"))["body"] == "back"
    await close_all(a)


class StockConsumer(AsyncWebsocketConsumer):
    """Channels' own dispatch, for comparison."""

    async def receive(self, text_data=None, bytes_data=None):
        await self.send(text_data=text_data)


async def test_frames_skip_channels_per_message_connection_hop(users, monkeypatch):
    """The chat consumer's dispatch never awaits aclose_old_connections() (DESIGN:
    a thread-pool hop per message); Channels' stock dispatch does, once per message."""
    hops = []

    async def counted():
        hops.append(1)

    monkeypatch.setattr(channels.consumer, "aclose_old_connections", counted)
    (ann,) = await users("ann")
    a, _ = await join(ann)
    await send(a, type="message", body="one")
    await receive(a, "message")
    await send(a, type="resync", after=0)
    await receive(a, "history")
    await close_all(a)
    assert hops == []
    stock = WebsocketCommunicator(StockConsumer.as_asgi(), "/")
    assert (await stock.connect(timeout=TIMEOUT))[0]
    await stock.send_to(text_data="ping")
    assert await stock.receive_from(timeout=TIMEOUT) == "ping"
    await stock.disconnect()
    assert len(hops) == 3  # connect, receive, disconnect
