"""ASGI entry point: HTTP goes to Django, WebSockets to the apps' consumers."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "example_project.settings")

# Initialise Django (and the app registry) before importing anything that
# imports models: the consumers and routing below do.
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import re_path  # noqa: E402

import elearning_chat.routing  # noqa: E402
import elearning_courses.routing  # noqa: E402
from demo.consumers import RejectConsumer  # noqa: E402
from elearning_chat.auth import AuthMiddlewareStack  # noqa: E402
from elearning_chat.security import OriginValidator  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        # Scheme, host and port of the Origin header (Channels' AllowedHostsOriginValidator
        # compares host names only).
        "websocket": OriginValidator(
            AuthMiddlewareStack(
                URLRouter(
                    elearning_chat.routing.websocket_urlpatterns
                    + elearning_courses.routing.websocket_urlpatterns
                    + [re_path(r"", RejectConsumer.as_asgi())]
                )
            )
        ),
    }
)
