"""Nothing lost: a room flooded through a Redis layer whose channels hold ONE message.

channels_redis drops group messages for a channel that is at capacity, so most
broadcasts never reach the room hub. Receivers that reconnect and resync (what the
browser client does) must still end with every stored message exactly once, in order.
Marked ``redis`` (deselected in the in-memory pass; fails without REDIS_URL).
"""

import asyncio
import os

import pytest
from channels.db import database_sync_to_async
from channels.layers import channel_layers
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import override_settings

import elearning_chat.routing
from elearning_chat import services
from elearning_chat.hub import RoomHub
from elearning_chat.models import Message

pytestmark = [pytest.mark.redis, pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

SENDERS, PER_SENDER, RECEIVERS = 4, 30, 3
APP = URLRouter(elearning_chat.routing.websocket_urlpatterns)


def capacity_one_layer():
    assert os.environ.get("REDIS_URL"), "this test needs REDIS_URL (run it in the Redis pass)"
    return {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [{"address": os.environ["REDIS_URL"], "socket_timeout": None}],
                "capacity": 1,
                "prefix": f"elearning-flood-{os.getpid()}",
            },
        }
    }


async def open_socket(user):
    comm = WebsocketCommunicator(APP, "/ws/chat/lobby/")
    comm.scope["user"] = user
    connected, _ = await comm.connect(timeout=10)
    assert connected
    return comm


class Receiver:
    """What the browser client does: de-duplicate by id, resync after the last id."""

    def __init__(self):
        self.ids = []

    def take(self, messages):
        for message in messages:
            if not self.ids or message["id"] > self.ids[-1]:
                self.ids.append(message["id"])

    async def drain(self, comm, quiet=1.5):
        live = []
        while not await comm.receive_nothing(timeout=quiet):
            frame = await comm.receive_json_from()
            if frame["type"] == "message":
                live.append(frame["id"])
                self.take([frame])
            elif frame["type"] == "history":
                self.take(frame["messages"])
        return live

    async def resync(self, comm):
        while True:
            await comm.send_json_to({"type": "resync", "after": self.ids[-1] if self.ids else 0})
            while True:
                frame = await comm.receive_json_from(timeout=10)
                if frame["type"] == "history":
                    break
                if frame["type"] == "message":
                    self.take([frame])
            self.take(frame["messages"])
            if not frame["has_more"]:
                return


async def test_capacity_one_flood_loses_nothing_after_resync():
    chat = {**settings.ELEARNING_CHAT, "RATE_LIMIT_MESSAGES": 10_000}
    with override_settings(CHANNEL_LAYERS=capacity_one_layer(), ELEARNING_CHAT=chat):
        channel_layers.backends.clear()
        User = get_user_model()
        make = database_sync_to_async(User.objects.create_user)
        senders = [await make(f"sender{i}", role="student") for i in range(SENDERS)]
        readers = [await make(f"reader{i}", role="student") for i in range(RECEIVERS)]
        receivers = [Receiver() for _ in readers]
        reader_socks = [await open_socket(user) for user in readers]
        sender_socks = [await open_socket(user) for user in senders]

        async def flood(comm, n):
            for i in range(PER_SENDER):
                await comm.send_json_to({"type": "message", "body": f"flood {n}-{i}"})
                await asyncio.sleep(0.005)  # separate stores, not one batch

        # A stuck process: its hub holds its first broadcast until every message is
        # stored. With room for ONE message in its channel, the layer drops the other
        # broadcasts meanwhile (each sender's first store broadcasts on its own, so there
        # are at least as many broadcasts as senders).
        slow_dispatch = RoomHub.dispatch
        release, all_stored = asyncio.Event(), asyncio.Event()
        loop = asyncio.get_running_loop()

        async def dispatch(self, message):
            if message.get("type") == "chat.messages":
                await release.wait()
            await slow_dispatch(self, message)

        fills, stored_count = [], []
        original, original_post = services.messages_between, services.post_messages

        def counting(*args, **kwargs):
            fills.append(args)
            return original(*args, **kwargs)

        def posting(*args, **kwargs):
            results = original_post(*args, **kwargs)
            stored_count.extend(r for r in results if not isinstance(r, services.ChatError))
            if len(stored_count) == SENDERS * PER_SENDER:
                loop.call_soon_threadsafe(all_stored.set)
            return results

        services.messages_between, services.post_messages = counting, posting
        RoomHub.dispatch = dispatch
        try:
            await asyncio.gather(*(flood(comm, n) for n, comm in enumerate(sender_socks)))
            await asyncio.wait_for(all_stored.wait(), 30)
            release.set()
            live = [await r.drain(comm) for r, comm in zip(receivers, reader_socks, strict=True)]
        finally:
            services.messages_between, services.post_messages = original, original_post
            RoomHub.dispatch = slow_dispatch
        assert fills, "the layer dropped no broadcast: the flood is too gentle to test anything"
        for ids in live:  # live delivery never duplicates nor reorders
            assert ids == sorted(set(ids))

        stored = await database_sync_to_async(
            lambda: list(
                Message.objects.filter(room__slug="lobby").order_by("id").values_list("id", flat=True)
            )
        )()
        assert len(stored) == SENDERS * PER_SENDER

        for comm in reader_socks + sender_socks:
            await comm.disconnect()
        for receiver, user in zip(receivers, readers, strict=True):
            comm = await open_socket(user)
            await receiver.drain(comm, quiet=0.3)  # history on connect
            await receiver.resync(comm)
            await comm.disconnect()
            assert receiver.ids == stored  # every message, exactly once, in order
        channel_layers.backends.clear()
