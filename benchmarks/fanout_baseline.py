"""Baseline (b) of the chat benchmark: the Channels tutorial's consumer shape.

One group member per connection, ``group_send`` per message, and the handler encodes
and sends the frame for each member. No storage, no checks, no authentication.
"""

import json

from channels.generic.websocket import AsyncWebsocketConsumer


class BaselineConsumer(AsyncWebsocketConsumer):
    async def connect(self):
        self.group = "baseline_" + self.scope["url_route"]["kwargs"]["room"]
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        data = json.loads(text_data)
        await self.channel_layer.group_send(self.group, {"type": "chat.message", "message": data["message"]})

    async def chat_message(self, event):
        await self.send(text_data=json.dumps({"message": event["message"]}))
