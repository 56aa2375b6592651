"""mysite/urls.py of a site with django-elearning-courses and -users (docs/courses.rst includes it)."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("elearning_users.urls")),  # sign-up, log-in, profile, ...
    path("users/", include("elearning_users.profile_urls")),  # public profiles
    path("", include("elearning_courses.urls")),  # courses/..., notifications/...
    path("api/", include("elearning_users.api.urls")),  # /api/users/, /api/auth/token/
    path("api/", include("elearning_courses.api.urls")),  # /api/courses/, /api/enrollments/, ...
]
