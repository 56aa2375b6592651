"""Upload validation (size, extension allow-list, content sniffing) and private storage."""

from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from elearning_courses.materials import clean_filename, material_upload_to, validate_material_upload
from elearning_courses.storage import PrivateFileSystemStorage, material_storage, private_media_root

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 20
ZIP = b"PK\x03\x04" + b"\x00" * 20


def upload(name, content):
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


@pytest.mark.parametrize(
    "name, content, content_type",
    [
        ("a.pdf", b"%PDF-1.7 x", "application/pdf"),
        ("A.PDF", b"%PDF-1.7 x", "application/pdf"),
        ("notes.txt", "héllo wörld\n".encode(), "text/plain"),
        ("data.csv", b"a,b\n1,2\n", "text/csv"),
        ("pic.png", PNG, "image/png"),
        ("photo.jpeg", b"\xff\xd8\xff\xe0rest", "image/jpeg"),
        ("slides.pptx", ZIP, "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    ],
)
def test_accepted(name, content, content_type):
    info = validate_material_upload(upload(name, content))
    assert info.content_type == content_type
    assert info.size == len(content)
    assert info.original_name == name


@pytest.mark.parametrize(
    "name, content, code",
    [
        ("x.exe", b"MZ", "extension"),
        ("x.html", b"<html>", "extension"),
        ("x.svg", b"<svg/>", "extension"),
        ("x.pdf.exe", b"%PDF-", "extension"),
        ("x", b"%PDF-", "extension"),
        ("x.pdf", b"<html>", "content"),
        ("x.png", b"%PDF-", "content"),
        ("x.docx", b"%PDF-", "content"),
        ("x.txt", b"\xff\xfe\x00\x00", "content"),
        ("x.txt", b"", "empty"),
    ],
)
def test_refused(name, content, code):
    with pytest.raises(ValidationError) as info:
        validate_material_upload(upload(name, content))
    assert info.value.code == code


def test_text_cut_inside_a_multibyte_character_is_fine():
    content = b"a" * 8191 + "é".encode()  # the sniff window ends inside "é"
    assert validate_material_upload(upload("long.txt", content)).extension == "txt"


def test_size_limit(settings):
    settings.ELEARNING_COURSES = {"MATERIAL_MAX_BYTES": 10}
    with pytest.raises(ValidationError) as info:
        validate_material_upload(upload("a.pdf", b"%PDF-" + b"x" * 10))
    assert info.value.code == "too_large"
    assert validate_material_upload(upload("a.pdf", b"%PDF-1234x")).size == 10


def test_extension_allow_list_is_a_setting(settings):
    settings.ELEARNING_COURSES = {"MATERIAL_EXTENSIONS": ["pdf"]}
    with pytest.raises(ValidationError):
        validate_material_upload(upload("a.txt", b"hello"))


def test_missing_file():
    with pytest.raises(ValidationError) as info:
        validate_material_upload(None)
    assert info.value.code == "empty"


@pytest.mark.parametrize(
    "raw, clean",
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\boot.ini", "boot.ini"),
        ("a/b/c.pdf", "c.pdf"),
        ('we"ird<name>.pdf', "weirdname.pdf"),
        ("..", "file"),
        ("", "file"),
        ("tab\there.txt", "tabhere.txt"),
    ],
)
def test_clean_filename(raw, clean):
    assert clean_filename(raw) == clean


def test_clean_filename_is_bounded():
    assert len(clean_filename("x" * 500 + ".pdf")) == 200
    assert clean_filename("x" * 500 + ".pdf").endswith(".pdf")


class _Material:
    course_id = 7


@pytest.mark.parametrize("name", ["../../evil.pdf", "/etc/passwd", "notes.PDF", "noext", "x.exe"])
def test_upload_to_never_uses_the_name(name):
    path = material_upload_to(_Material(), name)
    assert path.startswith("elearning_courses/materials/7/")
    stem = path.rsplit("/", 1)[1]
    assert ".." not in path and "evil" not in path and "passwd" not in path
    assert len(stem.split(".")[0]) == 32
    assert stem.endswith((".pdf", "")) and not stem.endswith(".exe")


def test_private_root_falls_back_next_to_media(settings, tmp_path):
    del settings.PRIVATE_MEDIA_ROOT
    settings.MEDIA_ROOT = str(tmp_path / "media")
    assert private_media_root() == tmp_path / "private"


def test_storage_follows_settings(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "p")
    storage = material_storage()
    assert Path(storage.location) == (tmp_path / "p").resolve()
    assert storage.base_url is None
    with pytest.raises(ValueError):
        storage.url("x.pdf")


def test_storage_never_writes_outside_its_root(settings, tmp_path):
    from django.core.exceptions import SuspiciousFileOperation

    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "p")
    with pytest.raises(SuspiciousFileOperation):
        material_storage().path("../outside.pdf")


def test_custom_storage_by_alias_and_dotted_path(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "materials": {
            "BACKEND": "elearning_courses.storage.PrivateFileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "alias")},
        },
    }
    settings.ELEARNING_COURSES = {"MATERIAL_STORAGE": "materials"}
    assert Path(material_storage().location) == (tmp_path / "alias").resolve()
    settings.ELEARNING_COURSES = {"MATERIAL_STORAGE": "elearning_courses.storage.PrivateFileSystemStorage"}
    storage = material_storage()
    storage.exists("x")  # resolve the lazy storage
    assert isinstance(storage._wrapped, PrivateFileSystemStorage)
