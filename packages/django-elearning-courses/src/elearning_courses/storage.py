"""Private storage of course materials.

Materials must never have a public URL: by default they live in a
``FileSystemStorage`` rooted at ``settings.PRIVATE_MEDIA_ROOT`` (falling back to
``<MEDIA_ROOT>/../private``) with ``base_url=None``, and are only ever streamed by
the access-checked download view. ``ELEARNING_COURSES["MATERIAL_STORAGE"]`` swaps in
another storage (an alias of ``settings.STORAGES`` or a dotted class path), e.g. a
private S3 bucket.

The model field points at :func:`material_storage`, a callable, so migrations do not
depend on the configured storage and the storage is resolved at first use (and again
after the settings change).
"""

from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.core.signals import setting_changed
from django.utils.functional import LazyObject, empty
from django.utils.module_loading import import_string

from .conf import app_settings


def private_media_root():
    """The folder private materials are stored in by the default storage."""
    root = getattr(settings, "PRIVATE_MEDIA_ROOT", None)
    if root:
        return Path(root)
    return Path(settings.MEDIA_ROOT or ".").resolve().parent / "private"


class PrivateFileSystemStorage(FileSystemStorage):
    """A file system storage without URLs, rooted at :func:`private_media_root`."""

    def __init__(self, location=None, **kwargs):
        kwargs["base_url"] = None
        super().__init__(location=location, **kwargs)

    @property
    def base_location(self):
        return self._value_or_setting(self._location, str(private_media_root()))

    @property
    def base_url(self):
        return None

    @property
    def location(self):
        return str(Path(self.base_location).resolve())

    def url(self, name):
        raise ValueError("Course materials are private and have no URL; use the download view.")


def _build_storage():
    configured = app_settings.MATERIAL_STORAGE
    if not configured:
        return PrivateFileSystemStorage()
    if configured in getattr(settings, "STORAGES", {}):
        return storages[configured]
    return import_string(configured)()


class MaterialStorage(LazyObject):
    def _setup(self):
        self._wrapped = _build_storage()


_storage = MaterialStorage()


def material_storage():
    """The storage of :class:`~elearning_courses.models.CourseMaterial` files."""
    return _storage


def _reset(*, setting, **kwargs):
    if setting in {"ELEARNING_COURSES", "PRIVATE_MEDIA_ROOT", "MEDIA_ROOT", "STORAGES"}:
        # Fields hold this very wrapper: empty it in place so the next use rebuilds it.
        _storage._wrapped = empty


setting_changed.connect(_reset, dispatch_uid="elearning_courses_storage_reset")
