"""Fixtures of the courses suite: one user per role around one course.

Roles, as used by the parametrized access tests (``role`` fixture + ``ROLES``):

anonymous, student (not enrolled), enrolled (enrolled student), blocked (blocked
student, hence not enrolled), other_teacher, owner (the course's teacher).
"""

import os

import pytest
from channels.testing import WebsocketCommunicator
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

# WebsocketCommunicator.disconnect() waits 1 s for the consumer by default, then cancels it
# and returns while its (shielded) clean-up may still run: on a busy machine, a test that
# then checks what the clean-up did (group left, presence row deleted) would race it. Wait
# as long as it takes, within a generous bound.
_communicator_disconnect = WebsocketCommunicator.disconnect


async def _patient_disconnect(self, code=1000, timeout=30):
    return await _communicator_disconnect(self, code, timeout)


WebsocketCommunicator.disconnect = _patient_disconnect

PASSWORD = "Sup3r-secret-pass"
ROLES = ["anonymous", "student", "enrolled", "blocked", "other_teacher", "owner"]
PDF_BYTES = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    # Several suites may share one PostgreSQL server at once: give each run its own test database.
    from django.conf import settings

    db = settings.DATABASES["default"]
    if "postgresql" in db["ENGINE"]:
        db.setdefault("TEST", {})["NAME"] = f"test_{db['NAME']}_courses_{os.getpid()}"


@pytest.fixture
def make_user(db, django_user_model):
    def make(username, role="student", **extra):
        return django_user_model.objects.create_user(
            username=username, password=PASSWORD, email=f"{username}@example.com", role=role, **extra
        )

    return make


@pytest.fixture
def owner(make_user):
    return make_user("owner", "teacher")


@pytest.fixture
def other_teacher(make_user):
    return make_user("other_teacher", "teacher")


@pytest.fixture
def student(make_user):
    """A student with no relation to the course."""
    return make_user("student", "student")


@pytest.fixture
def course(owner):
    from elearning_courses.models import Course

    return Course.objects.create(
        teacher=owner, title="Django basics", description="Models, views, templates."
    )


@pytest.fixture
def enrolled(make_user, course):
    from elearning_courses.models import Enrollment

    user = make_user("enrolled", "student")
    Enrollment.objects.create(student=user, course=course)
    return user


@pytest.fixture
def blocked(make_user, course):
    from elearning_courses.models import CourseBlock, Enrollment

    user = make_user("blocked", "student")
    Enrollment.objects.create(student=user, course=course)
    CourseBlock.objects.create(student=user, course=course, reason="Spam")
    return user


@pytest.fixture
def anonymous():
    from django.contrib.auth.models import AnonymousUser

    return AnonymousUser()


@pytest.fixture
def users(anonymous, student, enrolled, blocked, other_teacher, owner):
    """Every role around ``course``, by name."""
    return {
        "anonymous": anonymous,
        "student": student,
        "enrolled": enrolled,
        "blocked": blocked,
        "other_teacher": other_teacher,
        "owner": owner,
    }


@pytest.fixture(params=ROLES)
def role(request):
    """Parametrizes a test over every role; use with ``users[role]`` / ``client_as``."""
    return request.param


def pdf_upload(name="notes.pdf", content=PDF_BYTES, content_type="application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture
def material(course):
    from elearning_courses.models import CourseMaterial

    return CourseMaterial.objects.create(
        course=course,
        title="Week 1 notes",
        file=pdf_upload(),
        original_name="notes.pdf",
        size=len(PDF_BYTES),
        content_type="application/pdf",
    )


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def api_as(users):
    """``api_as(role)`` -> an ``APIClient`` authenticated as that role (or anonymous)."""

    def make(name):
        client = APIClient()
        user = users[name] if isinstance(name, str) else name
        if user is not None and user.is_authenticated:
            client.force_authenticate(user)
        return client

    return make


@pytest.fixture
def client_as(users, client):
    """``client_as(role)`` -> the Django test client logged in as that role."""

    def make(name):
        user = users[name] if isinstance(name, str) else name
        if user is not None and user.is_authenticated:
            client.force_login(user)
        else:
            client.logout()
        return client

    return make
