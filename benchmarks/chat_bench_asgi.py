"""ASGI application of the chat benchmark: the demo site's WebSocket routes plus the
baseline consumer at ``/ws/baseline/<room>/``, behind the same middleware."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chat_bench_settings")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import re_path  # noqa: E402
from fanout_baseline import BaselineConsumer  # noqa: E402

import elearning_chat.routing  # noqa: E402
from elearning_chat.auth import AuthMiddlewareStack  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AuthMiddlewareStack(
            URLRouter(
                elearning_chat.routing.websocket_urlpatterns
                + [re_path(r"^ws/baseline/(?P<room>[-a-zA-Z0-9_]{1,64})/$", BaselineConsumer.as_asgi())]
            )
        ),
    }
)
