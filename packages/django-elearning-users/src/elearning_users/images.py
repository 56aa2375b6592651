"""Validation and re-encoding of uploaded images (profile pictures, course covers, lesson images).

An upload is only accepted when Pillow can decode it completely as one of the
allowed formats, within the byte and pixel limits. The stored file is a fresh
encoding of the decoded pixels, so nothing that followed or hid inside the
original bytes (HTML, scripts, metadata) survives.
"""

import io
import os
import uuid
import warnings

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from .conf import app_settings

EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp"}


def process_profile_picture(upload):
    """Return a re-encoded :class:`ContentFile` for ``upload`` or raise ``ValidationError``.

    Uses the ``PROFILE_PICTURE_*`` limits; see :func:`process_image`.
    """
    size = app_settings.PROFILE_PICTURE_SIZE
    return process_image(
        upload,
        max_bytes=app_settings.PROFILE_PICTURE_MAX_BYTES,
        formats=app_settings.PROFILE_PICTURE_FORMATS,
        max_pixels=app_settings.PROFILE_PICTURE_MAX_PIXELS,
        max_size=(size, size),
    )


def process_image(upload, *, max_bytes, formats, max_pixels, max_size, name="picture"):
    """Return a re-encoded :class:`ContentFile` for ``upload`` or raise ``ValidationError``.

    ``formats`` are Pillow format names (``"JPEG"``, ``"PNG"``, ``"GIF"``, ``"WEBP"``);
    ``max_pixels`` limits width x height of the decoded image; the result is scaled down
    to fit ``max_size`` (width, height), keeping the aspect ratio. The file is named
    ``<name>.<extension of the format>``.
    """
    if upload.size is not None and upload.size > max_bytes:
        raise ValidationError(
            _("The picture is too large (%(size)s). The limit is %(limit)s.")
            % {"size": filesizeformat(upload.size), "limit": filesizeformat(max_bytes)},
            code="file_too_large",
        )
    allowed = [fmt.upper() for fmt in formats]
    invalid = ValidationError(
        _("Upload a valid image (%(formats)s).") % {"formats": ", ".join(allowed)},
        code="invalid_image",
    )
    upload.seek(0)
    data = upload.read()
    try:
        with warnings.catch_warnings():
            # Pillow only raises above twice MAX_IMAGE_PIXELS; refuse on the warning too.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            fmt = image.format
            if fmt not in allowed:
                raise invalid
            if image.width * image.height > max_pixels:
                raise ValidationError(
                    _("The picture has too many pixels (%(w)s x %(h)s).")
                    % {"w": image.width, "h": image.height},
                    code="too_many_pixels",
                )
            image.load()
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(_("The picture has too many pixels."), code="too_many_pixels")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise invalid

    image = ImageOps.exif_transpose(image)
    image.thumbnail(tuple(max_size))
    if fmt == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    elif fmt == "GIF":
        image = image.convert("RGBA").convert("P", palette=Image.Palette.ADAPTIVE)
    elif image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
        image = image.convert("RGBA")
    out = io.BytesIO()
    image.save(out, format=fmt)
    return ContentFile(out.getvalue(), name=f"{name}.{EXTENSIONS[fmt]}")


def profile_picture_upload_to(instance, filename):
    """Store pictures under a random name; only the (checked) extension is kept."""
    ext = os.path.splitext(filename)[1].lower().lstrip(".")
    if ext not in EXTENSIONS.values():
        ext = "bin"
    return f"{app_settings.PROFILE_PICTURE_DIR.rstrip('/')}/{uuid.uuid4().hex}.{ext}"
