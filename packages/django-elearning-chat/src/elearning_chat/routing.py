"""WebSocket URL patterns; a host site adds them to its ``URLRouter``."""

from django.urls import re_path

from .consumers import ChatConsumer
from .rooms import websocket_route

websocket_urlpatterns = [
    re_path(websocket_route(), ChatConsumer.as_asgi()),
]
