"""Per-process room hubs: one channel-layer subscription per room and process.

Each server process keeps, for every room with local sockets, one :class:`RoomHub`.
The hub holds ONE channel in the room's channel-layer group; its receive loop gets every
broadcast once, and writes the already-serialized frame to each local consumer directly.
Compared with one group member per socket this saves, per message and member, a
channel-layer message, a JSON encoding and the database-connection check Channels
performs before dispatching each message to a consumer handler.

The hub survives layer errors (Redis restarts, timeouts): its loop logs, backs off and
re-adds itself to the group. Group membership is refreshed every PRESENCE_HEARTBEAT
seconds, well within ``group_expiry``. A consumer that went away mid-broadcast is skipped.
"""

import asyncio
import logging
import os
import socket
import uuid
import weakref

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer

from . import services
from .conf import app_settings
from .frames import encode

logger = logging.getLogger(__name__)

#: Identifies this server process in the presence table.
SERVER_ID = f"{socket.gethostname()[:30]}-{os.getpid()}-{uuid.uuid4().hex[:8]}"


def group_name(room_slug):
    """The channel-layer group of a room (slugs are valid group-name characters)."""
    return f"elearning_chat.{room_slug}"


class RoomHub:
    """The local members of one room and the loop that feeds them."""

    def __init__(self, registry, room_slug):
        self.registry = registry
        self.room_slug = room_slug
        self.group = group_name(room_slug)
        self.layer = registry.layer
        self.members = set()
        self.channel_name = None
        # Id of the last message of the room written to the members; broadcasts carry
        # the id of the message before theirs, so a gap (a broadcast the layer dropped,
        # e.g. over its channel capacity) is filled from the database, in order.
        self.last_id = 0
        self._order = asyncio.Lock()  # the loop and the heartbeat both write messages
        self._task = None
        self._presence_frame = None
        self._presence_task = None
        self._presence_dirty = False

    async def start(self):
        if self.layer is not None:
            # Default prefix: channels_redis reads every process-local channel through
            # one shared receive, which only serves its own prefix.
            self.channel_name = await self.layer.new_channel()
            await self.layer.group_add(self.group, self.channel_name)
        self.last_id = await database_sync_to_async(services.last_message_id)(self.room_slug)
        if self.layer is not None:
            self._task = asyncio.create_task(self._run(), name=f"elearning_chat hub {self.room_slug}")

    async def stop(self):
        for task in (self._task, self._presence_task):
            if task is not None and not task.done():
                task.cancel()
        if self.layer is not None:
            try:
                await self.layer.group_discard(self.group, self.channel_name)
            except Exception:  # the layer may be down; membership expires anyway
                logger.warning("elearning_chat: could not leave group %s", self.group, exc_info=True)

    async def resubscribe(self):
        if self.layer is not None:
            await self.layer.group_add(self.group, self.channel_name)

    async def _run(self):
        backoff = 0.05
        while True:
            try:
                message = await self.layer.receive(self.channel_name)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.warning("elearning_chat: hub %s lost the channel layer", self.room_slug, exc_info=True)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5)
                try:
                    await self.resubscribe()
                except Exception:
                    pass
                continue
            backoff = 0.05
            try:
                await self.dispatch(message)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("elearning_chat: hub %s failed on %r", self.room_slug, message.get("type"))

    async def dispatch(self, message):
        kind = message.get("type")
        if kind == "chat.messages":
            for message_id, previous, frame in message["items"]:
                await self.fan_out_message(frame, message_id, previous)
        elif kind == "chat.frame":
            await self.fan_out(message["frame"])
        elif kind == "chat.presence":
            self.refresh_presence(force=True)
        elif kind == "chat.kick":
            await self.kick(message["user_id"], message.get("code") or app_settings.REMOVED_CLOSE_CODE)

    async def fan_out(self, frame, message_id=None):
        """Write one serialized frame to every local member.

        One ASGI event is shared by all members and written with ``base_send``: no
        per-member encoding, channel-layer message or handler dispatch.
        """
        event = {"type": "websocket.send", "text": frame}
        for member in list(self.members):
            try:
                if member.ready:
                    await member.base_send(event)
                else:
                    member.hold(frame, message_id)
            except Exception:  # closed mid-broadcast: the others still get the frame
                logger.debug("elearning_chat: dropped frame for a closed socket", exc_info=True)

    async def fan_out_message(self, frame, message_id, previous):
        """Write a stored message, after any earlier ones this hub missed."""
        async with self._order:
            if message_id <= self.last_id:
                return  # already written (fetched while filling a gap)
            if previous is not None and previous > self.last_id:
                await self._catch_up(before=message_id)
            self.last_id = message_id
            await self.fan_out(frame, message_id)

    async def catch_up(self):
        """Write the room's stored messages newer than ``last_id`` (a last broadcast the
        channel layer dropped has no successor to reveal the gap)."""
        async with self._order:
            await self._catch_up()

    async def _catch_up(self, before=None):
        missed = await database_sync_to_async(services.messages_between)(self.room_slug, self.last_id, before)
        for message in missed:
            self.last_id = message["id"]
            await self.fan_out(encode(message), message["id"])

    async def kick(self, user_id, code):
        for member in list(self.members):
            if member.user.pk == user_id:
                try:
                    await member.remove(code)
                except Exception:
                    logger.debug("elearning_chat: kick of a closed socket", exc_info=True)

    def refresh_presence(self, force=False):
        """Recompute who is here (all processes) and send it if asked or if it changed.

        Concurrent requests coalesce: at most one query runs per hub at a time.
        """
        # False: nothing to do; "check": send if changed; True: send anyway.
        self._presence_dirty = True if force else (self._presence_dirty or "check")
        if self._presence_task is None or self._presence_task.done():
            self._presence_task = asyncio.create_task(self._presence_loop())

    async def _presence_loop(self):
        while self._presence_dirty:
            force = self._presence_dirty is True
            self._presence_dirty = False
            try:
                users = await database_sync_to_async(services.presence)(self.room_slug)
            except Exception:
                logger.warning("elearning_chat: presence query failed", exc_info=True)
                return
            frame = encode({"type": "presence", "room": self.room_slug, "users": users})
            if force or frame != self._presence_frame:
                self._presence_frame = frame
                await self.fan_out(frame)


class Registry:
    """The hubs of one event loop (one per server process under Daphne)."""

    def __init__(self):
        self.layer = get_channel_layer()
        self.hubs = {}
        self.lock = asyncio.Lock()
        self._beat = None

    async def join(self, room_slug, consumer):
        async with self.lock:
            hub = self.hubs.get(room_slug)
            if hub is None:
                hub = RoomHub(self, room_slug)
                await hub.start()
                self.hubs[room_slug] = hub
            hub.members.add(consumer)
            if self._beat is None or self._beat.done():
                self._beat = asyncio.create_task(self._heartbeat(), name="elearning_chat heartbeat")
            return hub

    async def leave(self, room_slug, consumer):
        async with self.lock:
            hub = self.hubs.get(room_slug)
            if hub is None:
                return
            hub.members.discard(consumer)
            if not hub.members:
                del self.hubs[room_slug]
                await hub.stop()
            if not self.hubs and self._beat is not None:
                self._beat.cancel()
                self._beat = None

    async def _heartbeat(self):
        while True:
            await asyncio.sleep(app_settings.PRESENCE_HEARTBEAT)
            await self.beat()

    async def beat(self):
        """One heartbeat: refresh this process's presence rows (sweeping dead
        processes'), re-join each room's group, send changed presence, and write any
        last broadcast the layer dropped. Each step survives the others' errors."""
        try:
            await database_sync_to_async(services.heartbeat)(SERVER_ID)
        except Exception:
            logger.warning("elearning_chat: presence heartbeat failed", exc_info=True)
        for hub in list(self.hubs.values()):
            try:
                await hub.resubscribe()
            except Exception:
                logger.warning("elearning_chat: could not re-join %s", hub.group, exc_info=True)
            hub.refresh_presence()
            try:
                await hub.catch_up()  # a last broadcast the layer dropped
            except Exception:
                logger.warning("elearning_chat: catch-up of %s failed", hub.room_slug, exc_info=True)

    async def broadcast(self, room_slug, message):
        """Send a hub message to every process's hub of the room."""
        if self.layer is None:  # no channel layer: this process is the only one
            hub = self.hubs.get(room_slug)
            if hub is not None:
                await hub.dispatch(message)
            return
        await self.layer.group_send(group_name(room_slug), message)


_registries = weakref.WeakKeyDictionary()


def get_registry():
    """The registry of the running event loop (tests run one loop per test)."""
    loop = asyncio.get_running_loop()
    registry = _registries.get(loop)
    if registry is None:
        registry = _registries[loop] = Registry()
    return registry
