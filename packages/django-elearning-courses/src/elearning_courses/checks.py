"""System checks of the courses app (ids ``elearning_courses.E001`` ...)."""

from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.checks import Error, register
from django.utils.module_loading import import_string

from .conf import DEFAULTS, app_settings
from .materials import FILE_TYPES


def _inside(child, parent):
    try:
        Path(child).resolve().relative_to(Path(parent).resolve())
    except ValueError:
        return False
    return True


@register()
def check_settings(app_configs, **kwargs):
    user_settings = getattr(settings, "ELEARNING_COURSES", {})
    if not isinstance(user_settings, dict):
        return [Error("ELEARNING_COURSES must be a dict.", id="elearning_courses.E001")]
    errors = []
    for key in user_settings:
        if key not in DEFAULTS:
            errors.append(
                Error(
                    f"Unknown key {key!r} in ELEARNING_COURSES.",
                    hint="Valid keys: " + ", ".join(sorted(DEFAULTS)),
                    id="elearning_courses.E002",
                )
            )
    for key in ("MATERIAL_MAX_BYTES", "CATALOG_PAGE_SIZE", "NOTIFICATIONS_PAGE_SIZE"):
        value = getattr(app_settings, key)
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            errors.append(
                Error(
                    f"ELEARNING_COURSES[{key!r}] must be a positive integer, not {value!r}.",
                    id="elearning_courses.E003",
                )
            )
    extensions = app_settings.MATERIAL_EXTENSIONS
    unknown = (
        [e for e in extensions if str(e).lower().lstrip(".") not in FILE_TYPES]
        if isinstance(extensions, (list, tuple))
        else None
    )
    if unknown is None or unknown or not extensions:
        errors.append(
            Error(
                "ELEARNING_COURSES['MATERIAL_EXTENSIONS'] must be a non-empty list of known "
                f"extensions; unknown: {unknown!r}.",
                hint="Known: " + ", ".join(sorted(FILE_TYPES)),
                id="elearning_courses.E004",
            )
        )
    errors.extend(_check_storage())
    if not apps.is_installed("elearning_users"):
        errors.append(
            Error(
                "elearning_courses needs elearning_users in INSTALLED_APPS.",
                id="elearning_courses.E006",
            )
        )
    return errors


def _check_storage():
    configured = app_settings.MATERIAL_STORAGE
    if configured:
        if configured in getattr(settings, "STORAGES", {}):
            return []
        try:
            import_string(configured)
        except ImportError:
            return [
                Error(
                    f"ELEARNING_COURSES['MATERIAL_STORAGE'] = {configured!r} is neither an alias "
                    "of STORAGES nor an importable storage class.",
                    id="elearning_courses.E005",
                )
            ]
        return []
    from .storage import private_media_root

    root = private_media_root()
    public = [
        name
        for name in ("MEDIA_ROOT", "STATIC_ROOT")
        if getattr(settings, name, None) and _inside(root, getattr(settings, name))
    ]
    if public:
        return [
            Error(
                f"Course materials would be stored in {root}, inside {' and '.join(public)}, "
                "where they could be served publicly.",
                hint="Set PRIVATE_MEDIA_ROOT to a folder outside MEDIA_ROOT and STATIC_ROOT.",
                id="elearning_courses.E007",
            )
        ]
    return []
