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
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from .conf import app_settings

ZIP = (b"PK\x03\x04",)


def _is_mp4(head):
    """ISO base media files (mp4) have the ``ftyp`` box type at bytes 4 to 8."""
    return head[4:8] == b"ftyp"


#: extension -> (content type served, accepted leading bytes, "text" or a check of the head)
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
    "mp4": ("video/mp4", _is_mp4),
    "webm": ("video/webm", (b"\x1a\x45\xdf\xa3",)),
}
#: The extensions of video lessons (not in the default MATERIAL_EXTENSIONS).
VIDEO_EXTENSIONS = ("mp4", "webm")
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
    return _validate_upload(file, allowed_extensions(), app_settings.MATERIAL_MAX_BYTES)


def validate_video_upload(file):
    """Check the upload of a video lesson (mp4 or webm, at most ``VIDEO_MAX_BYTES``),
    like :func:`validate_material_upload` -> :class:`MaterialInfo`."""
    return _validate_upload(file, list(VIDEO_EXTENSIONS), app_settings.VIDEO_MAX_BYTES)


def _validate_upload(file, allowed, limit):
    if file is None:
        raise ValidationError(_("Choose a file to upload."), code="empty")
    original = clean_filename(getattr(file, "name", ""))
    size = file.size
    if not size:
        raise ValidationError(_("The file is empty."), code="empty")
    if size > limit:
        raise ValidationError(
            _("The file is too large (%(size)s); the limit is %(limit)s."),
            code="too_large",
            params={"size": filesizeformat(size), "limit": filesizeformat(limit)},
        )
    extension = os.path.splitext(original)[1].lower().lstrip(".")
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
    if signatures == "text":
        ok = _looks_like_text(head)
    elif callable(signatures):
        ok = signatures(head)
    else:
        ok = head.startswith(tuple(signatures))
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


def material_response(material, *, inline=False, range_header=None):
    """Stream ``material``; an attachment unless ``inline`` (lesson videos and images).

    The one file response of the pages and the API. Access must be checked by the
    caller (``rules.can_view_materials`` / ``rules.can_view_lesson``). An inline
    response honours a single ``Range: bytes=...`` (``range_header``; 206 Partial
    Content, or 416 when unsatisfiable), so a video can be seeked. Raises ``OSError``
    (``FileNotFoundError``) when the stored file is gone.
    """
    content_type = material.content_type or "application/octet-stream"
    if inline:
        size = material.file.size
        try:
            byte_range = parse_range(range_header, size)
        except RangeNotSatisfiable:
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{size}"
            return _protect(response, "private")
        if byte_range is not None:
            start, end = byte_range
            response = StreamingHttpResponse(
                _read_range(material.file.open("rb"), start, end), status=206, content_type=content_type
            )
            response["Content-Length"] = str(end - start + 1)
            response["Content-Range"] = f"bytes {start}-{end}/{size}"
        else:
            response = FileResponse(material.file.open("rb"), content_type=content_type)
        response["Accept-Ranges"] = "bytes"
        return _protect(response, "private")
    response = FileResponse(
        material.file.open("rb"),
        as_attachment=True,
        filename=material.original_name,
        content_type=content_type,
    )
    return _protect(response, "private, no-store")


def _protect(response, cache_control):
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = cache_control
    return response


class RangeNotSatisfiable(Exception):
    """The ``Range`` asks for bytes the file does not have (answered with 416)."""


def parse_range(header, size):
    """The ``(start, end)`` (inclusive) of a single ``bytes=`` range of a ``size``-byte
    file, ``None`` to send the whole file (no header, a malformed one, several ranges),
    or :class:`RangeNotSatisfiable`."""
    if not header:
        return None
    unit, _sep, spec = header.strip().partition("=")
    if unit.strip().lower() != "bytes" or not spec or "," in spec:
        return None
    first, dash, last = spec.strip().partition("-")
    first, last = first.strip(), last.strip()
    if not dash or not (first.isdigit() or first == "") or not (last.isdigit() or last == ""):
        return None
    if first == "":
        if last == "":
            return None
        length = int(last)
        if length == 0 or size == 0:
            raise RangeNotSatisfiable
        return max(size - length, 0), size - 1
    start = int(first)
    end = int(last) if last else size - 1
    if last and end < start:
        return None
    if start >= size:
        raise RangeNotSatisfiable
    return start, min(end, size - 1)


def _read_range(handle, start, end, chunk_size=64 * 1024):
    """Yield the bytes ``start`` to ``end`` (inclusive) of ``handle``, then close it."""
    try:
        handle.seek(start)
        remaining = end - start + 1
        while remaining > 0:
            chunk = handle.read(min(chunk_size, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk
    finally:
        handle.close()


def process_lesson_image(upload):
    """Validate and re-encode the picture of an image lesson (Pillow, like profile
    pictures) -> ``(ContentFile, MaterialInfo)``; raises ``ValidationError``."""
    from elearning_users.images import process_image

    if upload is None:
        raise ValidationError(_("Choose a file to upload."), code="empty")
    image = process_image(
        upload,
        max_bytes=app_settings.LESSON_IMAGE_MAX_BYTES,
        formats=app_settings.LESSON_IMAGE_FORMATS,
        max_pixels=app_settings.LESSON_IMAGE_MAX_PIXELS,
        max_size=app_settings.LESSON_IMAGE_MAX_SIZE,
        name="image",
    )
    extension = image.name.rsplit(".", 1)[1]
    stem = os.path.splitext(clean_filename(getattr(upload, "name", "")))[0] or "image"
    content_type = {"jpg": "image/jpeg", "png": "image/png", "gif": "image/gif", "webp": "image/webp"}
    info = MaterialInfo(f"{stem}.{extension}", extension, content_type[extension], image.size)
    return image, info
