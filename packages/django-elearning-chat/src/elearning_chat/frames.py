"""JSON shapes of the chat protocol (see docs/websocket.rst), built in one place so the
consumer and the REST API agree."""

import datetime
import json


def user_dict(user):
    """Public identity of a user: id, username and avatar (``avatar_url`` if the user
    model has one; any ``AUTH_USER_MODEL`` works)."""
    avatar = getattr(user, "avatar_url", "") or ""
    if callable(avatar):
        avatar = avatar() or ""
    return {"id": user.pk, "username": user.get_username(), "avatar_url": str(avatar)}


def timestamp(value):
    """ISO 8601 in UTC with milliseconds and a ``Z``: ``2026-11-25T13:02:17.123Z``."""
    if value.utcoffset() is None:  # USE_TZ = False
        return value.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]
    return value.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def message_dict(message, room_slug):
    """A stored message; ``message.author`` should be loaded with ``select_related``."""
    return {
        "type": "message",
        "id": message.pk,
        "room": room_slug,
        "author": user_dict(message.author),
        "body": message.body,
        "created_at": timestamp(message.created_at),
    }


def encode(frame):
    """Serialize a frame once; the result is written as-is to every socket."""
    return json.dumps(frame, ensure_ascii=False, separators=(",", ":"))


def error(code, detail):
    return encode({"type": "error", "code": code, "detail": str(detail)})
