"""The live notification bell: ``/ws/notifications/``.

Each authenticated user's sockets join the group
:func:`elearning_courses.notifications.group_name`; the server sends

* ``{"type": "unread_count", "unread_count": N}`` right after connecting (so a
  reconnecting page catches up) and whenever the count changes without a new
  notification (marked read elsewhere);
* ``{"type": "notification", "notification": {...}, "unread_count": N}`` for each new
  notification.

Anonymous handshakes are rejected. The socket is receive-only: client frames are
ignored.
"""

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from .notifications import group_name, unread_count


class NotificationConsumer(AsyncJsonWebsocketConsumer):
    group = None

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close()
            return
        self.group = group_name(user.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        count = await database_sync_to_async(unread_count)(user)
        await self.send_json({"type": "unread_count", "unread_count": count})

    async def disconnect(self, code):
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        """Clients have nothing to say on this socket."""

    async def elearning_notification(self, event):
        """Handler of :data:`~elearning_courses.notifications.EVENT_TYPE` group messages."""
        await self.send_json(event["payload"])

    @classmethod
    async def decode_json(cls, text_data):
        try:
            return await super().decode_json(text_data)
        except ValueError:
            return None
