"""The courses API inside the demo site: schema, Swagger UI without a CDN, a full
token-authenticated flow, concurrent double enrollment and the live bell over the
site's real ASGI stack (PostgreSQL and Redis when DATABASE_URL / REDIS_URL say so)."""

import io
import os
import re
import threading

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.db import connection
from rest_framework.test import APIClient

from elearning_courses import services
from elearning_courses.exceptions import CourseActionInvalid
from elearning_courses.models import Course, Enrollment, Notification

PDF = b"%PDF-1.4\n%%EOF\n"
USES_POSTGRESQL = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


def make_user(username, role):
    return get_user_model().objects.create_user(username, password="Long-enough-pass-1", role=role)


@pytest.mark.django_db
def test_schema_is_served():
    response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/courses/",
        "/api/courses/{id}/materials/",
        "/api/enrollments/",
        "/api/feedback/",
        "/api/blocks/",
        "/api/notifications/",
        "/api/notifications/{id}/read/",
        "/api/notifications/read-all/",
        "/api/notifications/unread-count/",
        "/api/subjects/",
        "/api/courses/{course_pk}/modules/",
        "/api/courses/{course_pk}/modules/{id}/",
        "/api/courses/{course_pk}/lessons/",
        "/api/courses/{course_pk}/lessons/{id}/",
        "/api/courses/{course_pk}/lessons/{id}/media/",
        "/api/courses/{course_pk}/lessons/{id}/complete/",
        "/api/courses/{course_pk}/announcements/",
        "/api/courses/{course_pk}/announcements/{id}/",
        "/api/courses/{id}/reorder/",
        "/api/courses/{id}/progress/",
        "/api/courses/{id}/progress/students/",
    ):
        assert path in paths, path


def test_schema_generates_without_warnings(tmp_path):
    # --fail-on-warn turns any drf-spectacular warning (untyped field, bad queryset) into an error.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yml"))
    assert "/api/courses/{id}/materials/" in (tmp_path / "s.yml").read_text()


@pytest.mark.django_db
def test_swagger_ui_loads_its_assets_locally(client):
    response = client.get("/api/schema/swagger/")
    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', html)
    assert assets, html[:500]
    assert not [a for a in assets if re.match(r"(https?:)?//", a)], assets
    for asset in assets:
        assert asset.startswith("/static/"), asset
        assert finders.find(asset.removeprefix("/static/")), asset
    # No CDN URL anywhere in the page (a bare "cdn" substring may occur in the random CSRF token).
    assert not re.search(r"(https?:)?//[^\s\"']*cdn", html, re.IGNORECASE)


@pytest.mark.django_db
def test_full_flow_with_token_auth(tmp_path, settings):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    make_user("api-teacher", "teacher")
    make_user("api-student", "student")

    def token_client(username):
        response = APIClient().post(
            "/api/auth/token/", {"username": username, "password": "Long-enough-pass-1"}, format="json"
        )
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {response.data['token']}")
        return client

    teacher, student = token_client("api-teacher"), token_client("api-student")
    course = teacher.post("/api/courses/", {"title": "Token course"}, format="json").data
    material = teacher.post(
        f"/api/courses/{course['id']}/materials/",
        {"title": "Syllabus", "file": io.BytesIO(PDF)},
        format="multipart",
    )
    assert material.status_code == 400  # a BytesIO has no name: no extension
    upload = io.BytesIO(PDF)
    upload.name = "syllabus.pdf"
    material = teacher.post(f"/api/courses/{course['id']}/materials/", {"file": upload}, format="multipart")
    assert material.status_code == 201, material.data
    assert student.get(material.data["download_url"]).status_code == 403  # not enrolled yet

    assert student.post("/api/enrollments/", {"course": course["id"]}, format="json").status_code == 201
    download = student.get(material.data["download_url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert download["Content-Disposition"].startswith("attachment")
    assert download["X-Content-Type-Options"] == "nosniff"

    assert (
        student.post("/api/feedback/", {"course": course["id"], "rating": 5}, format="json").status_code
        == 201
    )
    listed = student.get("/api/courses/?search=Token").data["results"][0]
    assert listed["enrollment_count"] == 1 and listed["average_rating"] == 5.0
    assert teacher.get("/api/notifications/unread-count/").data == {"unread_count": 2}
    verbs = [n["verb"] for n in teacher.get("/api/notifications/").data["results"]]
    assert verbs == ["feedback", "enrolled"]


def _race(course_id, student_id, barrier, results):
    client = APIClient()
    client.force_authenticate(get_user_model().objects.get(pk=student_id))
    try:
        barrier.wait(timeout=10)
        results.append(client.post("/api/enrollments/", {"course": course_id}, format="json").status_code)
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_concurrent_double_enrollment_leaves_one_row_and_no_500():
    if USES_POSTGRESQL:
        # The environment promises PostgreSQL: fail rather than silently test SQLite.
        assert connection.vendor == "postgresql"
    teacher, student = make_user("race-teacher", "teacher"), make_user("race-student", "student")
    for round_ in range(8):
        course = Course.objects.create(teacher=teacher, title=f"Race {round_}")
        if connection.vendor == "postgresql":
            # Two connections submit the same enrollment at the same instant.
            barrier, results = threading.Barrier(2), []
            threads = [
                threading.Thread(target=_race, args=(course.pk, student.pk, barrier, results))
                for _ in range(2)
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=30)
            assert sorted(results) == [201, 400], results
        else:
            # SQLite serialises writers: the same rule, checked sequentially.
            services.enroll(student, course)
            with pytest.raises(CourseActionInvalid):
                services.enroll(student, course)
            client = APIClient()
            client.force_authenticate(student)
            assert client.post("/api/enrollments/", {"course": course.pk}, format="json").status_code == 400
        assert Enrollment.objects.filter(course=course).count() == 1
    # One "enrolled" notification per course, not two.
    assert Notification.objects.filter(recipient=teacher, verb="enrolled").count() == 8


@pytest.fixture
def isolated_layer(settings):
    """The site's channel layer, with a per-run prefix on Redis (runs share the server)."""
    layer = dict(django_settings.CHANNEL_LAYERS["default"])
    if os.environ.get("REDIS_URL"):
        assert layer["BACKEND"] == "channels_redis.core.RedisChannelLayer"
        layer["CONFIG"] = {**layer["CONFIG"], "prefix": f"elearning-example-tests-{os.getpid()}"}
    settings.CHANNEL_LAYERS = {"default": layer}
    return layer


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_live_bell_through_the_site_asgi_stack(isolated_layer):
    from django.test import Client

    from example_project.asgi import application

    teacher = await database_sync_to_async(make_user)("bell-teacher", "teacher")
    student = await database_sync_to_async(make_user)("bell-student", "student")
    course = await database_sync_to_async(Course.objects.create)(teacher=teacher, title="Bell")
    client = Client()
    await sync_to_async(client.force_login)(teacher)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    headers = [
        (b"origin", b"http://localhost"),
        (b"host", b"localhost"),
        (b"cookie", f"{django_settings.SESSION_COOKIE_NAME}={cookie}".encode()),
    ]

    bell = WebsocketCommunicator(application, "/ws/notifications/", headers=headers)
    assert (await bell.connect())[0]
    assert await bell.receive_json_from(timeout=5) == {"type": "unread_count", "unread_count": 0}
    await database_sync_to_async(services.enroll)(student, course)
    event = await bell.receive_json_from(timeout=5)
    assert event["type"] == "notification" and event["unread_count"] == 1
    assert event["notification"]["verb"] == "enrolled"
    assert event["notification"]["url"] == f"/courses/{course.pk}/"
    await bell.disconnect()

    anonymous = WebsocketCommunicator(application, "/ws/notifications/", headers=headers[:2])
    assert not (await anonymous.connect())[0]
