"""The pages render in a site without templates of its own, a site can plug in its base
template or override any page, and the API needs none of the site's DRF defaults."""

import re
from pathlib import Path

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token

from elearning_users.checks import asgi_warnings, check_layout, check_site

from .conftest import PASSWORD

HERE = Path(__file__).resolve().parent
BOOTSTRAP_CSS = "/static/elearning_users/vendor/bootstrap/bootstrap.min.css"
BOOTSTRAP_JS = "/static/elearning_users/vendor/bootstrap/bootstrap.bundle.min.js"


def page_urls(user):
    return [
        ("elearning_users:signup", None),
        ("elearning_users:login", None),
        ("elearning_users:profile", user),
        ("elearning_users:password_change", user),
        ("elearning_profiles:detail", user),
    ]


@pytest.mark.parametrize("index", range(5))
def test_every_page_renders_the_standalone_layout(client, student, index):
    name, login_as = page_urls(student)[index]
    if login_as:
        client.force_login(login_as)
    kwargs = {"username": student.username} if name == "elearning_profiles:detail" else {}
    response = client.get(reverse(name, kwargs=kwargs))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith("<!doctype html>")
    assert f'href="{BOOTSTRAP_CSS}"' in html and f'src="{BOOTSTRAP_JS}"' in html
    assert 'href="#main"' in html  # skip link
    assert "data-site-layout" not in html


def test_the_navbar_follows_the_visitor(client, student):
    html = client.get(reverse("elearning_users:login")).content.decode()
    assert 'href="/accounts/signup/"' in html
    client.force_login(student)
    html = client.get(reverse("elearning_users:profile")).content.decode()
    assert re.search(r'<form method="post" action="/accounts/logout/">', html)
    assert f'href="/accounts/profile/">{student.username}</a>' in html


def test_layout_assets_are_found_by_staticfiles():
    from django.contrib.staticfiles import finders

    for path in (BOOTSTRAP_CSS, BOOTSTRAP_JS, "/static/elearning_users/layout.css"):
        assert finders.find(path.removeprefix("/static/")), path


def test_a_site_plugs_in_its_base_template(client, settings):
    settings.ELEARNING_USERS = {"BASE_TEMPLATE": "base.html"}
    html = client.get(reverse("elearning_users:login")).content.decode()
    assert "data-site-layout" in html
    assert BOOTSTRAP_CSS not in html
    assert 'name="username"' in html  # the page's own content, in the site's layout


def test_a_site_overrides_one_page(client, settings):
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [HERE / "override_templates", *settings.TEMPLATES[0]["DIRS"]]}
    ]
    html = client.get(reverse("elearning_users:login")).content.decode()
    assert '<p id="site-login">' in html
    assert BOOTSTRAP_CSS in html  # still inside the app's layout
    html = client.get(reverse("elearning_users:signup")).content.decode()
    assert '<p id="site-login">' not in html


# --- the API declares what it needs ---------------------------------------------------


@pytest.fixture
def bare_drf_defaults(settings):
    """A site whose DRF defaults would break the API if the views relied on them."""
    settings.REST_FRAMEWORK = {
        "DEFAULT_AUTHENTICATION_CLASSES": [],
        "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
        "DEFAULT_PAGINATION_CLASS": None,
    }


def test_token_from_the_token_endpoint_works_whatever_the_site_defaults(
    api_client, student, bare_drf_defaults
):
    response = api_client.post("/api/auth/token/", {"username": "stu", "password": PASSWORD})
    assert response.status_code == 200, response.data
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {response.data['token']}")
    me = api_client.get("/api/users/me/")
    assert me.status_code == 200 and me.data["username"] == "stu"


def test_list_is_paginated_and_private_whatever_the_site_defaults(api_client, student, bare_drf_defaults):
    assert api_client.get("/api/users/").status_code in (401, 403)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=student).key}")
    data = api_client.get("/api/users/").data
    assert set(data) == {"count", "next", "previous", "results"}
    assert data["count"] == 1


def test_the_sites_own_authentication_still_applies(api_client, student, settings):
    settings.REST_FRAMEWORK = {
        "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.BasicAuthentication"]
    }
    import base64

    basic = base64.b64encode(f"stu:{PASSWORD}".encode()).decode()
    api_client.credentials(HTTP_AUTHORIZATION=f"Basic {basic}")
    assert api_client.get("/api/users/me/").status_code == 200


# --- checks for the site around the app ------------------------------------------------


def ids(problems):
    return sorted(p.id for p in problems)


def test_default_layout_passes(settings):
    settings.ELEARNING_USERS = {}
    assert check_layout(None) == []
    settings.ELEARNING_USERS = {"BASE_TEMPLATE": "base.html"}
    assert check_layout(None) == []


@pytest.mark.parametrize("name", ["site/missing.html", "", 3])
def test_missing_base_template_is_an_error(settings, name):
    settings.ELEARNING_USERS = {"BASE_TEMPLATE": name}
    assert ids(check_layout(None)) == ["elearning_users.E005"]


def test_site_checks_pass_for_a_complete_site(settings):
    settings.LOGIN_URL = "elearning_users:login"
    assert check_site(None) == []


@pytest.mark.parametrize(
    "login_url,expected",
    [
        ("elearning_users:login", []),
        ("/accounts/login/", []),
        ("/accounts/login/?from=check", []),
        ("https://sso.example.com/login", []),
        ("/nowhere/", ["elearning_users.W003"]),
        ("accounts:login", ["elearning_users.W003"]),
    ],
)
def test_login_url_must_lead_to_a_page(settings, login_url, expected):
    settings.LOGIN_URL = login_url
    assert ids(check_site(None)) == expected


@pytest.mark.parametrize(
    "missing,expected",
    [
        ("rest_framework", ["elearning_users.W001"]),
        ("rest_framework.authtoken", ["elearning_users.W002"]),
    ],
)
def test_missing_drf_apps_are_reported(settings, monkeypatch, missing, expected):
    from django.apps import apps

    settings.LOGIN_URL = "elearning_users:login"
    real = apps.is_installed
    monkeypatch.setattr(apps, "is_installed", lambda name: name != missing and real(name))
    assert ids(check_site(None)) == expected


@pytest.mark.parametrize(
    "installed,asgi,expected",
    [
        (["daphne", "django.contrib.staticfiles"], "site.asgi.application", []),
        (["django.contrib.staticfiles"], "site.asgi.application", ["D"]),
        (["django.contrib.staticfiles", "daphne"], "site.asgi.application", ["D"]),
        (["daphne"], None, ["A"]),
    ],
)
def test_asgi_warnings(settings, monkeypatch, installed, asgi, expected):
    from django.conf import settings as django_settings

    # Straight onto the settings object: overriding INSTALLED_APPS would re-populate the
    # app registry with these few apps.
    monkeypatch.setattr(django_settings._wrapped, "INSTALLED_APPS", installed)
    settings.ASGI_APPLICATION = asgi
    assert ids(asgi_warnings("an_app", "D", "A")) == expected
