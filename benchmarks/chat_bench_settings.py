"""Settings of the chat fan-out benchmark: the demo site (DEBUG off, its room policy,
its channel layer from REDIS_URL) with the per-user rate limit lifted, so that one
sender can flood a room. Benchmark-only."""

import os

os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only-secret-key-not-for-production")

from example_project.settings import *  # noqa: E402,F401,F403
from example_project.settings import DATABASES, ELEARNING_CHAT  # noqa: E402

ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
# Production database tuning, the same for every server measured: persistent
# connections (the demo reconnects for every query) and, for SQLite in WAL mode,
# synchronous=NORMAL (no fsync per commit; still crash-safe, see the SQLite docs).
DATABASES["default"]["CONN_MAX_AGE"] = 600
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"]["init_command"] = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
ELEARNING_CHAT = {**ELEARNING_CHAT, "RATE_LIMIT_MESSAGES": 1_000_000}
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "ERROR"}}

import warnings  # noqa: E402

warnings.filterwarnings("ignore", message="No directory at")
