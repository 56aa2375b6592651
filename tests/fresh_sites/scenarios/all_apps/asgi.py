"""mysite/asgi.py of a site with the chat and courses apps: HTTP to Django, the chat's and
the notification bell's WebSockets to their consumers (docs/courses.rst and docs/chat.rst
include it)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")
# Set Django up before importing the routing: it imports models.
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

import elearning_chat.routing  # noqa: E402
import elearning_courses.routing  # noqa: E402
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
                )
            )
        ),
    }
)
