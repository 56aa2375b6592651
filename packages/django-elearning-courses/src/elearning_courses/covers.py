"""Course cover images: stored in the site's default (public) storage under a
random name, like profile pictures; the course pages fall back to a default cover."""

import os
import uuid

from .conf import app_settings

COVER_EXTENSIONS = ("jpg", "png", "gif", "webp")


def cover_upload_to(instance, filename):
    """A random name in ``COVER_UPLOAD_DIR``; only a known extension is kept."""
    extension = os.path.splitext(filename)[1].lower().lstrip(".")
    if extension not in COVER_EXTENSIONS:
        extension = "bin"
    return f"{app_settings.COVER_UPLOAD_DIR.strip('/')}/{uuid.uuid4().hex}.{extension}"
