"""The demo site's wiring: settings from the environment, ASGI stack, layout, static files."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from channels.testing import WebsocketCommunicator
from django.contrib.auth import get_user_model
from django.contrib.staticfiles import finders

PROJECT_DIR = Path(__file__).resolve().parent.parent


def settings_with(**env):
    """Import the settings module in a fresh interpreter with ``env`` and return some values."""
    code = (
        "import json, example_project.settings as s;"
        "print(json.dumps({'debug': s.DEBUG, 'db': s.DATABASES['default']['ENGINE'],"
        "'layer': s.CHANNEL_LAYERS['default'], 'hosts': s.ALLOWED_HOSTS}))"
    )
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL"))}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_DIR, env={**base, **env}, capture_output=True, text=True
    )
    return result


def test_defaults_are_sqlite_and_in_memory_layer():
    result = settings_with()
    values = json.loads(result.stdout)
    assert values["debug"] is True
    assert values["db"] == "django.db.backends.sqlite3"
    assert values["layer"]["BACKEND"] == "channels.layers.InMemoryChannelLayer"
    assert "*" not in values["hosts"]


def test_environment_selects_postgresql_and_redis_without_socket_timeout():
    result = settings_with(
        DATABASE_URL="postgres://u@db.example:5432/x",
        REDIS_URL="redis://cache.example:6379/1",
        DJANGO_ALLOWED_HOSTS="learn.example.com, www.example.com",
    )
    values = json.loads(result.stdout)
    assert values["db"] == "django.db.backends.postgresql"
    assert values["layer"]["BACKEND"] == "channels_redis.core.RedisChannelLayer"
    # redis-py >= 8 would otherwise time idle consumers out after 5 s.
    assert values["layer"]["CONFIG"]["hosts"] == [
        {"address": "redis://cache.example:6379/1", "socket_timeout": None}
    ]
    assert values["hosts"] == ["learn.example.com", "www.example.com"]


def test_production_requires_a_secret_key():
    result = settings_with(DJANGO_DEBUG="0")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_wildcard_allowed_hosts_is_reported(settings):
    from demo.checks import check_allowed_hosts

    settings.ALLOWED_HOSTS = ["*"]
    assert [w.id for w in check_allowed_hosts(None)] == ["demo.W001"]
    settings.ALLOWED_HOSTS = ["example.com"]
    assert check_allowed_hosts(None) == []


def test_bootstrap_is_served_locally(client):
    # The site uses the copy the users app ships for its standalone layout.
    assert finders.find("elearning_users/vendor/bootstrap/bootstrap.min.css")
    assert finders.find("elearning_users/vendor/bootstrap/bootstrap.bundle.min.js")
    html = (PROJECT_DIR / "templates" / "base.html").read_text()
    external = re.findall(r'(?:src|href)="(https?://[^"]+)"', html)
    assert external == []


@pytest.mark.django_db
@pytest.mark.parametrize("role", [None, "student", "teacher"])
def test_home_page_for_each_visitor(client, role):
    if role:
        user = get_user_model().objects.create_user(f"home-{role}", password="x-Long-pass-1", role=role)
        client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    content = response.content.decode()
    assert 'href="#main"' in content  # skip link
    assert "/static/elearning_users/vendor/bootstrap/bootstrap.min.css" in content
    if role:
        assert 'action="/accounts/logout/"' in content
        assert 'id="notification-count"' in content
    else:
        assert 'href="/accounts/signup/"' in content


@pytest.mark.django_db
def test_unknown_page_is_a_404(client):
    assert client.get("/no-such-page/").status_code == 404


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_websocket_from_a_foreign_origin_is_refused():
    from example_project.asgi import application

    communicator = WebsocketCommunicator(
        application, "/ws/chat/lobby/", headers=[(b"origin", b"http://evil.example"), (b"host", b"localhost")]
    )
    connected, _ = await communicator.connect()
    assert not connected
    await communicator.disconnect()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_unknown_websocket_path_is_refused():
    from example_project.asgi import application

    communicator = WebsocketCommunicator(
        application, "/ws/nothing/", headers=[(b"origin", b"http://localhost"), (b"host", b"localhost")]
    )
    connected, _ = await communicator.connect()
    assert not connected
    await communicator.disconnect()
