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


#: Deepest nesting of arrays and objects accepted in a client frame (the protocol's frames
#: are flat; the limit leaves room for small nested fields).
MAX_CLIENT_DEPTH = 32


class BadFrame(Exception):
    """A client frame the server refuses; ``code`` is the ``error`` frame's code."""

    def __init__(self, code, detail, client_id=None):
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.client_id = client_id  # of a refused message frame, so its author can tell


def max_client_frame_chars(max_message_length):
    """Longest client text frame read at all: room for a body of ``max_message_length``
    characters written entirely as JSON escapes (12 characters for some characters),
    and never less than 64 KiB."""
    return max(65536, 12 * max_message_length + 4096)


def parse_client_frame(text, max_chars):
    """Decode a client text frame into a dict with a string ``type``.

    Raises :class:`BadFrame` (``too_long`` over ``max_chars``; ``bad_request`` for
    anything else that is not such an object: invalid JSON, nesting deeper than
    :data:`MAX_CLIENT_DEPTH`, strings with unpaired surrogates). Never raises anything
    else, whatever the input: no ``RecursionError`` for deep input, no ``MemoryError`` to
    a socket.
    """
    from django.utils.translation import gettext as _

    if not isinstance(text, str):
        raise BadFrame("bad_request", _("Binary frames are not supported."))
    if len(text) > max_chars:
        raise BadFrame("too_long", _("This frame is too large."))
    try:
        frame = json.loads(text)
    except (ValueError, RecursionError, MemoryError):
        raise BadFrame("bad_request", _("Frames must be JSON.")) from None
    # Walk without recursion: the depth limit, and text the database and the socket can
    # encode (JSON escapes can spell an unpaired surrogate, which UTF-8 cannot).
    pending = [(frame, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, str):
            if not value.isascii():
                try:
                    value.encode("utf-8")
                except UnicodeEncodeError:
                    raise BadFrame(
                        "bad_request", _("Frames must be valid UTF-8 text."), _client_id(frame)
                    ) from None
        elif isinstance(value, dict | list):
            if depth > MAX_CLIENT_DEPTH:
                raise BadFrame("bad_request", _("This frame is nested too deeply."), _client_id(frame))
            items = value.items() if isinstance(value, dict) else ((None, item) for item in value)
            for key, item in items:
                if key is not None:
                    pending.append((key, depth))
                if isinstance(item, str | dict | list):
                    pending.append((item, depth + 1))
    if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
        raise BadFrame("bad_request", _("Frames must be JSON objects with a type."))
    return frame


def _client_id(frame):
    """The valid ``client_id`` of a decoded message frame, else None."""
    from .text import valid_client_id

    if isinstance(frame, dict) and frame.get("type") == "message" and valid_client_id(frame.get("client_id")):
        return frame["client_id"]
    return None


def ack(room_slug, client_id, message_id, message=None):
    """``ack``: the author's message ``client_id`` is stored as ``message_id``. ``message``
    is its ``message`` frame as a dict (None when a moderator deleted it since)."""
    return encode(
        {"type": "ack", "room": room_slug, "client_id": client_id, "id": message_id, "message": message}
    )


def message_error(code, detail, client_id=None):
    """An ``error`` about one message; it carries the message's ``client_id`` when the
    client gave one."""
    frame = {"type": "error", "code": code, "detail": str(detail)}
    if client_id is not None:
        frame["client_id"] = client_id
    return encode(frame)
