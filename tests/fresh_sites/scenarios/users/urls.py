"""mysite/urls.py of a site with django-elearning-users (docs/users.rst includes it)."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("elearning_users.urls")),  # sign-up, log-in, profile, ...
    path("users/", include("elearning_users.profile_urls")),  # public profiles
    path("api/", include("elearning_users.api.urls")),  # /api/users/, /api/auth/token/
]
