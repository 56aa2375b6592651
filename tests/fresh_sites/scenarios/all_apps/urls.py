"""mysite/urls.py of a site with the three apps (docs/courses.rst and docs/chat.rst include it)."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("elearning_users.urls")),  # sign-up, log-in, profile, ...
    path("users/", include("elearning_users.profile_urls")),  # public profiles
    path("", include("elearning_courses.urls")),  # courses/..., notifications/...
    path("chat/", include("elearning_chat.urls")),  # the room list and the rooms
    path("api/", include("elearning_users.api.urls")),  # /api/users/, /api/auth/token/
    path("api/", include("elearning_courses.api.urls")),  # /api/courses/, /api/enrollments/, ...
    path("api/chat/", include("elearning_chat.api.urls")),  # message history
]
