"""System checks of the chat app (ids ``elearning_chat.E001`` ...)."""

from django.apps import apps
from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.shortcuts import resolve_url
from django.template import TemplateDoesNotExist, TemplateSyntaxError
from django.template.loader import get_template
from django.urls import NoReverseMatch, Resolver404, get_script_prefix, resolve
from django.utils.module_loading import import_string

from .conf import DEFAULTS
from .models import MESSAGE_BODY_MAX_LENGTH

POLICY_METHODS = ("can_join", "can_moderate", "get_room_title", "visible_rooms")
POSITIVE_INTS = (
    "MAX_MESSAGE_LENGTH",
    "RATE_LIMIT_MESSAGES",
    "RATE_LIMIT_SECONDS",
    "HISTORY_LENGTH",
    "RESYNC_PAGE_SIZE",
    "API_PAGE_SIZE",
    "PRESENCE_HEARTBEAT",
    "PRESENCE_TTL",
    "PRESENCE_SNAPSHOT_LIMIT",
    "MEMBERS_PAGE_SIZE",
    "ROOM_CREATE_LIMIT",
    "MAX_ROOMS_PER_PROCESS",
    "SEND_QUEUE_LIMIT",
)


def _positive_int(value):
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


@register()
def check_settings(app_configs, **kwargs):
    user_settings = getattr(settings, "ELEARNING_CHAT", {})
    if user_settings is None:
        user_settings = {}
    if not isinstance(user_settings, dict):
        return [Error("ELEARNING_CHAT must be a dict.", id="elearning_chat.E001")]
    errors = [
        Error(
            f"Unknown key {key!r} in ELEARNING_CHAT.",
            hint="Valid keys: " + ", ".join(sorted(DEFAULTS)),
            id="elearning_chat.E002",
        )
        for key in user_settings
        if key not in DEFAULTS
    ]
    values = {**DEFAULTS, **user_settings}
    path = values["ROOM_POLICY"]
    try:
        if not isinstance(path, str):
            raise ImportError("not a dotted path")
        policy = import_string(path)
    except ImportError as exc:
        errors.append(
            Error(
                f"ELEARNING_CHAT['ROOM_POLICY'] = {path!r} cannot be imported: {exc}.",
                hint="Give the dotted path of a BaseRoomPolicy subclass.",
                id="elearning_chat.E003",
            )
        )
    else:
        missing = [name for name in POLICY_METHODS if not callable(getattr(policy, name, None))]
        if missing:
            errors.append(
                Error(
                    f"The room policy {path!r} lacks {', '.join(missing)}.",
                    hint="Subclass elearning_chat.policies.BaseRoomPolicy.",
                    id="elearning_chat.E004",
                )
            )
    for key in POSITIVE_INTS:
        if not _positive_int(values[key]):
            errors.append(
                Error(
                    f"ELEARNING_CHAT[{key!r}] must be a positive integer, not {values[key]!r}.",
                    id="elearning_chat.E005",
                )
            )
    ceiling = MESSAGE_BODY_MAX_LENGTH
    if _positive_int(values["MAX_MESSAGE_LENGTH"]) and values["MAX_MESSAGE_LENGTH"] > ceiling:
        errors.append(
            Error(
                f"ELEARNING_CHAT['MAX_MESSAGE_LENGTH'] must be at most {ceiling}, the length of "
                "the message body column.",
                id="elearning_chat.E011",
            )
        )
    if _positive_int(values["PRESENCE_HEARTBEAT"]) and _positive_int(values["PRESENCE_TTL"]):
        if values["PRESENCE_TTL"] <= 2 * values["PRESENCE_HEARTBEAT"]:
            errors.append(
                Error(
                    "ELEARNING_CHAT['PRESENCE_TTL'] must be more than twice PRESENCE_HEARTBEAT, "
                    "or live connections would expire.",
                    id="elearning_chat.E006",
                )
            )
    if not (isinstance(values["TYPING_INTERVAL"], int | float) and values["TYPING_INTERVAL"] >= 0):
        errors.append(
            Error("ELEARNING_CHAT['TYPING_INTERVAL'] must be a number >= 0.", id="elearning_chat.E007")
        )
    if not (
        isinstance(values["PRESENCE_INTERVAL"], int | float)
        and not isinstance(values["PRESENCE_INTERVAL"], bool)
        and values["PRESENCE_INTERVAL"] >= 0
    ):
        errors.append(
            Error("ELEARNING_CHAT['PRESENCE_INTERVAL'] must be a number >= 0.", id="elearning_chat.E010")
        )
    threads = values["DB_THREADS"]
    if not (isinstance(threads, int) and not isinstance(threads, bool) and threads >= 0):
        errors.append(
            Error(
                f"ELEARNING_CHAT['DB_THREADS'] must be an integer >= 0, not {threads!r}.",
                hint="0 runs the chat's queries the thread-sensitive way, on no pool of its own.",
                id="elearning_chat.E012",
            )
        )
    code = values["REMOVED_CLOSE_CODE"]
    if not (_positive_int(code) and 4000 <= code <= 4999):
        errors.append(
            Error(
                "ELEARNING_CHAT['REMOVED_CLOSE_CODE'] must be an application close code (4000-4999).",
                id="elearning_chat.E008",
            )
        )
    if not getattr(settings, "CHANNEL_LAYERS", None):
        errors.append(
            Warning(
                "CHANNEL_LAYERS is not configured: chat broadcasts reach only this process.",
                hint="Use channels.layers.InMemoryChannelLayer for one process, channels_redis for several.",
                id="elearning_chat.W001",
            )
        )
    return errors


# The chat app depends on neither other app, so these site checks are its own (the users
# app has the same ones for the pages it serves).


@register(Tags.templates)
def check_layout(app_configs, **kwargs):
    configured = getattr(settings, "ELEARNING_CHAT", None)
    name = configured.get("BASE_TEMPLATE") if isinstance(configured, dict) else None
    if name is None:
        return []  # the app's own standalone layout
    try:
        if not isinstance(name, str) or not name:
            raise TemplateDoesNotExist(repr(name))
        get_template(name)
    except (TemplateDoesNotExist, TemplateSyntaxError) as exc:
        return [
            Error(
                f"ELEARNING_CHAT['BASE_TEMPLATE'] = {name!r} cannot be loaded ({type(exc).__name__}).",
                hint="Name a template of your site, or remove the key to use the chat's standalone layout.",
                id="elearning_chat.E009",
            )
        ]
    return []


def _login_page_exists():
    try:
        url = str(resolve_url(settings.LOGIN_URL))
    except NoReverseMatch:
        return False
    if "://" in url or url.startswith("//"):
        return True  # on another site
    prefix = get_script_prefix()
    try:
        resolve(("/" + url[len(prefix) :] if url.startswith(prefix) else url).split("?", 1)[0])
    except Resolver404:
        return False
    return True


@register(Tags.urls)
def check_site(app_configs, **kwargs):
    """What the site around the chat must provide: Daphne, an ASGI application, DRF and a
    log-in page (every chat page needs a signed-in user)."""
    problems = []
    installed = list(settings.INSTALLED_APPS)
    statics = "django.contrib.staticfiles"
    if "daphne" not in installed or (
        statics in installed and installed.index(statics) < installed.index("daphne")
    ):
        problems.append(
            Warning(
                f"'daphne' is not ahead of '{statics}' in INSTALLED_APPS: 'manage.py runserver' "
                "serves no WebSockets, so the chat does not connect in development.",
                hint="Put 'daphne' first in INSTALLED_APPS.",
                id="elearning_chat.W002",
            )
        )
    if not getattr(settings, "ASGI_APPLICATION", None):
        problems.append(
            Warning(
                "ASGI_APPLICATION is not set: the chat's WebSocket route is not served.",
                hint="Set ASGI_APPLICATION = '<project>.asgi.application' and route "
                "elearning_chat.routing.websocket_urlpatterns there.",
                id="elearning_chat.W003",
            )
        )
    if not apps.is_installed("rest_framework"):
        problems.append(
            Warning(
                "rest_framework is not in INSTALLED_APPS: the chat API's browsable pages need it.",
                hint="Add 'rest_framework' to INSTALLED_APPS.",
                id="elearning_chat.W004",
            )
        )
    if not _login_page_exists():
        problems.append(
            Warning(
                f"LOGIN_URL = {settings.LOGIN_URL!r} does not lead to a page of this site: visitors "
                "who open the chat would land on a 404.",
                hint="Point LOGIN_URL at your site's log-in page (for instance 'admin:login' while "
                "trying the chat out).",
                id="elearning_chat.W005",
            )
        )
    return problems
