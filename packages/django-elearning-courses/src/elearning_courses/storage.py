"""Private storage of course materials, through a named storage alias.

Materials must never have a public URL. ``ELEARNING_COURSES["MATERIAL_STORAGE"]`` names
an alias of ``settings.STORAGES`` (default ``"elearning_materials"``), so a site served
by several machines points that alias at shared object storage (a private S3 bucket,
say) without code. While the alias is not defined, materials stay in a
``FileSystemStorage`` rooted at ``settings.PRIVATE_MEDIA_ROOT`` (falling back to
``<MEDIA_ROOT>/../private``) with ``base_url=None``, as before. Either way they are only
ever streamed by the access-checked download view.

The model field points at :func:`material_storage`, a callable, so migrations do not
depend on the configured storage and the storage is resolved at first use (and again
after the settings change).
"""

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import FileSystemStorage, storages
from django.core.signals import setting_changed
from django.utils.functional import LazyObject, empty
from django.utils.module_loading import import_string

from .conf import DEFAULTS, app_settings

#: The alias looked up in ``settings.STORAGES`` unless ``MATERIAL_STORAGE`` names another.
DEFAULT_ALIAS = DEFAULTS["MATERIAL_STORAGE"]


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


def storage_source():
    """Where the material storage comes from: ``("alias", name)``, ``("class", path)``
    or ``("private", None)`` for :class:`PrivateFileSystemStorage`.

    Raises ``ImproperlyConfigured`` for a name that is neither an alias of
    ``STORAGES`` nor a dotted path (an alias other than the default must exist).
    """
    configured = app_settings.MATERIAL_STORAGE
    if not configured:
        return ("private", None)
    if configured in storages.backends:
        return ("alias", configured)
    if configured == DEFAULT_ALIAS:
        # Sites that never defined the alias keep the private file-system storage.
        return ("private", None)
    if "." in configured:
        return ("class", configured)
    raise ImproperlyConfigured(
        f"ELEARNING_COURSES['MATERIAL_STORAGE'] = {configured!r} is not an alias of STORAGES."
    )


def build_storage():
    """A storage instance as configured now (the alias' shared instance for an alias)."""
    kind, name = storage_source()
    if kind == "alias":
        return storages[name]
    if kind == "class":
        return import_string(name)()
    return PrivateFileSystemStorage()


class MaterialStorage(LazyObject):
    def _setup(self):
        self._wrapped = build_storage()


_storage = MaterialStorage()


def material_storage():
    """The storage of :class:`~elearning_courses.models.CourseMaterial` files."""
    return _storage


def _reset(*, setting, **kwargs):
    if setting in {"ELEARNING_COURSES", "PRIVATE_MEDIA_ROOT", "MEDIA_ROOT", "STORAGES"}:
        # Fields hold this very wrapper: empty it in place so the next use rebuilds it.
        _storage._wrapped = empty


setting_changed.connect(_reset, dispatch_uid="elearning_courses_storage_reset")
