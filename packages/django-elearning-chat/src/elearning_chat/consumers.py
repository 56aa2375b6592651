"""The chat WebSocket consumer (protocol: docs/websocket.rst)."""

import asyncio
import json
import logging
import time
import uuid

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.utils.translation import gettext as _

from . import services
from .conf import app_settings
from .frames import encode, error, user_dict
from .hub import SERVER_ID, get_registry

logger = logging.getLogger(__name__)


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


class ChatConsumer(AsyncWebsocketConsumer):
    """One socket in one room. Broadcasts reach it through the process's room hub."""

    room = None
    hub = None

    async def dispatch(self, message):
        # Channels' own dispatch (>= 4.2) first awaits aclose_old_connections(), a
        # thread-pool hop, for EVERY message: measured, it more than halves the frames
        # a process can deliver. This consumer touches the database only through
        # database_sync_to_async, which closes old connections in its own thread, so
        # the hop buys nothing here. Broadcasts never come through here at all: the
        # hub writes them to the socket directly (see hub.py).
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def connect(self):
        self.room_slug = self.scope["url_route"]["kwargs"]["room"]
        self.user = self.scope.get("user")
        self.ready = False  # the hub writes to the socket directly once True
        self.pending = []
        self.removed = False
        self.last_typing = 0.0
        self.outbox = []  # validated bodies waiting for the writer task
        self.writer = None
        # Presence row key: the consumer's channel when a layer is configured.
        self.connection_id = getattr(self, "channel_name", None) or uuid.uuid4().hex
        if self.user is None or not self.user.is_authenticated:
            await self.close()  # handshake rejected (HTTP 403)
            return
        self.room = await database_sync_to_async(services.join)(self.user, self.room_slug)
        if self.room is None:
            await self.close()
            return
        await self.accept()
        registry = get_registry()
        # Subscribe before reading the history: a message stored meanwhile is buffered
        # (see hold) instead of lost.
        self.hub = await registry.join(self.room_slug, self)
        messages = await database_sync_to_async(self._enter)()
        await self.send_history(messages, has_more=False, after=None)
        last_id = messages[-1]["id"] if messages else 0
        for message_id, frame in self.pending or []:  # None if removed meanwhile
            if message_id is None or message_id > last_id:
                await self.send(text_data=frame)
        self.pending = None
        self.ready = not self.removed
        await registry.broadcast(self.room_slug, {"type": "chat.presence"})

    def _enter(self):
        services.add_connection(self.user, self.room_slug, SERVER_ID, self.connection_id)
        return services.history(self.room, limit=app_settings.HISTORY_LENGTH)[0]

    async def disconnect(self, code):
        if self.hub is None:
            return
        registry = get_registry()
        await registry.leave(self.room_slug, self)
        self.hub = None
        await database_sync_to_async(services.remove_connection)(self.connection_id)
        await registry.broadcast(self.room_slug, {"type": "chat.presence"})

    # Called by the hub -------------------------------------------------------------

    def hold(self, frame, message_id=None):
        """Keep a broadcast that arrived while the history is being sent."""
        if self.pending is not None:
            self.pending.append((message_id, frame))

    async def remove(self, code):
        """Close this socket: its user was removed from the room."""
        await self.shut_out(_("You were removed from this room."), code)

    async def shut_out(self, detail, code=None):
        """Tell the client it lost access (``error`` ``forbidden``), stop delivering and
        storing for it, and close the socket. Only the first call does anything."""
        if self.removed:
            return
        self.removed = True
        self.ready = False
        self.pending = None
        self.outbox = []  # queued messages are not stored any more
        await self.send_error("forbidden", detail)
        await self.close(code or app_settings.REMOVED_CLOSE_CODE)

    # Client frames -----------------------------------------------------------------

    async def receive(self, text_data=None, bytes_data=None):
        if self.removed:
            return
        if text_data is None:
            return await self.send_error("bad_request", _("Binary frames are not supported."))
        try:
            frame = json.loads(text_data)
        except ValueError:
            return await self.send_error("bad_request", _("Frames must be JSON."))
        if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
            return await self.send_error("bad_request", _("Frames must be JSON objects with a type."))
        handler = {
            "message": self.on_message,
            "resync": self.on_resync,
            "typing": self.on_typing,
            "delete": self.on_delete,
        }.get(frame["type"])
        if handler is None:
            return await self.send_error("bad_request", _("Unknown frame type."))
        await handler(frame)

    async def send_error(self, code, detail):
        await self.send(text_data=error(code, detail))

    async def on_message(self, frame):
        body = frame.get("body")
        if not isinstance(body, str):
            return await self.send_error("bad_request", _("A message needs a text body."))
        body = body.strip()
        if not body:
            return await self.send_error("bad_request", _("A message cannot be empty."))
        limit = app_settings.MAX_MESSAGE_LENGTH
        if len(body) > limit:
            return await self.send_error(
                "too_long", _("Messages are limited to %(limit)d characters.") % {"limit": limit}
            )
        # Stored by a writer task, so that a burst of frames costs one database round
        # trip instead of one each; order is kept.
        self.outbox.append(body)
        if self.writer is None or self.writer.done():
            self.writer = asyncio.create_task(self.write_messages())

    async def write_messages(self):
        while self.outbox:
            bodies, self.outbox = self.outbox, []
            try:
                results = await database_sync_to_async(services.post_messages)(self.user, self.room, bodies)
            except Exception:  # database down: report, keep the socket and the writer usable
                logger.exception("elearning_chat: could not store %d message(s)", len(bodies))
                if not self.removed:
                    await self.send_error("server_error", _("Your message could not be stored; try again."))
                continue
            stored = []
            for result in results:
                if isinstance(result, services.ChatError):
                    if result.code == "forbidden":
                        await self.shut_out(result.detail)
                    elif not self.removed:
                        await self.send_error(result.code, result.detail)
                else:
                    message, previous = result
                    stored.append([message["id"], previous, encode(message)])
            if stored:
                await get_registry().broadcast(self.room_slug, {"type": "chat.messages", "items": stored})

    async def on_resync(self, frame):
        after = frame.get("after")
        if not _is_int(after) or after < 0:
            return await self.send_error("bad_request", _("resync needs a non-negative integer 'after'."))
        messages, more = await database_sync_to_async(services.history)(
            self.room, after=after, limit=app_settings.RESYNC_PAGE_SIZE
        )
        await self.send_history(messages, has_more=more, after=after)

    async def send_history(self, messages, has_more, after):
        """A ``history`` frame; ``after`` echoes the ``resync`` it answers (None for the
        history sent on connect), so a client matches answers without counting them."""
        frame = {"type": "history", "after": after, "messages": messages, "has_more": has_more}
        await self.send(text_data=encode(frame))

    async def on_typing(self, frame):
        now = time.monotonic()
        if now - self.last_typing < app_settings.TYPING_INTERVAL:
            return
        self.last_typing = now
        typing = encode({"type": "typing", "room": self.room_slug, "user": user_dict(self.user)})
        await get_registry().broadcast(self.room_slug, {"type": "chat.frame", "frame": typing})

    async def on_delete(self, frame):
        message_id = frame.get("id")
        if not _is_int(message_id):
            return await self.send_error("bad_request", _("delete needs an integer 'id'."))
        try:
            await database_sync_to_async(services.delete_message)(self.user, self.room, message_id)
        except services.ChatError as exc:
            return await self.send_error(exc.code, exc.detail)
        deleted = encode({"type": "deleted", "room": self.room_slug, "id": message_id})
        await get_registry().broadcast(self.room_slug, {"type": "chat.frame", "frame": deleted})
