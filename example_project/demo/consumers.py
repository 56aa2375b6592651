from channels.generic.websocket import WebsocketConsumer


class RejectConsumer(WebsocketConsumer):
    """Refuses the handshake of a WebSocket path no app serves (instead of a server error)."""

    def connect(self):
        self.close()
