"""The course pages render in a site without templates or context processors of its own,
a site plugs in its base template or overrides a piece, and the API needs none of the
site's DRF defaults."""

import re
from pathlib import Path

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token

from elearning_courses.checks import check_site
from elearning_courses.models import Notification

HERE = Path(__file__).resolve().parent
BOOTSTRAP_CSS = "/static/elearning_users/vendor/bootstrap/bootstrap.min.css"
COURSES_CSS = "/static/elearning_courses/courses.css"
BELL_JS = "/static/elearning_courses/bell.js"

PAGES = [
    ("anonymous", "elearning_courses:catalog", False),
    ("anonymous", "elearning_courses:course_detail", True),
    ("enrolled", "elearning_courses:my_courses", False),
    ("enrolled", "elearning_courses:notification_list", False),
    ("owner", "elearning_courses:course_create", False),
    ("owner", "elearning_courses:course_update", True),
    ("owner", "elearning_courses:students", True),
    ("owner", "elearning_courses:blocked", True),
    ("owner", "elearning_courses:material_upload", True),
]


@pytest.fixture
def no_site_context_processors(settings):
    """A site whose templates have only startproject's context processors."""
    options = settings.TEMPLATES[0]["OPTIONS"]
    processors = [p for p in options["context_processors"] if not p.startswith("elearning_")]
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "OPTIONS": {**options, "context_processors": processors}}]


@pytest.mark.parametrize("who,name,with_course", PAGES)
def test_every_page_renders_the_standalone_layout(
    client_as, course, who, name, with_course, no_site_context_processors
):
    response = client_as(who).get(reverse(name, args=[course.pk] if with_course else []))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith("<!doctype html>")
    assert f'href="{BOOTSTRAP_CSS}"' in html and f'href="{COURSES_CSS}"' in html
    assert re.search(r'href="/courses/"( aria-current="page")?>Courses</a>', html)
    assert "data-site-layout" not in html
    assert ('id="notification-bell"' in html) == (who != "anonymous")
    assert (f'src="{BELL_JS}"' in html) == (who != "anonymous")


def test_the_bell_counts_unread_without_the_context_processor(
    client_as, enrolled, course, no_site_context_processors
):
    Notification.objects.create(recipient=enrolled, verb="material", message="New notes", url="/")
    html = client_as("enrolled").get(reverse("elearning_courses:catalog")).content.decode()
    assert 'class="badge rounded-pill text-bg-danger">1<' in html


def test_the_403_page_uses_the_layout(client_as, course):
    response = client_as("other_teacher").get(reverse("elearning_courses:course_update", args=[course.pk]))
    assert response.status_code == 403
    assert f'href="{BOOTSTRAP_CSS}"' in response.content.decode()


def test_a_site_plugs_in_its_base_template(client_as, course, settings):
    settings.ELEARNING_COURSES = {"BASE_TEMPLATE": "base.html"}
    html = client_as("anonymous").get(reverse("elearning_courses:catalog")).content.decode()
    assert "data-site-layout" in html and BOOTSTRAP_CSS not in html
    assert course.title in html


def test_a_site_overrides_one_piece(client_as, course, settings):
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [HERE / "override_templates", *settings.TEMPLATES[0]["DIRS"]]}
    ]
    html = client_as("anonymous").get(reverse("elearning_courses:catalog")).content.decode()
    assert f'<p class="site-card">{course.title}</p>' in html
    assert BOOTSTRAP_CSS in html


# --- the API declares what it needs ---------------------------------------------------


def test_api_works_whatever_the_site_drf_defaults(api_client, owner, course, settings):
    settings.REST_FRAMEWORK = {
        "DEFAULT_AUTHENTICATION_CLASSES": [],
        "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
        "DEFAULT_PAGINATION_CLASS": None,
    }
    assert api_client.get("/api/courses/").status_code in (401, 403)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=owner).key}")
    data = api_client.get("/api/courses/").data
    assert set(data) == {"count", "next", "previous", "results"}
    assert [c["title"] for c in data["results"]] == [course.title]
    created = api_client.post("/api/courses/", {"title": "Channels", "description": "Sockets."})
    assert created.status_code == 201, created.data


# --- checks for the site around the app ------------------------------------------------


@pytest.fixture
def complete_site(settings, monkeypatch):
    from django.conf import settings as django_settings

    # Straight onto the settings object: overriding INSTALLED_APPS would re-populate the
    # app registry.
    monkeypatch.setattr(django_settings._wrapped, "INSTALLED_APPS", ["daphne", *settings.INSTALLED_APPS])
    settings.ASGI_APPLICATION = "site.asgi.application"
    settings.LOGIN_URL = "elearning_users:login"
    settings.ELEARNING_COURSES = {}
    return settings


def ids(problems):
    return sorted(p.id for p in problems)


def test_a_complete_site_passes(complete_site):
    assert check_site(None) == []


def test_missing_base_template(complete_site):
    complete_site.ELEARNING_COURSES = {"BASE_TEMPLATE": "site/nowhere.html"}
    assert ids(check_site(None)) == ["elearning_courses.E009"]


def test_login_url_leading_nowhere(complete_site):
    complete_site.LOGIN_URL = "/accounts/sign-in/"
    assert ids(check_site(None)) == ["elearning_courses.W001"]


def test_live_bell_needs_daphne_asgi_and_a_layer(complete_site, monkeypatch):
    from django.conf import settings as django_settings

    monkeypatch.setattr(django_settings._wrapped, "INSTALLED_APPS", complete_site.INSTALLED_APPS[1:])
    complete_site.ASGI_APPLICATION = None
    complete_site.CHANNEL_LAYERS = {}
    assert ids(check_site(None)) == [
        "elearning_courses.W002",
        "elearning_courses.W003",
        "elearning_courses.W004",
    ]
    complete_site.ELEARNING_COURSES = {"PUSH_NOTIFICATIONS": False}
    assert check_site(None) == []
