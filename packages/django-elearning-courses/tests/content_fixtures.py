"""Fixtures of the modules and lessons tests: a course with content, uploads of each kind.

Import the fixtures into a test module: ``from .content_fixtures import *``.
"""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from elearning_courses.models import Lesson, Module

from .conftest import PDF_BYTES
from .test_pages_access import MATERIAL_READERS

#: The smallest files the sniffing accepts as their type.
WEBM = b"\x1a\x45\xdf\xa3" + bytes(range(256)) * 4
MP4 = b"\x00\x00\x00\x18ftypmp42" + bytes(range(200))

#: Who may open a published lesson (and its media): status code per role (302: log in),
#: as for the materials.
READERS = MATERIAL_READERS

__all__ = [
    "WEBM",
    "MP4",
    "upload",
    "png_upload",
    "pdf",
    "lessons_published",
    "module",
    "text_lesson",
    "staff",
]


def upload(name, content, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def png_upload(size=(40, 20), name="diagram.png"):
    out = io.BytesIO()
    Image.new("RGB", size, "blue").save(out, format="PNG")
    return upload(name, out.getvalue(), "image/png")


def pdf(name="notes.pdf"):
    return upload(name, PDF_BYTES, "application/pdf")


@pytest.fixture
def lessons_published(monkeypatch):
    """The calls of ``announcements.lessons_published``, as lists of lesson titles."""
    from elearning_courses import announcements

    calls = []
    monkeypatch.setattr(
        announcements, "lessons_published", lambda course, lessons: calls.append([x.title for x in lessons])
    )
    return calls


@pytest.fixture
def module(course):
    return Module.objects.create(course=course, title="Getting started", position=0)


@pytest.fixture
def text_lesson(module):
    return Lesson.objects.create(module=module, title="Welcome", kind="text", text="# Hello\n\n**Read** me.")


@pytest.fixture
def staff(make_user):
    return make_user("staff", "student", is_staff=True)
