import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from elearning_users.images import process_profile_picture, profile_picture_upload_to

from .conftest import image_bytes


def upload(data, name="a.png", content_type="image/png"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def test_valid_png_is_reencoded_and_scaled(settings):
    settings.ELEARNING_USERS = {"PROFILE_PICTURE_SIZE": 32}
    result = process_profile_picture(upload(image_bytes("PNG", (300, 100))))
    assert result.name.endswith(".png")
    stored = Image.open(io.BytesIO(result.read()))
    assert stored.format == "PNG"
    assert max(stored.size) == 32


def test_jpeg_keeps_format():
    result = process_profile_picture(upload(image_bytes("JPEG"), "x.jpeg", "image/jpeg"))
    assert result.name.endswith(".jpg")


def test_trailing_html_after_a_real_png_is_not_stored():
    data = image_bytes("PNG") + b"<html><script>alert(1)</script></html>"
    result = process_profile_picture(upload(data))
    assert b"<script>" not in result.read()


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n<html><script>alert(1)</script></html>",
        b"<svg onload=alert(1)></svg>",
        b"",
        image_bytes("PNG")[:60],
    ],
    ids=["png-header-then-html", "svg", "empty", "truncated"],
)
def test_non_images_are_refused(data):
    with pytest.raises(ValidationError) as exc:
        process_profile_picture(upload(data))
    assert exc.value.code == "invalid_image"


def test_format_outside_allow_list_is_refused():
    with pytest.raises(ValidationError) as exc:
        process_profile_picture(upload(image_bytes("BMP"), "a.bmp", "image/bmp"))
    assert exc.value.code == "invalid_image"


def test_oversized_file_is_refused(settings):
    settings.ELEARNING_USERS = {"PROFILE_PICTURE_MAX_BYTES": 100}
    with pytest.raises(ValidationError) as exc:
        process_profile_picture(upload(image_bytes("PNG", (200, 200))))
    assert exc.value.code == "file_too_large"


def test_too_many_pixels_is_refused_before_decoding(settings):
    settings.ELEARNING_USERS = {"PROFILE_PICTURE_MAX_PIXELS": 100 * 100}
    with pytest.raises(ValidationError) as exc:
        process_profile_picture(upload(image_bytes("PNG", (101, 100))))
    assert exc.value.code == "too_many_pixels"


def test_pillow_bomb_warning_is_a_refusal(monkeypatch, settings):
    # Between 1x and 2x MAX_IMAGE_PIXELS Pillow only warns; that must still refuse.
    settings.ELEARNING_USERS = {"PROFILE_PICTURE_MAX_PIXELS": 10**9}
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 150 * 100)
    with pytest.raises(ValidationError) as exc:
        process_profile_picture(upload(image_bytes("PNG", (200, 100))))
    assert exc.value.code == "too_many_pixels"


def test_upload_to_generates_random_names(settings):
    first = profile_picture_upload_to(None, "../../etc/passwd.png")
    second = profile_picture_upload_to(None, "../../etc/passwd.png")
    assert first != second
    assert first.startswith("elearning_users/avatars/") and first.endswith(".png")
    assert ".." not in first
    assert profile_picture_upload_to(None, "evil.html").endswith(".bin")
