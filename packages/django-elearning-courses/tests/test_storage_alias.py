"""Course materials through a named storage alias (``MATERIAL_STORAGE``, STORAGES).

A site served by several machines points the ``elearning_materials`` alias at shared
object storage; here an ``InMemoryStorage`` and a ``FileSystemStorage`` in a temporary
folder stand in for it. Uploads, downloads and deletions must all go through the alias,
and nothing may land in the private file-system storage meanwhile.
"""

from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import InMemoryStorage, storages

from elearning_courses import services
from elearning_courses.checks import check_settings
from elearning_courses.models import CourseMaterial
from elearning_courses.storage import (
    DEFAULT_ALIAS,
    PrivateFileSystemStorage,
    build_storage,
    material_storage,
    storage_source,
)

from .conftest import PDF_BYTES, pdf_upload

pytestmark = pytest.mark.django_db


class PublicBucketStorage(InMemoryStorage):
    """Stands in for an object storage backend configured with a public ACL."""

    default_acl = "public-read"


class PublicObjectsStorage(InMemoryStorage):
    object_parameters = {"ACL": "public-read", "CacheControl": "max-age=60"}


class PrivateBucketStorage(InMemoryStorage):
    default_acl = "private"
    object_parameters = {"ACL": "private"}


def with_alias(settings, backend, alias=DEFAULT_ALIAS, **options):
    settings.STORAGES = {**settings.STORAGES, alias: {"BACKEND": backend, "OPTIONS": options}}


def check_ids(settings, **courses_settings):
    settings.ELEARNING_COURSES = courses_settings
    return sorted(e.id for e in check_settings(None))


def private_files(settings):
    root = Path(settings.PRIVATE_MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.fixture
def memory_alias(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "private")
    with_alias(settings, "django.core.files.storage.InMemoryStorage")
    return storages[DEFAULT_ALIAS]


def test_default_is_the_alias_with_a_private_fallback(settings):
    assert DEFAULT_ALIAS == "elearning_materials"
    assert DEFAULT_ALIAS not in settings.STORAGES
    assert storage_source() == ("private", None)
    assert isinstance(build_storage(), PrivateFileSystemStorage)
    settings.ELEARNING_COURSES = {"MATERIAL_STORAGE": None}
    assert storage_source() == ("private", None)


def test_the_field_storage_is_the_callable():
    # Migrations reference elearning_courses.storage.material_storage, never a backend.
    kwargs = CourseMaterial._meta.get_field("file").deconstruct()[3]
    assert kwargs["storage"] is material_storage


def test_page_upload_download_and_delete_use_the_alias(
    memory_alias, settings, course, enrolled, client, django_capture_on_commit_callbacks
):
    client.force_login(course.teacher)
    response = client.post(
        f"/courses/{course.pk}/materials/new/", {"title": "Week 1", "file": pdf_upload("w1.pdf")}
    )
    assert response.status_code == 302
    material = CourseMaterial.objects.get()
    assert material.file.storage._wrapped is memory_alias
    assert memory_alias.exists(material.file.name)
    assert private_files(settings) == []

    client.force_login(enrolled)
    response = client.get(f"/courses/{course.pk}/materials/{material.pk}/download/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment;")

    client.force_login(course.teacher)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/courses/{course.pk}/materials/{material.pk}/delete/")
    assert response.status_code == 302
    assert not CourseMaterial.objects.exists()
    assert not memory_alias.exists(material.file.name)


def test_api_upload_and_download_use_the_alias(memory_alias, settings, course, enrolled, api_as):
    response = api_as(course.teacher).post(
        f"/api/courses/{course.pk}/materials/",
        {"title": "Week 2", "file": pdf_upload("w2.pdf")},
        format="multipart",
    )
    assert response.status_code == 201, response.data
    material = CourseMaterial.objects.get()
    assert memory_alias.exists(material.file.name)
    assert private_files(settings) == []
    response = api_as(enrolled).get(f"/api/courses/{course.pk}/materials/{material.pk}/download/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES


def test_blocked_student_cannot_download_from_the_alias(memory_alias, course, owner, blocked, client):
    material = services.add_material(owner, course, file=pdf_upload())
    client.force_login(blocked)
    response = client.get(f"/courses/{course.pk}/materials/{material.pk}/download/")
    assert response.status_code == 403


def test_a_named_alias_on_the_file_system(
    settings, tmp_path, owner, course, django_capture_on_commit_callbacks
):
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "private")
    with_alias(
        settings,
        "django.core.files.storage.FileSystemStorage",
        alias="shared_materials",
        location=str(tmp_path / "shared"),
    )
    settings.ELEARNING_COURSES = {"MATERIAL_STORAGE": "shared_materials"}
    assert check_settings(None) == []
    material = services.add_material(owner, course, file=pdf_upload())
    stored = tmp_path / "shared" / material.file.name
    assert stored.read_bytes() == PDF_BYTES
    assert private_files(settings) == []
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_material(owner, material)
    assert not stored.exists()


def test_missing_alias_is_reported_and_refused(settings):
    assert check_ids(settings, MATERIAL_STORAGE="materials_bucket") == ["elearning_courses.E005"]
    with pytest.raises(ImproperlyConfigured):
        storage_source()


def test_alias_with_a_broken_backend_is_reported(settings):
    with_alias(settings, "no.such.Storage")
    assert check_ids(settings) == ["elearning_courses.E005"]


def test_alias_inside_media_root_is_reported(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    with_alias(
        settings, "django.core.files.storage.FileSystemStorage", location=str(tmp_path / "media" / "m")
    )
    errors = [e for e in check_settings(None) if e.id == "elearning_courses.E007"]
    assert len(errors) == 1 and "STORAGES['elearning_materials']" in errors[0].hint


@pytest.mark.parametrize("backend", [PublicBucketStorage, PublicObjectsStorage])
def test_public_acl_is_reported(settings, backend):
    with_alias(settings, f"{__name__}.{backend.__name__}")
    assert check_ids(settings) == ["elearning_courses.E008"]


def test_private_acl_passes(settings):
    with_alias(settings, f"{__name__}.{PrivateBucketStorage.__name__}")
    assert check_ids(settings) == []
