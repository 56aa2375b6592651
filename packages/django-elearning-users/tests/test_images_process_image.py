"""process_image: the limits are parameters (used for covers and lesson images too)."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from elearning_users.images import process_image


def png(size):
    out = io.BytesIO()
    Image.new("RGB", size, "red").save(out, format="PNG")
    return SimpleUploadedFile("a.png", out.getvalue(), content_type="image/png")


LIMITS = {"max_bytes": 100_000, "formats": ["png"], "max_pixels": 400 * 400}


def test_scaled_to_fit_max_size_keeping_ratio_and_named():
    result = process_image(png((400, 200)), max_size=(200, 150), name="cover", **LIMITS)
    assert result.name == "cover.png"
    assert Image.open(io.BytesIO(result.read())).size == (200, 100)


def test_formats_pixels_and_bytes_are_the_given_limits():
    with pytest.raises(ValidationError) as exc:
        process_image(png((401, 400)), max_size=(50, 50), **LIMITS)
    assert exc.value.code == "too_many_pixels"
    with pytest.raises(ValidationError) as exc:
        process_image(png((10, 10)), max_size=(50, 50), **{**LIMITS, "formats": ["jpeg"]})
    assert exc.value.code == "invalid_image"
    with pytest.raises(ValidationError) as exc:
        process_image(png((10, 10)), max_size=(50, 50), **{**LIMITS, "max_bytes": 10})
    assert exc.value.code == "file_too_large"
