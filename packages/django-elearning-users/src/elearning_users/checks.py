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
    errors.extend(_check_user_model())
    return errors


def _check_user_model():
    """``AUTH_USER_MODEL`` must be ``elearning_users.User`` or another AbstractElearningUser."""
    from django.apps import apps

    from .models import AbstractElearningUser

    name = getattr(settings, "AUTH_USER_MODEL", "")
    hint = (
        "Set AUTH_USER_MODEL = 'elearning_users.User', or to your own model subclassing "
        "elearning_users.models.AbstractElearningUser, before the first migration."
    )
    try:
        model = apps.get_model(name)
    except (LookupError, ValueError):
        return [
            Error(
                f"AUTH_USER_MODEL = {name!r} is not an installed model.",
                hint=hint,
                id="elearning_users.E004",
            )
        ]
    if not issubclass(model, AbstractElearningUser):
        return [
            Error(
                f"AUTH_USER_MODEL = {name!r} does not subclass AbstractElearningUser, "
                "which the e-learning apps need (role, profile picture, status).",
                hint=hint,
                id="elearning_users.E004",
            )
        ]
    return []
