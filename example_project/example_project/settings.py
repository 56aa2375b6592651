"""Settings of the demo site, driven by environment variables.

DJANGO_DEBUG          "1" (default) or "0"
DJANGO_SECRET_KEY     required when DJANGO_DEBUG=0
DJANGO_ALLOWED_HOSTS  comma-separated (default: localhost,127.0.0.1,[::1])
DATABASE_URL          default: SQLite file db.sqlite3 next to manage.py
REDIS_URL             unset: in-memory channel layer (one process); set: Redis channel layer
DJANGO_HTTPS          "1": served over TLS (HTTPS redirect, HSTS, Secure cookies); default "0"
DJANGO_TRUSTED_PROXIES comma-separated proxy addresses; set: trust their X-Forwarded-* headers
MEDIA_ROOT            default: media/ next to manage.py (public files: profile pictures)
PRIVATE_MEDIA_ROOT    default: private/ next to manage.py (course materials, never served)
DJANGO_EMAIL_HOST     unset: mails (password reset links) are printed on the console; set: sent
                      through that SMTP server (DJANGO_EMAIL_PORT, DJANGO_EMAIL_USER,
                      DJANGO_EMAIL_PASSWORD, DJANGO_EMAIL_TLS, DJANGO_EMAIL_SSL)
DJANGO_DEFAULT_FROM_EMAIL  sender of the site's mails (default: webmaster@localhost)
"""

import base64
import hashlib
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DJANGO_DEBUG", True)
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set DJANGO_SECRET_KEY when DJANGO_DEBUG is off.")
    SECRET_KEY = "django-insecure-demo-key-only-for-local-development"

ALLOWED_HOSTS = [
    host.strip()
    for host in os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",")
    if host.strip()
]
CSRF_TRUSTED_ORIGINS = [
    origin.strip()
    for origin in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",")
    if origin.strip()
]

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "channels",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",  # failed log-ins counted per address and per username (see AXES_* below)
    "elearning_users",
    "elearning_courses",
    "elearning_chat",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before WhiteNoise, so static files (SVG included) carry the policy too.
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Turns a refused log-in (django-axes) into the users app's 429 page.
    "axes.middleware.AxesMiddleware",
    # A lost database connection: 503 page/JSON, never a traceback (docs/security.rst, Faults).
    "example_project.faults.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "example_project.urls"
ASGI_APPLICATION = "example_project.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "elearning_courses.context_processors.notifications",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}", conn_max_age=0)
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Let concurrent requests and WebSocket consumers wait for the write lock
    # instead of failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                # redis-py >= 8 defaults socket_timeout to 5 s, shorter than the
                # layer's blocking reads: idle consumers would die. Disable it.
                "hosts": [{"address": REDIS_URL, "socket_timeout": None}],
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

AUTH_USER_MODEL = "elearning_users.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "elearning_users:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
# The demo's own texts (its layout, home and error pages); the apps bring their own catalogues.
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
PRIVATE_MEDIA_ROOT = Path(os.environ.get("PRIVATE_MEDIA_ROOT", BASE_DIR / "private"))

DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "django-elearning API",
    "DESCRIPTION": "Courses, enrollments, materials, feedback, notifications and chat history.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

# Every app's pages extend the demo's own layout (templates/base.html) rather than the
# apps' standalone layouts, so the whole site shares one navbar.
ELEARNING_USERS = {
    "BASE_TEMPLATE": "base.html",
    "ALLOW_TEACHER_SIGNUP": env_bool("ELEARNING_ALLOW_TEACHER_SIGNUP", True),
}
ELEARNING_COURSES = {"BASE_TEMPLATE": "base.html"}
ELEARNING_CHAT = {
    "BASE_TEMPLATE": "base.html",
    "ROOM_POLICY": "elearning_courses.chat_policy.CourseRoomPolicy",
}

# ---- authentication: throttling and the client address (docs/users.rst, docs/security.rst) ----
# The client address of every throttle is elearning_users.security.client_ip: REMOTE_ADDR,
# or X-Forwarded-For read right to left through the proxies of DJANGO_TRUSTED_PROXIES.
ELEARNING_USERS["TRUSTED_PROXIES"] = [
    p.strip() for p in os.environ.get("DJANGO_TRUSTED_PROXIES", "").split(",") if p.strip()
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out username or address
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = 10  # failed log-ins per address, and per username, within the cool-off
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_CLIENT_IP_CALLABLE = "elearning_users.security.client_ip"
AXES_USERNAME_CALLABLE = "elearning_users.security.axes_username"
AXES_LOCKOUT_CALLABLE = "elearning_users.security.lockout_response"
AXES_VERBOSE = False

# ---- e-mail: the password reset links (docs/deployment.rst, docs/users.rst) ---------------
# On the console unless DJANGO_EMAIL_HOST names an SMTP server.
EMAIL_HOST = os.environ.get("DJANGO_EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = int(os.environ.get("DJANGO_EMAIL_PORT", "25"))
    EMAIL_HOST_USER = os.environ.get("DJANGO_EMAIL_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("DJANGO_EMAIL_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_TLS", False)  # STARTTLS, usually port 587
    EMAIL_USE_SSL = env_bool("DJANGO_EMAIL_SSL", False)  # TLS from the start, usually port 465
    EMAIL_TIMEOUT = 10  # a mail server that does not answer must not hold a page forever
    if EMAIL_USE_TLS and EMAIL_USE_SSL:
        raise ImproperlyConfigured("Set DJANGO_EMAIL_TLS or DJANGO_EMAIL_SSL, not both.")
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "webmaster@localhost")
PASSWORD_RESET_TIMEOUT = 3 * 24 * 3600  # Django's default: a reset link works for 3 days

# ---- security headers, HTTPS and proxies (docs/deployment.rst, docs/security.rst) --------
# Addresses (or networks) of the reverse proxies in front of Daphne. Only then are the
# proxy's headers believed: X-Forwarded-Proto here (SECURE_PROXY_SSL_HEADER), the client
# address in Daphne (--proxy-headers, see ./run and deploy/entrypoint.sh). Never by default:
# any client could otherwise send "X-Forwarded-Proto: https" and pass for a secure request.
# DJANGO_TRUSTED_PROXIES, read once above for the users app's client address.
TRUSTED_PROXIES = ELEARNING_USERS["TRUSTED_PROXIES"]
if TRUSTED_PROXIES:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# DJANGO_HTTPS=1: the site is reached over TLS (at Daphne, or at a trusted proxy). Then
# plain-HTTP requests are redirected, browsers are told to use HTTPS only (HSTS) and the
# cookies are Secure. Off, the site speaks plain HTTP (a loopback or private-network
# deployment, the compose file's nginx on :8080), where none of these can work.
HTTPS = env_bool("DJANGO_HTTPS", False)
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", HTTPS)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
if HTTPS:
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", 365 * 24 * 3600))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", True)
    # Preloading is a promise for the whole domain, kept in every browser's list for months:
    # the site owner opts in (DJANGO_HSTS_PRELOAD=1); until then W021 is expected.
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", False)
SILENCED_SYSTEM_CHECKS = []
if not DEBUG and not HTTPS:
    # Declared plain HTTP (DJANGO_HTTPS unset or 0): HSTS (W004), the HTTPS redirect (W008)
    # and Secure cookies (W012, W016) cannot apply; check --deploy reports it as
    # demo.I001 instead (demo/checks.py), so the choice stays visible.
    SILENCED_SYSTEM_CHECKS += ["security.W004", "security.W008", "security.W012", "security.W016"]
if HTTPS and not SECURE_HSTS_PRELOAD:
    SILENCED_SYSTEM_CHECKS += ["security.W021"]
# SecurityMiddleware's defaults stay: X-Content-Type-Options: nosniff,
# Referrer-Policy: same-origin, Cross-Origin-Opener-Policy: same-origin; and
# XFrameOptionsMiddleware's X-Frame-Options: DENY.
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp; it works on Django 5.2 and 6.x alike): every script
# and style sheet from the site itself, no inline script or style anywhere (the templates
# have none: static files and classes), no framing. The API's ReDoc page is the one
# exception, for styles only (example_project/urls.py).
# Django REST framework's browsable API and its log-in page (third-party templates) keep a
# few fixed style attributes: allowed by their hashes, exactly these and nothing else.
DRF_STYLE_ATTRIBUTES = [
    "float: right; margin-right: 10px",
    "margin-top: 30px",
    "width: 320px; margin-left: auto; margin-right: auto",
    "margin: 0 0 20px;",
    "border: none",
    "float: right",
    "width: 350px",
    "border-bottom: 1px solid #e5e5e5",
    "border-bottom: 0",
]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-attr": ["'unsafe-hashes'"]
        + [
            f"'sha256-{base64.b64encode(hashlib.sha256(v.encode()).digest()).decode()}'"
            for v in DRF_STYLE_ATTRIBUTES
        ],
        # data: for Bootstrap's and Swagger UI's inline SVG icons in their CSS; blob: for the
        # profile picture preview.
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'"],
        # 'self' covers ws:// and wss:// to the same host (CSP level 3).
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        # Embedded video lessons: exactly the players of elearning_courses.embeds.PROVIDERS
        # (youtube-nocookie.com, player.vimeo.com), nothing else may be framed.
        "frame-src": ["https://www.youtube-nocookie.com", "https://player.vimeo.com"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
}
