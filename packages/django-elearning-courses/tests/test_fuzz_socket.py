"""A WebSocket fuzzer for the notification socket (in process, the real consumer).

From a fixed seed: binary frames, invalid UTF-8, oversized and deeply nested JSON, not
JSON, wrong types, floods. Checks: the socket is never closed (no 1011), each malformed
frame gets exactly one ``error`` ``bad_request`` (the answer bucket is widened for the
check; its default drops a flood's excess, also checked), a well-formed frame none, and
afterwards the socket's group and tasks are gone. Bounded: FRAMES frames (a few seconds).
"""

import asyncio
import json
import random

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth import get_user_model

from elearning_courses import notifications, routing
from elearning_courses.consumers import NotificationConsumer

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

SEED = 20261126
FRAMES = 600
application = URLRouter(routing.websocket_urlpatterns)


def hostile(rng):
    """``(ASGI receive event, whether it is malformed)``."""
    kind = rng.randrange(9)
    if kind == 0:
        return {"bytes": rng.randbytes(rng.randint(0, 200))}, True
    if kind == 1:
        return {"bytes": b'{"type": "x", "v": "\xff"}'}, True  # invalid UTF-8
    if kind == 2:
        return {"text": json.dumps({"type": "x", "pad": "y" * rng.randint(70_000, 200_000)})}, True
    if kind == 3:
        depth = rng.choice([33, 1000, 20_000])
        return {"text": '{"type": "x", "v": ' + "[" * depth + "]" * depth + "}"}, True
    if kind == 4:
        return {
            "text": rng.choice(["", "{", "nope", "[]", "null", "3", '"s"', "\ud800", '{"type": 1}', "{}"])
        }, True
    value = rng.choice([None, True, -1, 2**64, 1.5, "", "é" * 100, [], {}, {"a": [1]}])
    return {"text": json.dumps({"type": rng.choice(["ping", "message", "", "resync"]), "v": value})}, False


async def next_frame(comm):
    output = await comm.receive_output(timeout=5)
    assert output["type"] == "websocket.send", output  # never closed, never 1011
    return json.loads(output["text"])


async def answers_until_probe(comm, probe):
    frames = []
    while True:
        output = await comm.receive_output(timeout=5)
        assert output["type"] == "websocket.send", output  # never closed, never 1011
        frame = json.loads(output["text"])
        if frame["type"] == "notification" and frame["notification"]["message"] == probe:
            return frames
        frames.append(frame)


async def group_members(layer, group):
    """The channels in ``group``, on the in-memory layer or on channels_redis."""
    if hasattr(layer, "groups"):  # InMemoryChannelLayer
        return set(layer.groups.get(group, {}))
    connection = layer.connection(layer.consistent_hash(group))
    return set(await connection.zrange(layer._group_key(group), 0, -1))


async def test_fuzz_notification_socket(monkeypatch):
    rng = random.Random(SEED)
    # The in-memory layer lives as long as the process: groups named after the user ids of
    # earlier tests (ids are reused) may still list their sockets' channels.
    await get_channel_layer().flush()
    user = await database_sync_to_async(get_user_model().objects.create_user)(
        username="fuzz", password="x-Pass-123456", role="student"
    )
    comm = WebsocketCommunicator(application, "/ws/notifications/")
    comm.scope["user"] = user
    assert (await comm.connect())[0]
    assert (await comm.receive_json_from())["type"] == "unread_count"
    # The default bucket: a flood of malformed frames gets ERROR_BURST answers, no more.
    for _ in range(3 * NotificationConsumer.ERROR_BURST):
        await comm.send_input({"type": "websocket.receive", "text": "{"})
    await database_sync_to_async(notifications.notify)(user, "feedback", "probe-0", "")
    answered = await answers_until_probe(comm, "probe-0")
    assert 0 < len([f for f in answered if f["type"] == "error"]) <= NotificationConsumer.ERROR_BURST + 1
    await comm.disconnect()

    monkeypatch.setattr(NotificationConsumer, "ERROR_BURST", 10**9)
    comm = WebsocketCommunicator(application, "/ws/notifications/")
    comm.scope["user"] = user
    assert (await comm.connect())[0]
    await comm.receive_json_from()
    sent = malformed = errors = 0
    while sent < FRAMES:
        batch = [hostile(rng) for _ in range(rng.randint(20, 60) if rng.random() < 0.05 else 1)]
        for event, _malformed in batch:
            await comm.send_input({"type": "websocket.receive", **event})
        sent += len(batch)
        malformed += sum(bad for _, bad in batch)
        while errors < malformed:  # one error per malformed frame (a missing one times out)
            frame = await next_frame(comm)
            assert frame == {"type": "error", "code": "bad_request", "detail": frame["detail"]}
            errors += 1
    # Frames are handled in order: the answer to a last malformed frame comes after every
    # other answer, so none was sent for a well-formed frame, nor twice.
    await comm.send_input({"type": "websocket.receive", "text": "{"})
    await next_frame(comm)
    assert errors == malformed
    assert await comm.receive_nothing(timeout=0)
    print(f"notification fuzzer: {sent} frames sent ({malformed} malformed), seed {SEED}")
    consumer_tasks = [t for t in asyncio.all_tasks() if not t.done() and "listen" in repr(t.get_coro())]
    await comm.disconnect()
    assert all(task.done() for task in consumer_tasks)
    # The socket left its group: a push reaches nobody and fails nothing.
    assert not await group_members(get_channel_layer(), notifications.group_name(user.pk))
