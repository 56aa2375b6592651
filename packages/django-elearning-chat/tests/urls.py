from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("chat/", include("elearning_chat.urls")),
    path("api/chat/", include("elearning_chat.api.urls")),
    path("admin/", admin.site.urls),
]
