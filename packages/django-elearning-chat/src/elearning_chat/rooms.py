"""Where rooms live and which ones a user is offered: one source for the pages, the API
and the WebSocket routing."""

import re

from django.urls import NoReverseMatch, reverse

from .conf import get_room_policy
from .models import ROOM_SLUG_PATTERN

#: The room every signed-in user is offered first (when the policy lets them in).
LOBBY = "lobby"

#: Path of a room's WebSocket, without the leading slash (``routing`` builds its
#: pattern from it; pages and the API hand it to clients).
WEBSOCKET_PATH = "ws/chat/{room}/"

_slug_re = re.compile(ROOM_SLUG_PATTERN)


def is_room_slug(value):
    """Whether ``value`` is a valid room slug (``ROOM_SLUG_PATTERN``, whole string)."""
    return isinstance(value, str) and _slug_re.fullmatch(value) is not None


def websocket_route():
    """Regular expression of :data:`WEBSOCKET_PATH`, capturing the slug as ``room``."""
    before, after = WEBSOCKET_PATH.split("{room}")
    return rf"^{re.escape(before)}(?P<room>{ROOM_SLUG_PATTERN}){re.escape(after)}$"


def websocket_path(room_slug):
    """The absolute path a client opens for ``room_slug``: ``/ws/chat/<room>/``."""
    return "/" + WEBSOCKET_PATH.format(room=room_slug)


def messages_api_url(room_slug):
    """Path of the room's message history endpoint, or "" when the API is not mounted."""
    try:
        return reverse("elearning_chat_api:message-list", kwargs={"slug": room_slug})
    except NoReverseMatch:
        return ""


def listed_rooms(user):
    """``(slug, title)`` of the rooms offered to ``user``: the lobby if the policy lets
    them in, then the policy's :meth:`~elearning_chat.policies.BaseRoomPolicy.visible_rooms`
    in its order. Invalid slugs and repeats are dropped; titles are the policy's (a
    caller may prefer the stored :class:`~elearning_chat.models.Room` title)."""
    policy = get_room_policy()
    rooms = {}
    if policy.can_join(user, LOBBY):
        rooms[LOBBY] = policy.get_room_title(LOBBY)
    for slug, title in policy.visible_rooms(user):
        # The lobby is offered only through can_join, never through the list.
        if slug != LOBBY and is_room_slug(slug) and slug not in rooms:
            rooms[slug] = title
    return list(rooms.items())
