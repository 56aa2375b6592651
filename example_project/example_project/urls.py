from csp.decorators import csp_update
from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from demo import views as demo_views

api_patterns = [
    # The browsable API's front door: every endpoint group, and the log-in link it shows.
    path("", demo_views.ApiRootView.as_view(), name="api-root"),
    path("auth/", include("rest_framework.urls")),
    path("", include("elearning_users.api.urls")),
    path("", include("elearning_courses.api.urls")),
    path("chat/", include("elearning_chat.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its init script at ?script: the page needs no inline script.
    path("schema/swagger/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
    # ReDoc draws its styles as <style> elements at run time (styled-components, no nonce
    # support in its bundle) and runs its search in a blob: worker: its page alone allows
    # both; scripts stay 'self'. Its Redocly logo (a CDN image) stays blocked: the page works
    # offline.
    path(
        "schema/redoc/",
        csp_update({"style-src": ["'unsafe-inline'"], "worker-src": ["'self'", "blob:"]})(
            SpectacularRedocView.as_view(url_name="schema")
        ),
        name="redoc",
    ),
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
