"""The demo's authentication wiring: django-axes on the log-in page and the admin log-in,
the API throttles, and X-Forwarded-For believed only from DJANGO_TRUSTED_PROXIES."""

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management import call_command
from rest_framework.test import APIClient

PASSWORD = "Demo-secure-pass-42"
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clean_throttles(settings):
    # Dozens of failed log-ins per test: a fast hasher keeps the suite a few seconds long.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def admin_user(db):
    return get_user_model().objects.create_superuser("boss", "boss@example.com", PASSWORD)


def test_admin_login_is_locked_at_the_tenth_failure_whatever_the_forwarded_for(client, admin_user):
    codes = [
        client.post(
            "/admin/login/", {"username": "boss", "password": "wrong"}, HTTP_X_FORWARDED_FOR=f"1.2.3.{i}"
        ).status_code
        for i in range(15)
    ]
    assert codes[:9] == [200] * 9 and set(codes[9:]) == {429}
    response = client.post("/admin/login/", {"username": "boss", "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_page_lockout_is_the_sites_page(client, admin_user):
    for _ in range(10):
        client.post("/accounts/login/", {"username": "boss", "password": "wrong"})
    response = client.post("/accounts/login/", {"username": "boss", "password": PASSWORD})
    assert response.status_code == 429
    body = response.content.decode()
    assert "Too many attempts" in body and "navbar" in body  # the demo's own layout


def test_forwarded_for_is_believed_only_from_a_trusted_proxy(settings, admin_user):
    settings.ELEARNING_USERS = {**settings.ELEARNING_USERS, "TRUSTED_PROXIES": ["10.0.0.0/8"]}
    api = APIClient()

    def attempt(remote, xff):
        return api.post(
            "/api/auth/token/",
            {"username": f"u-{xff}", "password": "x"},
            format="json",
            REMOTE_ADDR=remote,
            HTTP_X_FORWARDED_FOR=xff,
        ).status_code

    # Directly from a client: its forged header changes nothing; locked at the 10th failure.
    codes = [attempt("198.51.100.7", f"1.1.1.{i}") for i in range(15)]
    assert codes[:9] == [400] * 9 and set(codes[9:]) == {429}
    # Through the proxy: each client is counted on its own...
    assert {attempt("10.0.0.2", f"6.6.6.6, 203.0.113.{i}") for i in range(10)} == {400}
    # ...and one client's forged left part does not make it another.
    codes = [attempt("10.0.0.2", f"7.7.7.{i}, 192.0.2.1") for i in range(12)]
    assert codes[:9] == [400] * 9 and set(codes[9:]) == {429}


def test_the_demo_wires_axes_with_the_apps_client_address():
    from elearning_users.checks import login_throttle_warnings

    assert login_throttle_warnings() == []
    call_command("check", "--fail-level", "WARNING", verbosity=0)
