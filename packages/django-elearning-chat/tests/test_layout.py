"""The chat pages render in a site without templates of its own, a site plugs in its base
template or overrides a page, the API needs none of the site's DRF defaults, and the
checks say what the site around the chat lacks."""

import base64
from pathlib import Path

import pytest

from elearning_chat.checks import check_layout, check_site

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db

HERE = Path(__file__).resolve().parent
BOOTSTRAP_CSS = "/static/elearning_chat/vendor/bootstrap/bootstrap.min.css"
BOOTSTRAP_JS = "/static/elearning_chat/vendor/bootstrap/bootstrap.bundle.min.js"


@pytest.fixture
def ann(make_user):
    return make_user("ann")


@pytest.mark.parametrize("path", ["/chat/", "/chat/lobby/"])
def test_pages_render_the_standalone_layout(client, ann, path):
    client.force_login(ann)
    response = client.get(path)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith("<!doctype html>")
    assert f'href="{BOOTSTRAP_CSS}"' in html and f'src="{BOOTSTRAP_JS}"' in html
    assert 'href="/static/elearning_chat/chat.css"' in html
    assert 'href="/static/elearning_chat/layout.css"' in html
    assert "data-site-layout" not in html


def test_the_403_page_uses_the_layout(client, ann, settings):
    settings.ELEARNING_CHAT = {"ROOM_POLICY": "tests.policies.RevocablePolicy"}
    client.force_login(ann)
    response = client.get("/chat/closed-room/")
    assert response.status_code == 403
    assert f'href="{BOOTSTRAP_CSS}"' in response.content.decode()


def test_layout_assets_are_found_by_staticfiles():
    from django.contrib.staticfiles import finders

    for path in (BOOTSTRAP_CSS, BOOTSTRAP_JS, "/static/elearning_chat/layout.css"):
        assert finders.find(path.removeprefix("/static/")), path


def test_a_site_plugs_in_its_base_template(client, ann, settings):
    settings.ELEARNING_CHAT = {"BASE_TEMPLATE": "base.html"}
    client.force_login(ann)
    html = client.get("/chat/lobby/").content.decode()
    assert "data-site-layout" in html and BOOTSTRAP_CSS not in html
    assert "data-chat-room" in html


def test_a_site_overrides_one_page(client, ann, settings):
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [HERE / "override_templates", *settings.TEMPLATES[0]["DIRS"]]}
    ]
    client.force_login(ann)
    html = client.get("/chat/").content.decode()
    assert '<p id="site-rooms">' in html and BOOTSTRAP_CSS in html
    assert '<p id="site-rooms">' not in client.get("/chat/lobby/").content.decode()


def test_api_works_whatever_the_site_drf_defaults(client, ann, settings):
    settings.REST_FRAMEWORK = {
        "DEFAULT_AUTHENTICATION_CLASSES": [],
        "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    }
    assert client.get("/api/chat/rooms/").status_code == 403
    client.force_login(ann)
    assert client.get("/api/chat/rooms/").status_code == 200


def test_the_sites_own_authentication_still_applies(client, ann, settings):
    settings.REST_FRAMEWORK = {
        "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.BasicAuthentication"]
    }
    basic = base64.b64encode(f"ann:{PASSWORD}".encode()).decode()
    response = client.get("/api/chat/rooms/", HTTP_AUTHORIZATION=f"Basic {basic}")
    assert response.status_code == 200


# --- checks -----------------------------------------------------------------------------


@pytest.fixture
def complete_site(settings, monkeypatch):
    from django.conf import settings as django_settings

    # Straight onto the settings object: overriding INSTALLED_APPS would re-populate the
    # app registry.
    monkeypatch.setattr(django_settings._wrapped, "INSTALLED_APPS", ["daphne", *settings.INSTALLED_APPS])
    settings.ASGI_APPLICATION = "site.asgi.application"
    settings.LOGIN_URL = "admin:login"
    settings.ELEARNING_CHAT = {}
    return settings


def ids(problems):
    return sorted(p.id for p in problems)


def test_a_complete_site_passes(complete_site):
    assert check_site(None) == [] and check_layout(None) == []


@pytest.mark.parametrize("name", ["site/nowhere.html", "", None, 7])
def test_missing_base_template(complete_site, name):
    complete_site.ELEARNING_CHAT = {"BASE_TEMPLATE": name}
    expected = [] if name is None else ["elearning_chat.E009"]
    assert ids(check_layout(None)) == expected


def test_site_base_template_passes(complete_site):
    complete_site.ELEARNING_CHAT = {"BASE_TEMPLATE": "base.html"}
    assert check_layout(None) == []


@pytest.mark.parametrize(
    "login_url,expected",
    [
        ("admin:login", []),
        ("/admin/login/", []),
        ("https://sso.example.com/", []),
        ("/accounts/login/", ["elearning_chat.W005"]),
        ("elearning_users:login", ["elearning_chat.W005"]),
    ],
)
def test_login_url(complete_site, login_url, expected):
    complete_site.LOGIN_URL = login_url
    assert ids(check_site(None)) == expected


def test_daphne_asgi_and_drf(complete_site, monkeypatch):
    from django.apps import apps
    from django.conf import settings as django_settings

    statics = "django.contrib.staticfiles"
    apps_list = [a for a in complete_site.INSTALLED_APPS if a != "daphne"] + ["daphne"]
    assert statics in apps_list
    monkeypatch.setattr(django_settings._wrapped, "INSTALLED_APPS", apps_list)  # daphne too late
    complete_site.ASGI_APPLICATION = None
    real = apps.is_installed
    monkeypatch.setattr(apps, "is_installed", lambda name: name != "rest_framework" and real(name))
    assert ids(check_site(None)) == ["elearning_chat.W002", "elearning_chat.W003", "elearning_chat.W004"]


def test_layout_check_leaves_a_malformed_setting_to_e001(complete_site):
    complete_site.ELEARNING_CHAT = ["not", "a", "dict"]
    assert check_layout(None) == []
