"""System checks of the users app (ids ``elearning_users.E001`` ...)."""

from django.apps import apps
from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.shortcuts import resolve_url
from django.template import TemplateDoesNotExist, TemplateSyntaxError
from django.template.loader import get_template
from django.urls import NoReverseMatch, Resolver404, get_script_prefix, resolve, reverse

from .conf import DEFAULTS


def settings_dict_errors(setting, defaults, positive_ints, app_label):
    """The checks every app's settings dict gets: ``<app_label>.E001`` when ``setting`` is
    not a dict, ``E002`` for each unknown key, ``E003`` for each of ``positive_ints`` that is
    not a positive integer. Shared with the courses app. Returns ``(errors, values)``, the
    values being the defaults updated with the site's (None when it is not a dict)."""
    configured = getattr(settings, setting, None)
    if configured is None:
        configured = {}
    if not isinstance(configured, dict):
        return [Error(f"{setting} must be a dict.", id=f"{app_label}.E001")], None
    errors = [
        Error(
            f"Unknown key {key!r} in {setting}.",
            hint="Valid keys: " + ", ".join(sorted(defaults)),
            id=f"{app_label}.E002",
        )
        for key in configured
        if key not in defaults
    ]
    values = {**defaults, **configured}
    for key in positive_ints:
        value = values[key]
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            errors.append(
                Error(
                    f"{setting}[{key!r}] must be a positive integer, not {value!r}.", id=f"{app_label}.E003"
                )
            )
    return errors, values


@register()
def check_settings(app_configs, **kwargs):
    positive = ("PROFILE_PICTURE_MAX_BYTES", "PROFILE_PICTURE_MAX_PIXELS", "PROFILE_PICTURE_SIZE")
    errors, values = settings_dict_errors("ELEARNING_USERS", DEFAULTS, positive, "elearning_users")
    if values is None:
        return errors
    return errors + _check_throttling(values) + _check_user_model()


def _check_throttling(values):
    """``TRUSTED_PROXIES`` must be addresses or networks, the rate ``N/period``, the cache
    one of CACHES (ids E006-E008)."""
    import ipaddress

    from .security import parse_rate

    errors = []
    proxies = values["TRUSTED_PROXIES"]
    if not isinstance(proxies, (list, tuple)):
        errors.append(
            Error(
                f"ELEARNING_USERS['TRUSTED_PROXIES'] must be a list, not {proxies!r}.",
                hint="e.g. ['10.0.0.0/8', '127.0.0.1']; [] when no proxy is in front of the site.",
                id="elearning_users.E006",
            )
        )
    else:
        for entry in proxies:
            try:
                ipaddress.ip_network(str(entry).strip(), strict=False)
            except ValueError:
                errors.append(
                    Error(
                        f"ELEARNING_USERS['TRUSTED_PROXIES'] entry {entry!r} is not an IP address "
                        "or network.",
                        hint="Give addresses ('10.0.0.5') or CIDR networks ('10.0.0.0/8').",
                        id="elearning_users.E006",
                    )
                )
    rate = values["AUTH_THROTTLE_RATE"]
    try:
        parse_rate(rate)
    except (ValueError, KeyError, IndexError, AttributeError):
        errors.append(
            Error(
                f"ELEARNING_USERS['AUTH_THROTTLE_RATE'] = {rate!r} is not a rate.",
                hint="Write '<number>/<second|minute|hour|day>', e.g. '10/minute', or None for no limit.",
                id="elearning_users.E007",
            )
        )
    cache = values["THROTTLE_CACHE"]
    if cache not in getattr(settings, "CACHES", {"default": None}):
        errors.append(
            Error(
                f"ELEARNING_USERS['THROTTLE_CACHE'] = {cache!r} is not a cache of CACHES.",
                id="elearning_users.E008",
            )
        )
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


def base_template_errors(setting, check_id):
    """An error when ``<setting>["BASE_TEMPLATE"]`` names a template the site cannot load.

    Shared with the courses app, which has a ``BASE_TEMPLATE`` of its own.
    """
    configured = getattr(settings, setting, None)
    name = configured.get("BASE_TEMPLATE") if isinstance(configured, dict) else None
    if name is None:
        return []  # the app's own standalone layout
    try:
        if not isinstance(name, str) or not name:
            raise TemplateDoesNotExist(repr(name))
        get_template(name)
    except TemplateDoesNotExist:
        return [
            Error(
                f"{setting}['BASE_TEMPLATE'] = {name!r} is not a template the site can load.",
                hint="Name a template in one of your template folders, or remove the key to use "
                "the app's standalone layout.",
                id=check_id,
            )
        ]
    except TemplateSyntaxError as exc:
        return [Error(f"{setting}['BASE_TEMPLATE'] = {name!r} does not compile: {exc}", id=check_id)]
    return []


def login_url_warnings(check_id):
    """A warning when ``LOGIN_URL`` leads nowhere: the apps send anonymous visitors there.

    Shared with the courses app.
    """
    try:
        url = str(resolve_url(settings.LOGIN_URL))
    except NoReverseMatch:
        url = None
    if url is not None and ("://" in url or url.startswith("//")):
        return []  # a log-in page on another site
    if url is not None:
        prefix = get_script_prefix()
        path = "/" + url[len(prefix) :] if url.startswith(prefix) else url
        try:
            resolve(path.split("?", 1)[0])
            return []
        except Resolver404:
            pass
    return [
        Warning(
            f"LOGIN_URL = {settings.LOGIN_URL!r} does not lead to a page of this site: visitors "
            "who must log in would land on a 404.",
            hint="Mount elearning_users.urls and set LOGIN_URL = 'elearning_users:login', or point "
            "LOGIN_URL at your own log-in page.",
            id=check_id,
        )
    ]


def asgi_warnings(app_label, daphne_id, asgi_id):
    """Warnings for a site that cannot serve WebSockets in development: without "daphne"
    ahead of "django.contrib.staticfiles" in INSTALLED_APPS, ``runserver`` is Django's WSGI
    server; without ``ASGI_APPLICATION`` Daphne's ``runserver`` has nothing to serve.

    Used by the courses app (the live bell); the users app needs no WebSocket.
    """
    problems = []
    installed = list(settings.INSTALLED_APPS)
    statics = "django.contrib.staticfiles"
    if "daphne" not in installed or (
        statics in installed and installed.index(statics) < installed.index("daphne")
    ):
        problems.append(
            Warning(
                f"'daphne' is not ahead of '{statics}' in INSTALLED_APPS: 'manage.py runserver' "
                f"serves no WebSockets, so {app_label}'s live features do not work in development.",
                hint="Put 'daphne' first in INSTALLED_APPS.",
                id=daphne_id,
            )
        )
    if not getattr(settings, "ASGI_APPLICATION", None):
        problems.append(
            Warning(
                f"ASGI_APPLICATION is not set: {app_label}'s WebSocket routes are not served.",
                hint="Set ASGI_APPLICATION = '<project>.asgi.application' and route the app's "
                "websocket_urlpatterns there.",
                id=asgi_id,
            )
        )
    return problems


@register(Tags.templates)
def check_layout(app_configs, **kwargs):
    return base_template_errors("ELEARNING_USERS", "elearning_users.E005")


@register(Tags.urls)
def check_site(app_configs, **kwargs):
    """What the site around the app must provide: DRF, token keys, a log-in page."""
    problems = []
    if not apps.is_installed("rest_framework"):
        problems.append(
            Warning(
                "rest_framework is not in INSTALLED_APPS: the users API's browsable pages and "
                "the token model need it.",
                hint="Add 'rest_framework' (and 'rest_framework.authtoken') to INSTALLED_APPS.",
                id="elearning_users.W001",
            )
        )
    if not apps.is_installed("rest_framework.authtoken"):
        try:
            reverse("elearning_users_api:user-list")
        except NoReverseMatch:
            pass  # the API is not mounted: no token endpoint is expected
        else:
            problems.append(
                Warning(
                    "The users API is mounted but rest_framework.authtoken is not installed, so "
                    "it serves no /auth/token/ endpoint and accepts no 'Authorization: Token' keys.",
                    hint="Add 'rest_framework.authtoken' to INSTALLED_APPS and run migrate.",
                    id="elearning_users.W002",
                )
            )
    return problems + login_url_warnings("elearning_users.W003") + login_throttle_warnings()


#: What a site adds for django-axes to throttle every log-in form (docs/users.rst).
AXES_BACKEND = "axes.backends.AxesStandaloneBackend"
AXES_MIDDLEWARE = "axes.middleware.AxesMiddleware"
CLIENT_IP_CALLABLE = "elearning_users.security.client_ip"


def login_throttle_warnings():
    """W004 when django-axes is not wired in: the log-in page and the admin log-in would
    take any number of wrong passwords. W005 when it reads client addresses another way
    than the apps (X-Forwarded-For would then be trusted or ignored differently)."""
    from django.utils.module_loading import import_string

    missing = []
    if not apps.is_installed("axes"):
        missing.append("'axes' in INSTALLED_APPS")
    axes_backend = None
    backends = []
    # axes' backend imports its models, which raise RuntimeError outside INSTALLED_APPS.
    if apps.is_installed("axes"):
        try:
            axes_backend = import_string(AXES_BACKEND)
        except ImportError:
            pass
        for path in getattr(settings, "AUTHENTICATION_BACKENDS", []):
            try:
                backends.append(import_string(path))
            except ImportError:
                continue
    if axes_backend is None or not any(isinstance(b, type) and issubclass(b, axes_backend) for b in backends):
        missing.append(f"'{AXES_BACKEND}' first in AUTHENTICATION_BACKENDS")
    if not any(str(m).startswith("axes.middleware.") for m in settings.MIDDLEWARE):
        missing.append(f"'{AXES_MIDDLEWARE}' at the end of MIDDLEWARE")
    if missing:
        return [
            Warning(
                "Log-in attempts are not throttled: the log-in page and the admin log-in "
                "accept any number of wrong passwords.",
                hint="Add " + ", ".join(missing) + f", and AXES_CLIENT_IP_CALLABLE = "
                f"'{CLIENT_IP_CALLABLE}' (see the users app's installation docs).",
                id="elearning_users.W004",
            )
        ]
    configured = getattr(settings, "AXES_CLIENT_IP_CALLABLE", None)
    from .security import client_ip

    if configured not in (CLIENT_IP_CALLABLE, client_ip):
        return [
            Warning(
                f"AXES_CLIENT_IP_CALLABLE = {configured!r}: django-axes does not read client "
                "addresses as the apps do (ELEARNING_USERS['TRUSTED_PROXIES']).",
                hint=f"Set AXES_CLIENT_IP_CALLABLE = '{CLIENT_IP_CALLABLE}'.",
                id="elearning_users.W005",
            )
        ]
    return []
