"""The demo site's own pages around the apps: error pages in the site's layout (as served
with DEBUG off), the favicon, the browsable API's front door and its log-in, ReDoc served
without other hosts, and the teacher's public profile listing their courses."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import path

from example_project.urls import urlpatterns as site_urlpatterns

pytestmark = pytest.mark.django_db


def fail(request):
    raise RuntimeError("boom")


def forbid(request):
    raise PermissionDenied


# The site's URLs plus two views that fail, to see the 500 and 403 pages.
urlpatterns = [*site_urlpatterns, path("boom/", fail), path("forbidden/", forbid)]


@pytest.fixture
def production(settings):
    settings.DEBUG = False
    settings.ROOT_URLCONF = __name__


def make(username, role):
    return get_user_model().objects.create_user(username, password="x-Long-pass-1", role=role)


def test_404_is_the_site_page(production, client):
    response = client.get("/courses/9999/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html
    assert 'class="navbar' in html  # the site's layout, not Django's page
    assert "Go to the home page" in html


def test_403_is_the_site_page(production, client):
    response = client.get("/forbidden/")
    assert response.status_code == 403
    assert "You cannot open this page" in response.content.decode()


def test_500_is_the_site_page_without_a_request_context(production):
    # Django renders 500.html with an empty context: no request, no user.
    response = Client(raise_request_exception=False).get("/boom/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong" in html
    assert 'class="navbar' in html


def test_favicon(client):
    html = client.get("/").content.decode()
    assert re.search(r'<link rel="icon" href="/static/favicon.svg"', html)
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"] == "/static/favicon.svg"


def test_api_root_lists_the_endpoints_for_everyone(client):
    response = client.get("/api/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    links = response.json()
    assert links["courses"] == "http://testserver/api/courses/"
    assert links["chat_rooms"] == "http://testserver/api/chat/rooms/"
    assert links["docs"] == "http://testserver/api/schema/swagger/"


def test_browsable_api_offers_a_log_in(client):
    response = client.get("/api/courses/", HTTP_ACCEPT="text/html")
    assert response.status_code == 403
    assert "<a href='/api/auth/login/?next=/api/courses/'>Log in</a>" in response.content.decode()
    login = client.get("/api/auth/login/?next=/api/courses/")
    assert login.status_code == 200


def test_redoc_page_loads_nothing_from_other_hosts(client):
    html = client.get("/api/schema/redoc/").content.decode()
    # Started from a static file (no inline script under the Content-Security-Policy).
    assert 'id="redoc-container"' in html and "/static/js/redoc-init.js" in html
    assert not re.search(r"""(?:src|href)=["']?(?:https?:)?//""", html)


def test_teacher_profile_lists_their_courses(client):
    from elearning_courses.models import Course

    alice = make("alice", "teacher")
    course = Course.objects.create(teacher=alice, title="Alice teaches this")
    html = client.get("/users/alice/").content.decode()
    assert f'href="/courses/{course.pk}/">Alice teaches this</a>' in html
    assert (
        "data-teacher-courses"
        not in client.get(f"/users/{make('sam', 'student').username}/").content.decode()
    )


def test_home_greets_a_new_account_without_welcome_back(client):
    client.post(
        "/accounts/signup/",
        {
            "username": "ada",
            "email": "ada@example.com",
            "role": "student",
            "password1": "Analytical-Engine-1843",
            "password2": "Analytical-Engine-1843",
        },
    )
    html = client.get("/").content.decode()
    assert "Your account is ready." in html
    assert "Hello, ada" in html
    assert "Welcome back" not in html
