"""WebSocket routes of the courses app, for the host's ``URLRouter``."""

from django.urls import path

from .consumers import NotificationConsumer

websocket_urlpatterns = [
    path("ws/notifications/", NotificationConsumer.as_asgi(), name="elearning_notifications_ws"),
]
