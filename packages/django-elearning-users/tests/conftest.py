import io

import pytest
from django.core.cache import cache
from PIL import Image
from rest_framework.test import APIClient

PASSWORD = "Sup3r-secret-pass"


@pytest.fixture(autouse=True)
def _clear_cache():
    # Throttle history lives in the cache; every test starts with a clean slate.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def make_user(db, django_user_model):
    def make(username="user", role="student", **extra):
        return django_user_model.objects.create_user(
            username=username, password=PASSWORD, email=f"{username}@example.com", role=role, **extra
        )

    return make


@pytest.fixture
def student(make_user):
    return make_user("stu", "student")


@pytest.fixture
def teacher(make_user):
    return make_user("tea", "teacher")


@pytest.fixture
def api_client():
    return APIClient()


def image_bytes(fmt="PNG", size=(64, 48), color=(200, 30, 30)):
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, format=fmt)
    return buf.getvalue()


@pytest.fixture
def png():
    return image_bytes("PNG")


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    # Several suites may share one PostgreSQL server at once: give each run its own test database.
    import os

    from django.conf import settings

    db = settings.DATABASES["default"]
    if "postgresql" in db["ENGINE"]:
        db.setdefault("TEST", {})["NAME"] = f"test_{db['NAME']}_users_{os.getpid()}"
