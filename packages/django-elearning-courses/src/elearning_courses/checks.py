"""System checks of the courses app (ids ``elearning_courses.E001`` ...)."""

from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.core.files.storage import FileSystemStorage

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
    if not apps.is_installed("elearning_users"):
        # Importing the users app's checks would register them for a site without the app.
        return [
            Error("elearning_courses needs elearning_users in INSTALLED_APPS.", id="elearning_courses.E006")
        ]
    from elearning_users.checks import settings_dict_errors

    positive = (
        "MATERIAL_MAX_BYTES",
        "CATALOG_PAGE_SIZE",
        "NOTIFICATIONS_PAGE_SIZE",
        "VIDEO_MAX_BYTES",
        "LESSON_IMAGE_MAX_BYTES",
        "LESSON_IMAGE_MAX_PIXELS",
        "COVER_MAX_BYTES",
        "COVER_MAX_PIXELS",
        "COVER_SIZE",
        "ANALYTICS_CHAT_DAYS",
        "ANALYTICS_PAGE_SIZE",
        "SEARCH_PAGE_SIZE",
        "SEARCH_HITS_PER_COURSE",
        "SEARCH_MAX_MATCHES",
    )
    errors, values = settings_dict_errors("ELEARNING_COURSES", DEFAULTS, positive, "elearning_courses")
    if values is None:
        return errors
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
    return errors


#: ACLs (S3 and Google Cloud spellings, compared without dashes) that let others read objects.
PUBLIC_ACLS = {"publicread", "publicreadwrite", "authenticatedread"}


def _public_acl(storage):
    """The public ACL a django-storages style backend puts on new objects, if any."""
    parameters = getattr(storage, "object_parameters", None)
    candidates = [getattr(storage, "default_acl", None)]
    if isinstance(parameters, dict):
        candidates.append(parameters.get("ACL"))
    for acl in candidates:
        if isinstance(acl, str) and acl.replace("-", "").lower() in PUBLIC_ACLS:
            return acl
    return None


def _check_storage():
    from .storage import build_storage, storage_source

    configured = app_settings.MATERIAL_STORAGE
    try:
        kind, name = storage_source()
        storage = build_storage()
    except Exception as exc:
        # Whatever a backend raises while being built is a configuration error to report,
        # not a reason for the checks themselves to crash.
        return [
            Error(
                f"ELEARNING_COURSES['MATERIAL_STORAGE'] = {configured!r} cannot be used: {exc}",
                hint="Name an alias defined in STORAGES (or leave the default, "
                f"{DEFAULTS['MATERIAL_STORAGE']!r}, to keep materials under PRIVATE_MEDIA_ROOT).",
                id="elearning_courses.E005",
            )
        ]
    errors = []
    if isinstance(storage, FileSystemStorage):
        root = storage.location
        public = [
            setting
            for setting in ("MEDIA_ROOT", "STATIC_ROOT")
            if getattr(settings, setting, None) and _inside(root, getattr(settings, setting))
        ]
        if public:
            errors.append(
                Error(
                    f"Course materials would be stored in {root}, inside {' and '.join(public)}, "
                    "where they could be served publicly.",
                    hint=(
                        f"Give STORAGES[{name!r}] a location outside MEDIA_ROOT and STATIC_ROOT."
                        if kind == "alias"
                        else "Set PRIVATE_MEDIA_ROOT to a folder outside MEDIA_ROOT and STATIC_ROOT."
                    ),
                    id="elearning_courses.E007",
                )
            )
    acl = _public_acl(storage)
    if acl:
        errors.append(
            Error(
                f"The course material storage gives new files the ACL {acl!r}: anyone with a "
                "file's address could read it, bypassing the access-checked download view.",
                hint="Make the storage private (django-storages S3: default_acl 'private', "
                "querystring_auth True).",
                id="elearning_courses.E008",
            )
        )
    return errors


@register(Tags.templates, Tags.urls)
def check_site(app_configs, **kwargs):
    """The layout, the log-in page and the WebSocket serving the live bell needs."""
    if not apps.is_installed("elearning_users"):
        return []  # E006 says what to do first
    from elearning_users.checks import asgi_warnings, base_template_errors, login_url_warnings

    problems = base_template_errors("ELEARNING_COURSES", "elearning_courses.E009")
    problems += login_url_warnings("elearning_courses.W001")
    if app_settings.PUSH_NOTIFICATIONS:
        problems += asgi_warnings("elearning_courses", "elearning_courses.W002", "elearning_courses.W003")
        if not getattr(settings, "CHANNEL_LAYERS", None):
            problems.append(
                Warning(
                    "CHANNEL_LAYERS is not configured: new notifications are not pushed to open pages.",
                    hint="Use channels.layers.InMemoryChannelLayer for one process, channels_redis for "
                    "several, or set ELEARNING_COURSES['PUSH_NOTIFICATIONS'] = False.",
                    id="elearning_courses.W004",
                )
            )
    return problems
