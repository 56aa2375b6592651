"""Validation and naming of uploaded course materials.

:func:`validate_material_upload` is the single check used by the upload form, the
API serializer and :func:`elearning_courses.services.add_material`: size limit,
extension allow-list (``ELEARNING_COURSES["MATERIAL_EXTENSIONS"]``) and a cheap
content sniff (the file must start with the signature of its type; text must be
UTF-8 without NUL bytes). The stored content type comes from the extension, never
from the client.
"""

import codecs
import os
import uuid
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from .conf import app_settings

ZIP = (b"PK\x03\x04",)
#: extension -> (content type served, accepted leading bytes or "text")
FILE_TYPES = {
    "pdf": ("application/pdf", (b"%PDF-",)),
    "txt": ("text/plain", "text"),
    "md": ("text/markdown", "text"),
    "csv": ("text/csv", "text"),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "gif": ("image/gif", (b"GIF87a", b"GIF89a")),
    "zip": ("application/zip", ZIP),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ZIP),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ZIP),
    "pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", ZIP),
    "odt": ("application/vnd.oasis.opendocument.text", ZIP),
    "ods": ("application/vnd.oasis.opendocument.spreadsheet", ZIP),
    "odp": ("application/vnd.oasis.opendocument.presentation", ZIP),
}
SNIFF_BYTES = 8192
MAX_NAME_LENGTH = 200


@dataclass(frozen=True)
class MaterialInfo:
    """What :func:`validate_material_upload` learned about a valid upload."""

    original_name: str
    extension: str
    content_type: str
    size: int


def clean_filename(name):
    """The user's file name reduced to a harmless display name (no folders, no controls)."""
    name = (name or "").replace("\\", "/").split("/")[-1]
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '"<>:|?*').strip(" .")
    if len(name) > MAX_NAME_LENGTH:
        stem, ext = os.path.splitext(name)
        name = stem[: MAX_NAME_LENGTH - len(ext)] + ext
    return name or "file"


def allowed_extensions():
    return [ext.lower().lstrip(".") for ext in app_settings.MATERIAL_EXTENSIONS]


def _looks_like_text(head):
    if b"\x00" in head:
        return False
    try:
        # Incremental: a multi-byte character cut at SNIFF_BYTES is not an error.
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return False
    return True


def validate_material_upload(file):
    """Check an uploaded file and return its :class:`MaterialInfo`.

    ``file`` is a Django ``UploadedFile`` (or any ``File`` with a ``name``).
    Raises ``django.core.exceptions.ValidationError`` with code ``empty``,
    ``too_large``, ``extension`` or ``content``.
    """
    if file is None:
        raise ValidationError(_("Choose a file to upload."), code="empty")
    original = clean_filename(getattr(file, "name", ""))
    size = file.size
    if not size:
        raise ValidationError(_("The file is empty."), code="empty")
    limit = app_settings.MATERIAL_MAX_BYTES
    if size > limit:
        raise ValidationError(
            _("The file is too large (%(size)s); the limit is %(limit)s."),
            code="too_large",
            params={"size": filesizeformat(size), "limit": filesizeformat(limit)},
        )
    extension = os.path.splitext(original)[1].lower().lstrip(".")
    allowed = allowed_extensions()
    if extension not in allowed or extension not in FILE_TYPES:
        raise ValidationError(
            _("Files of this type are not accepted. Allowed: %(allowed)s."),
            code="extension",
            params={"allowed": ", ".join(sorted(e for e in allowed if e in FILE_TYPES))},
        )
    content_type, signatures = FILE_TYPES[extension]
    file.seek(0)
    head = file.read(SNIFF_BYTES)
    file.seek(0)
    if isinstance(head, str):
        head = head.encode()
    ok = _looks_like_text(head) if signatures == "text" else head.startswith(tuple(signatures))
    if not ok:
        raise ValidationError(
            _("The file's content does not match its .%(extension)s extension."),
            code="content",
            params={"extension": extension},
        )
    return MaterialInfo(original, extension, content_type, size)


def material_upload_to(instance, filename):
    """A generated storage name: the user's file name is never part of the path."""
    extension = os.path.splitext(clean_filename(filename))[1].lower()
    if extension.lstrip(".") not in FILE_TYPES:
        extension = ""
    folder = app_settings.MATERIAL_UPLOAD_DIR.strip("/")
    return f"{folder}/{instance.course_id}/{uuid.uuid4().hex}{extension}"


def material_response(material):
    """Stream ``material`` as an attachment, never rendered inline by the browser.

    The one download response of the pages and the API. Access must be checked by
    the caller (``rules.can_view_materials``). Raises ``OSError``
    (``FileNotFoundError``) when the stored file is gone.
    """
    handle = material.file.open("rb")
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=material.original_name,
        content_type=material.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
