"""Course cover images: stored in the site's default (public) storage under a
random name, like profile pictures; the course pages fall back to a default cover.

An upload is decoded and re-encoded by :func:`elearning_users.images.process_image`
within the ``COVER_*`` limits, so what is stored is a fresh image and nothing else
(no HTML appended to a PNG, no metadata).
"""

import os
import uuid

from elearning_users.images import process_image

from .conf import app_settings

COVER_EXTENSIONS = ("jpg", "png", "gif", "webp")
#: Pillow formats accepted for covers (those of :data:`COVER_EXTENSIONS`).
COVER_FORMATS = ("JPEG", "PNG", "GIF", "WEBP")


def cover_upload_to(instance, filename):
    """A random name in ``COVER_UPLOAD_DIR``; only a known extension is kept."""
    extension = os.path.splitext(filename)[1].lower().lstrip(".")
    if extension not in COVER_EXTENSIONS:
        extension = "bin"
    return f"{app_settings.COVER_UPLOAD_DIR.strip('/')}/{uuid.uuid4().hex}.{extension}"


def process_cover(upload):
    """Return the re-encoded cover (a ``ContentFile``) for ``upload``, or raise
    ``ValidationError`` (not an image, too large, too many pixels)."""
    size = app_settings.COVER_SIZE
    return process_image(
        upload,
        max_bytes=app_settings.COVER_MAX_BYTES,
        formats=COVER_FORMATS,
        max_pixels=app_settings.COVER_MAX_PIXELS,
        max_size=(size, size),
        name="cover",
    )
