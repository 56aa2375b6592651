from django.apps import apps
from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import UserViewSet

app_name = "elearning_users_api"

router = SimpleRouter()
router.register("users", UserViewSet, basename="user")

urlpatterns = router.urls
if apps.is_installed("rest_framework.authtoken"):
    from .token import TokenView

    urlpatterns = [path("auth/token/", TokenView.as_view(), name="token"), *urlpatterns]
