"""The live notification bell: ``/ws/notifications/``.

Each authenticated user's sockets join the group
:func:`elearning_courses.notifications.group_name`; the server sends

* ``{"type": "unread_count", "unread_count": N}`` right after connecting (so a
  reconnecting page catches up) and whenever the count changes without a new
  notification (marked read elsewhere);
* ``{"type": "notification", "notification": {...}, "unread_count": N}`` for each new
  notification.

Anonymous handshakes are rejected. The socket is receive-only: well-formed client frames
(JSON objects with a string ``type``) are ignored; any other frame (binary, not JSON, over
64 KiB, nested deeper than 32 levels) is answered with
``{"type": "error", "code": "bad_request", "detail": "..."}``, at most
:attr:`NotificationConsumer.ERROR_BURST` such answers at once and one a second after that
(the rest are dropped). The socket is never closed for what a client sends, and however it
ends it leaves its group.

A channel layer that goes away (Redis stopped or restarted) closes no socket: the
socket's own reads of the layer are retried after the process has re-added its sockets
to their groups (:mod:`elearning_courses.live`), and each socket is then sent its
``unread_count`` again. A connect while the layer is down is accepted the same way.
"""

import asyncio
import json
import logging
import time

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer

from .live import get_subscriptions, retrying
from .notifications import group_name, unread_count

logger = logging.getLogger(__name__)


class NotificationConsumer(AsyncJsonWebsocketConsumer):
    group = None
    layer = None
    listener = None
    subscribed = False
    last_count = None  # the unread count last sent
    # No channel-layer read run by Channels itself: when it fails (Redis restarted) the
    # consumer ends with close code 1011. listen() reads the layer and survives errors.
    channel_layer_alias = None

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close()
            return
        self.user = user
        self.group = group_name(user.pk)
        self.layer = get_channel_layer()
        if self.layer is not None:
            # Joined before the count is read: no notification falls in between.
            self.channel_name = await self.layer.new_channel()
            await get_subscriptions().subscribe(self)
            self.listener = asyncio.create_task(self.listen())
        await self.accept()
        await self.send_count(await database_sync_to_async(unread_count)(user))

    async def send_count(self, count):
        self.last_count = count
        try:
            await self.send_json({"type": "unread_count", "unread_count": count})
        except Exception:  # the socket is closing
            logger.debug("elearning_courses: could not send the count", exc_info=True)

    async def disconnect(self, code):
        if self.listener is not None:
            self.listener.cancel()
        if self.layer is not None and self.group:
            get_subscriptions().discard(self)
            try:
                await retrying(self.layer.group_discard, self.group, self.channel_name)
            except Exception:  # the layer is down; the membership expires anyway
                logger.warning("elearning_courses: could not leave %s", self.group, exc_info=True)

    async def listen(self):
        """Read this socket's channel-layer messages and handle them, surviving layer errors."""
        subscriptions = get_subscriptions()
        while True:
            if not self.subscribed:
                await subscriptions.recovered()
                if not self.subscribed:
                    subscriptions.layer_lost()  # (re)start the recovery
                    await asyncio.sleep(0.05)
                continue
            try:
                message = await self.layer.receive(self.channel_name)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.warning("elearning_courses: notification socket lost the channel layer", exc_info=True)
                subscriptions.layer_lost()
                continue
            try:
                await self.dispatch(message)  # Channels' own: closes old database connections
            except Exception:
                logger.exception("elearning_courses: notification socket failed on %r", message.get("type"))

    async def resynced(self):
        """Back in the group after a layer error: send the count, which may have changed."""
        try:
            await self.send_count(await database_sync_to_async(unread_count)(self.user))
        except Exception:
            logger.warning("elearning_courses: could not resend the unread count", exc_info=True)

    async def elearning_notification(self, event):
        """Handler of :data:`~elearning_courses.notifications.EVENT_TYPE` group messages."""
        if isinstance(event["payload"].get("unread_count"), int):
            self.last_count = event["payload"]["unread_count"]
        await self.send_json(event["payload"])

    # Client frames ------------------------------------------------------------------

    #: Longest client frame read at all, and deepest nesting accepted.
    MAX_FRAME_CHARS = 65536
    MAX_DEPTH = 32
    #: ``error`` answers: this many at once, then one per ERROR_REFILL_SECONDS.
    ERROR_BURST = 10
    ERROR_REFILL_SECONDS = 1.0
    error_tokens = None
    failures = 0
    disconnected = False

    async def __call__(self, scope, receive, send):
        # However the consumer ends (a close, an error, the server cancelling it), the
        # socket leaves its group and its tasks are awaited.
        try:
            await super().__call__(scope, receive, send)
        finally:
            cleanup = asyncio.ensure_future(self._cleanup())
            try:
                await asyncio.shield(cleanup)
            except asyncio.CancelledError:
                pass
            except Exception:
                logger.warning("elearning_courses: clean-up of a notification socket failed", exc_info=True)

    async def _cleanup(self):
        if not self.disconnected:
            self.disconnected = True
            await self.disconnect(None)
        listener = getattr(self, "listener", None)
        if listener is not None:
            listener.cancel()
            await asyncio.gather(listener, return_exceptions=True)

    async def websocket_disconnect(self, message):
        self.disconnected = True
        await super().websocket_disconnect(message)

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        """Clients have nothing to say on this socket: ignore well-formed frames, answer
        malformed ones with ``error`` ``bad_request``; never fail."""
        try:
            problem = self.check_frame(text_data)
        except Exception:  # not expected: reported once per socket, never to the socket
            self.failures += 1
            if self.failures == 1:
                logger.exception("elearning_courses: could not check a client frame")
            problem = "server_error"
        if problem is not None:
            await self.refuse(problem)

    def check_frame(self, text):
        """None for a frame to ignore, else the ``error`` code to answer with."""
        if not isinstance(text, str) or len(text) > self.MAX_FRAME_CHARS:
            return "bad_request"
        try:
            frame = json.loads(text)
        except (ValueError, RecursionError, MemoryError):
            return "bad_request"
        pending = [(frame, 1)] if isinstance(frame, dict | list) else []
        while pending:  # the depth, without recursion
            value, depth = pending.pop()
            if depth > self.MAX_DEPTH:
                return "bad_request"
            children = value.values() if isinstance(value, dict) else value
            pending.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
        if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
            return "bad_request"
        return None

    async def refuse(self, code):
        now = time.monotonic()
        if self.error_tokens is None:
            self.error_tokens, self.error_checked = float(self.ERROR_BURST), now
        refill = (now - self.error_checked) / self.ERROR_REFILL_SECONDS
        self.error_tokens = min(float(self.ERROR_BURST), self.error_tokens + refill)
        self.error_checked = now
        if self.error_tokens < 1:
            return  # a flood: dropped, the client is not reading them anyway
        self.error_tokens -= 1
        from django.utils.translation import gettext

        detail = gettext("This socket accepts JSON objects with a type only, and expects none.")
        try:
            await self.send(text_data=json.dumps({"type": "error", "code": code, "detail": detail}))
        except Exception:  # the socket is gone
            logger.debug("elearning_courses: could not answer a closed socket", exc_info=True)
