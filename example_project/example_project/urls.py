from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from demo import views as demo_views

api_patterns = [
    # The browsable API's front door: every endpoint group, and the log-in link it shows.
    path("", demo_views.ApiRootView.as_view(), name="api-root"),
    path("auth/", include("rest_framework.urls")),
    path("", include("elearning_users.api.urls")),
    path("", include("elearning_courses.api.urls")),
    path("chat/", include("elearning_chat.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("schema/swagger/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("schema/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
]

urlpatterns = [
    path("", demo_views.home, name="home"),
    path("accounts/", include("elearning_users.urls")),
    path("users/", include("elearning_users.profile_urls")),
    path("", include("elearning_courses.urls")),
    path("chat/", include("elearning_chat.urls")),
    path("api/", include(api_patterns)),
    path("admin/", admin.site.urls),
    # Browsers ask for /favicon.ico before reading any <link rel="icon">.
    path("favicon.ico", demo_views.favicon),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    # Public media only (profile pictures); course materials live outside MEDIA_ROOT.
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
