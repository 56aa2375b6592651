"""System checks of the chat app (ids ``elearning_chat.E001`` ...)."""

from django.conf import settings
from django.core.checks import Error, Warning, register
from django.utils.module_loading import import_string

from .conf import DEFAULTS

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
