from django.contrib import admin
from django.http import HttpResponse
from django.urls import include, path

urlpatterns = [
    path("", include("elearning_courses.urls")),
    path("home/", lambda request: HttpResponse("home"), name="home"),
    path("accounts/", include("elearning_users.urls")),
    path("users/", include("elearning_users.profile_urls")),
    path("api/", include("elearning_users.api.urls")),
    path("api/", include("elearning_courses.api.urls")),
    path("admin/", admin.site.urls),
]
