"""WebSocket URL patterns; a host site adds them to its ``URLRouter``."""

from django.urls import re_path

from .consumers import ChatConsumer
from .models import ROOM_SLUG_PATTERN

websocket_urlpatterns = [
    re_path(rf"^ws/chat/(?P<room>{ROOM_SLUG_PATTERN})/$", ChatConsumer.as_asgi()),
]
