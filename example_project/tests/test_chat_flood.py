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
from elearning_chat.hub import Registry, RoomHub
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
    """What the browser client keeps: the ids it has seen, in id order, each once; on a new
    socket it asks for what came after the last of them (``resync``), page by page."""

    def __init__(self, ids=()):
        self.ids = sorted(set(ids))

    def take(self, messages):
        self.ids = sorted(set(self.ids).union(message["id"] for message in messages))

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

    async def until(self, comm, body):
        """The ids of the live messages up to the one with ``body`` (however slow)."""
        live = []
        while True:
            frame = await comm.receive_json_from(timeout=30)
            if frame["type"] == "message":
                live.append(frame["id"])
                self.take([frame])
                if frame["body"] == body:
                    return live

    async def resync(self, comm):
        after = self.ids[-1] if self.ids else 0
        while True:
            await comm.send_json_to({"type": "resync", "after": after})
            while True:  # the history on connect and live messages may come first
                frame = await comm.receive_json_from(timeout=30)
                if frame["type"] == "message":
                    self.take([frame])
                elif frame["type"] == "history":
                    self.take(frame["messages"])
                    if frame["after"] == after:
                        break
            if not frame["has_more"]:
                return
            after = frame["messages"][-1]["id"]


async def test_capacity_one_flood_loses_nothing_after_resync():
    # Short histories and resync pages: a reader coming back must page through the gap.
    chat = {
        **settings.ELEARNING_CHAT,
        "RATE_LIMIT_MESSAGES": 10_000,
        "HISTORY_LENGTH": 10,
        "RESYNC_PAGE_SIZE": 10,
    }
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

        # A stuck process: its hub holds the first message broadcast it receives until
        # every flooded message is stored AND broadcast. Each sender broadcasts at least
        # once, so at least three more broadcasts meet a channel with room for ONE: the
        # layer drops at least two of them, whatever the timing.
        registry_broadcast, slow_dispatch = Registry.broadcast, RoomHub.dispatch
        release, all_sent = asyncio.Event(), asyncio.Event()
        sent, received, fills = [], [], []

        async def broadcast(self, room_slug, message):
            await registry_broadcast(self, room_slug, message)
            if message.get("type") == "chat.messages":
                sent.append(len(message["items"]))
                if sum(sent) == SENDERS * PER_SENDER:
                    all_sent.set()

        async def dispatch(self, message):
            if message.get("type") == "chat.messages":
                received.append(len(message["items"]))
                await release.wait()
            await slow_dispatch(self, message)

        original = services.messages_between

        def counting(*args, **kwargs):
            fills.append(args)
            return original(*args, **kwargs)

        services.messages_between = counting
        Registry.broadcast, RoomHub.dispatch = broadcast, dispatch
        try:
            await asyncio.gather(*(flood(comm, n) for n, comm in enumerate(sender_socks)))
            await asyncio.wait_for(all_sent.wait(), 30)
            release.set()
            live = [await r.drain(comm) for r, comm in zip(receivers, reader_socks, strict=True)]
            before_gap = [list(ids) for ids in live]  # what each reader had before the gap was filled
            assert len(received) < len(sent), "the layer dropped no broadcast"
            # The next broadcast reveals the gap: the hub reads what the layer dropped and
            # writes it, in order, before the new message.
            await sender_socks[0].send_json_to({"type": "message", "body": "after the flood"})
            for ids, receiver, comm in zip(live, receivers, reader_socks, strict=True):
                ids.extend(await receiver.until(comm, "after the flood"))
        finally:
            services.messages_between = original
            Registry.broadcast, RoomHub.dispatch = registry_broadcast, slow_dispatch
        assert fills, "the hub did not read the messages the layer dropped"

        stored = await database_sync_to_async(
            lambda: list(
                Message.objects.filter(room__slug="lobby").order_by("id").values_list("id", flat=True)
            )
        )()
        assert len(stored) == SENDERS * PER_SENDER + 1
        for ids in live:  # every message written live, once and in order, gap filled
            assert ids == stored

        for comm in reader_socks + sender_socks:
            await comm.disconnect()
        # A reader that lost its socket before the gap was filled comes back and resyncs.
        for seen, user in zip(before_gap, readers, strict=True):
            receiver = Receiver(seen)
            comm = await open_socket(user)
            await receiver.resync(comm)
            await comm.disconnect()
            assert receiver.ids == stored  # every message, exactly once, in order
        channel_layers.backends.clear()
