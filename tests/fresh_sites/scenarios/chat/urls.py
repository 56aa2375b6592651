"""mysite/urls.py of a site with django-elearning-chat (docs/chat.rst includes it)."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("chat/", include("elearning_chat.urls")),  # the room list and the rooms
    path("api/chat/", include("elearning_chat.api.urls")),  # message history
]
