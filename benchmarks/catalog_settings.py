"""Settings of the catalog benchmark: the demo site, production-like (DEBUG off),
plus a minimal comparison view (see catalog_urls.py). Benchmark-only."""

import os

os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only-secret-key-not-for-production")

from example_project.settings import *  # noqa: E402,F401,F403

ROOT_URLCONF = "catalog_urls"
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
# No collected static files in a benchmark: plain static storage, no manifest.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
# Same number of rows on every measured page.
ELEARNING_COURSES = {"CATALOG_PAGE_SIZE": 20}
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "ERROR"}}

import warnings  # noqa: E402

# WhiteNoise warns that STATIC_ROOT was never collected; the benchmark fetches no static files.
warnings.filterwarnings("ignore", message="No directory at")
