#!/bin/sh
# Start one Daphne process of the demo site (the container image's entrypoint; it also
# runs outside a container, and the demo's test suite runs it that way):
#   1. wait, for a bounded time, for the database and (when REDIS_URL is set) Redis;
#   2. migrate, then load the demo data when LOAD_DEMO_DATA=1, one process at a time;
#   3. replace itself with Daphne, with the same WebSocket limits as `./run demo`.
# With arguments it runs them in APP_DIR instead, e.g. `entrypoint.sh python manage.py shell`.
#
# Environment, besides the site's settings (docs/deployment.rst):
#   APP_DIR               directory of manage.py (default: the current directory)
#   PYTHON                interpreter with the site installed (default: python)
#   DAPHNE_HOST           bind address (default 127.0.0.1)
#   DAPHNE_PORT           port (default 8000)
#   DAPHNE_PROXY_HEADERS  1: client address and scheme from X-Forwarded-For/-Proto; only
#                         behind a proxy that sets them, or clients could forge them (default:
#                         1 when DJANGO_TRUSTED_PROXIES is set, which also makes Django trust
#                         X-Forwarded-Proto; else 0)
#   DAPHNE_APPLICATION    ASGI application (default example_project.asgi:application)
#   WAIT_TIMEOUT          seconds to wait for the database and Redis (default 60)
#   LOAD_DEMO_DATA        1: run load_demo_data after migrate (default 0)
set -eu

APP_DIR=${APP_DIR:-.}
PYTHON=${PYTHON:-python}
DAPHNE_HOST=${DAPHNE_HOST:-127.0.0.1}
DAPHNE_PORT=${DAPHNE_PORT:-8000}
DAPHNE_APPLICATION=${DAPHNE_APPLICATION:-example_project.asgi:application}
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-example_project.settings}"

cd "$APP_DIR"

if [ "$#" -gt 0 ]; then
    exec "$@"
fi

is_on() {
    case "$1" in
    1 | true | yes | on | TRUE | YES | ON) return 0 ;;
    *) return 1 ;;
    esac
}

# One Python process for all of step 1 and 2: Django starts once instead of three times.
WAIT_TIMEOUT=${WAIT_TIMEOUT:-60} LOAD_DEMO_DATA=${LOAD_DEMO_DATA:-0} "$PYTHON" - <<'PY'
import os
import sys
import time

import django

sys.path.insert(0, os.getcwd())
django.setup()

from django.core.management import call_command
from django.db import connection, connections
from django.db.utils import OperationalError

TIMEOUT = float(os.environ["WAIT_TIMEOUT"])
DEADLINE = time.monotonic() + TIMEOUT
# Any constant works; all processes of the site must use the same one.
MIGRATE_LOCK = 0x656C6561726E  # "elearn"


def wait_for(what, check, errors):
    while True:
        try:
            check()
            return
        except errors as exc:
            if time.monotonic() >= DEADLINE:
                sys.exit(f"entrypoint: {what} still unreachable after {TIMEOUT:g} s: {exc}")
            time.sleep(1)


wait_for("the database", connection.ensure_connection, OperationalError)
if os.environ.get("REDIS_URL"):
    import redis

    client = redis.Redis.from_url(os.environ["REDIS_URL"], socket_connect_timeout=3, socket_timeout=3)
    wait_for("Redis", client.ping, (redis.ConnectionError, redis.TimeoutError))
    client.close()

# Processes started together on a fresh database would run migrate concurrently and fail
# creating the same tables (and load the demo data twice at once). A session-level advisory
# lock, on a connection of its own, lets one process at a time through; closing it unlocks.
lock = None
if connection.vendor == "postgresql":
    lock = connections.create_connection("default")
    with lock.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [MIGRATE_LOCK])
try:
    call_command("migrate", interactive=False)
    if os.environ["LOAD_DEMO_DATA"].strip().lower() in {"1", "true", "yes", "on"}:
        call_command("load_demo_data")
finally:
    if lock is not None:
        lock.close()
    connection.close()
PY

# Frames and messages above 64 KiB are refused (a chat message is a few KiB); never 0,
# which means unlimited.
set -- "$PYTHON" -m daphne -b "$DAPHNE_HOST" -p "$DAPHNE_PORT" \
    --websocket-max-message-size 65536 --websocket-max-frame-size 65536
# Proxy headers are believed only where the site names its proxies (DJANGO_TRUSTED_PROXIES).
DEFAULT_PROXY_HEADERS=0
if [ -n "${DJANGO_TRUSTED_PROXIES:-}" ]; then
    DEFAULT_PROXY_HEADERS=1
fi
if is_on "${DAPHNE_PROXY_HEADERS:-$DEFAULT_PROXY_HEADERS}"; then
    set -- "$@" --proxy-headers
fi
exec "$@" "$DAPHNE_APPLICATION"
