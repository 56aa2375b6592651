"""Settings of the chat app, read lazily from ``settings.ELEARNING_CHAT``.

Every attribute of :data:`app_settings` looks the value up at access time, so
``override_settings`` and per-site configuration work without reloads. The room
policy instance is cached and dropped whenever ``ELEARNING_CHAT`` changes.
"""

from django.conf import settings
from django.core.signals import setting_changed
from django.utils.module_loading import import_string

DEFAULTS = {
    # Template the chat pages extend: the app's standalone layout (Bootstrap from this
    # app's static files), or a site's own base template with the blocks title and content.
    "BASE_TEMPLATE": "elearning_chat/layouts/standalone.html",
    # Dotted path of the room access policy (see elearning_chat.policies.BaseRoomPolicy).
    "ROOM_POLICY": "elearning_chat.policies.DefaultRoomPolicy",
    # Longest accepted message body, in characters (after trimming).
    "MAX_MESSAGE_LENGTH": 2000,
    # Per-user rate limit: at most RATE_LIMIT_MESSAGES messages in RATE_LIMIT_SECONDS,
    # counted over every room and every socket of the user.
    "RATE_LIMIT_MESSAGES": 10,
    "RATE_LIMIT_SECONDS": 10,
    # Messages sent in the ``history`` frame right after connecting.
    "HISTORY_LENGTH": 50,
    # Largest page of a ``history`` frame answering ``resync``.
    "RESYNC_PAGE_SIZE": 100,
    # Page size of GET /api/chat/rooms/<slug>/messages/.
    "API_PAGE_SIZE": 50,
    # Each server process refreshes its presence rows this often (seconds) ...
    "PRESENCE_HEARTBEAT": 15,
    # ... and rows not refreshed for this long (a dead process) no longer count.
    "PRESENCE_TTL": 45,
    # Presence sent on connect lists at most this many users (first by username), with
    # the total count; ``presence_delta`` frames keep that window and the count current.
    "PRESENCE_SNAPSHOT_LIMIT": 50,
    # Presence changes of a room are sent at most once per this many seconds (a join
    # storm costs each member one small frame per interval, not one per join).
    "PRESENCE_INTERVAL": 0.5,
    # Page size of GET /api/chat/rooms/<slug>/members/.
    "MEMBERS_PAGE_SIZE": 100,
    # A user may create at most this many rooms (by opening new room names) per hour.
    "ROOM_CREATE_LIMIT": 20,
    # One server process keeps at most this many rooms open at once (rooms with sockets
    # in it); a socket to one more room is refused until a room empties.
    "MAX_ROOMS_PER_PROCESS": 2000,
    # Frames waiting to be written to one socket; a socket that falls further behind is
    # closed with 1013 (the client reconnects and resyncs).
    "SEND_QUEUE_LIMIT": 1000,
    # A user's ``typing`` frames are relayed at most once per this many seconds.
    "TYPING_INTERVAL": 2,
    # WebSocket close code sent to a user removed from a room (policy revoked, blocked).
    "REMOVED_CLOSE_CODE": 4403,
    # Threads of the chat's own database pool (elearning_chat.db): the chat's queries do
    # not queue on the one thread of thread-sensitive calls. Each thread may hold a
    # database connection: keep DB_THREADS x server processes within the database's
    # connection budget. 0: the thread-sensitive way (also used with in-memory SQLite).
    "DB_THREADS": 4,
}


class AppSettings:
    def __getattr__(self, name):
        if name not in DEFAULTS:
            raise AttributeError(f"Unknown ELEARNING_CHAT setting: {name}")
        user_settings = getattr(settings, "ELEARNING_CHAT", {}) or {}
        if not isinstance(user_settings, dict):
            return DEFAULTS[name]
        return user_settings.get(name, DEFAULTS[name])


app_settings = AppSettings()

_policy = None


def get_room_policy():
    """Return the configured room policy (an instance, created once per settings)."""
    global _policy
    if _policy is None:
        _policy = import_string(app_settings.ROOM_POLICY)()
    return _policy


def _clear_cache(*, setting, **kwargs):
    global _policy
    if setting == "ELEARNING_CHAT":
        _policy = None


setting_changed.connect(_clear_cache)
