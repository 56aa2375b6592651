from django.conf import settings
from django.core.checks import Error, register

from .conf import DEFAULTS, app_settings


@register()
def check_settings(app_configs, **kwargs):
    errors = []
    user_settings = getattr(settings, "ELEARNING_USERS", {})
    if not isinstance(user_settings, dict):
        return [
            Error(
                "ELEARNING_USERS must be a dict.",
                id="elearning_users.E001",
            )
        ]
    for key in user_settings:
        if key not in DEFAULTS:
            errors.append(
                Error(
                    f"Unknown key {key!r} in ELEARNING_USERS.",
                    hint="Valid keys: " + ", ".join(sorted(DEFAULTS)),
                    id="elearning_users.E002",
                )
            )
    for key in ("PROFILE_PICTURE_MAX_BYTES", "PROFILE_PICTURE_MAX_PIXELS", "PROFILE_PICTURE_SIZE"):
        value = getattr(app_settings, key)
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            errors.append(
                Error(
                    f"ELEARNING_USERS[{key!r}] must be a positive integer, not {value!r}.",
                    id="elearning_users.E003",
                )
            )
    if getattr(settings, "AUTH_USER_MODEL", "") != "elearning_users.User":
        errors.append(
            Error(
                "AUTH_USER_MODEL must be 'elearning_users.User' when elearning_users is installed.",
                hint="Add AUTH_USER_MODEL = 'elearning_users.User' to your settings "
                "before the first migration.",
                id="elearning_users.E004",
            )
        )
    return errors
