from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import TokenView, UserViewSet

app_name = "elearning_users_api"

router = SimpleRouter()
router.register("users", UserViewSet, basename="user")

urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="token"),
    *router.urls,
]
